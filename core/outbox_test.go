package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestOutboxClaimsInOrderPerStream(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		var ds []*core.Delivery
		for i := 0; i < 3; i++ {
			ds = append(ds, &core.Delivery{Stream: "ticket:1", Kind: "post", Platform: core.PlatformSlack, Payload: fmt.Sprintf(`{"n":%d}`, i)})
		}
		ds = append(ds, &core.Delivery{Stream: "dm:U1", Kind: "dm", Platform: core.PlatformSlack})
		ds = append(ds, &core.Delivery{Stream: "ticket:2", Kind: "post", Platform: core.PlatformDiscord})
		if err := st.Enqueue(ctx, ds...); err != nil {
			t.Fatal(err)
		}
		got, err := st.ClaimDeliveries(ctx, "w1", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != ds[0].ID || got[1].ID != ds[3].ID || got[2].ID != ds[4].ID {
			t.Fatalf("claimed %v, want heads of 3 streams", ids(got))
		}
		if got[0].Attempts != 1 || got[0].LockedBy != "w1" {
			t.Fatalf("claimed row = %+v", got[0])
		}
		// Leased rows are not claimed again, and the stream's next row waits.
		if again, _ := st.ClaimDeliveries(ctx, "w2", 10, time.Minute); len(again) != 0 {
			t.Fatalf("w2 claimed %v while w1 holds the heads", ids(again))
		}
		// Platform filter.
		if ok, _ := st.CompleteDelivery(ctx, nil, ds[0].ID, "w1", "1.1"); !ok {
			t.Fatal("complete failed")
		}
		if next, _ := st.ClaimDeliveries(ctx, "w2", 10, time.Minute, core.PlatformDiscord); len(next) != 0 {
			t.Fatalf("platform filter ignored: %v", ids(next))
		}
		next, _ := st.ClaimDeliveries(ctx, "w2", 10, time.Minute, core.PlatformSlack)
		if len(next) != 1 || next[0].ID != ds[1].ID {
			t.Fatalf("after completing the head, claimed %v, want [%d]", ids(next), ds[1].ID)
		}
		// A retry waits for its time; a lost lease cannot be finished.
		if ok, _ := st.RetryDelivery(ctx, ds[1].ID, "w2", clock.Now().Add(30*time.Second), "429"); !ok {
			t.Fatal("retry failed")
		}
		if ok, _ := st.CompleteDelivery(ctx, nil, ds[1].ID, "w1", "x"); ok {
			t.Fatal("a worker without the lease completed the delivery")
		}
		if n, _ := st.ClaimDeliveries(ctx, "w2", 10, time.Minute, core.PlatformSlack); len(n) != 0 {
			t.Fatalf("claimed before retry time: %v", ids(n))
		}
		clock.Advance(31 * time.Second)
		n, _ := st.ClaimDeliveries(ctx, "w2", 10, time.Minute, core.PlatformSlack)
		if len(n) != 1 || n[0].ID != ds[1].ID || n[0].Attempts != 2 {
			t.Fatalf("after retry time: %+v", n)
		}
		// Park it: the stream moves on, and the admin can requeue it.
		if ok, _ := st.ParkDelivery(ctx, ds[1].ID, "w2", "thread deleted"); !ok {
			t.Fatal("park failed")
		}
		n, _ = st.ClaimDeliveries(ctx, "w2", 10, time.Minute, core.PlatformSlack)
		if len(n) != 1 || n[0].ID != ds[2].ID {
			t.Fatalf("after park: %v", ids(n))
		}
		stats, _ := st.OutboxStats(ctx)
		if stats.Parked != 1 {
			t.Fatalf("parked = %d", stats.Parked)
		}
		if err := st.RequeueDelivery(ctx, ds[1].ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, st.RequeueDelivery(ctx, ds[1].ID), core.ECONFLICT)
		// An expired lease (crashed worker) lets another worker take over.
		clock.Advance(2 * time.Minute)
		n, _ = st.ClaimDeliveries(ctx, "w3", 10, time.Minute, core.PlatformSlack)
		if len(n) != 2 || n[0].ID != ds[1].ID || n[1].ID != ds[3].ID {
			t.Fatalf("after lease expiry: %v", ids(n))
		}
	})
}

func ids(ds []*core.Delivery) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// TestOutboxConcurrentClaimsNeverShareARow runs several claimers at once:
// every delivery must be claimed exactly once.
func TestOutboxConcurrentClaimsNeverShareARow(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		const total = 300
		var ds []*core.Delivery
		for i := 0; i < total; i++ {
			ds = append(ds, &core.Delivery{Stream: fmt.Sprintf("s%d", i%50), Kind: "post", Platform: core.PlatformSlack})
		}
		if err := st.Enqueue(ctx, ds...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				name := fmt.Sprintf("w%d", w)
				for idle := 0; idle < 20; {
					got, err := st.ClaimDeliveries(ctx, name, 7, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						idle++
						time.Sleep(5 * time.Millisecond)
						continue
					}
					idle = 0
					for _, d := range got {
						mu.Lock()
						seen[d.ID]++
						mu.Unlock()
						if ok, err := st.CompleteDelivery(ctx, nil, d.ID, name, "r"); !ok || err != nil {
							t.Errorf("complete %d: %v %v", d.ID, ok, err)
						}
					}
				}
			}(w)
		}
		wg.Wait()
		if len(seen) != total {
			t.Fatalf("claimed %d distinct deliveries, want %d", len(seen), total)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("delivery %d claimed %d times", id, n)
			}
		}
	})
}

// A deferred attempt (refused by the platform, or held back by pacing)
// does not count: the next claim sees the attempts of before, so a sender
// does not look for what the deferred attempt never posted.
func TestDeferredAttemptIsNotCounted(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		d := &core.Delivery{Stream: "ticket:1:slack", Kind: "post", Platform: core.PlatformSlack}
		if err := st.Enqueue(ctx, d); err != nil {
			t.Fatal(err)
		}
		claim := func() *core.Delivery {
			t.Helper()
			got, err := st.ClaimDeliveries(ctx, "w1", 1, time.Minute)
			if err != nil || len(got) != 1 {
				t.Fatalf("claim: %v %v", ids(got), err)
			}
			return got[0]
		}
		for range 3 {
			c := claim()
			if c.Attempts != 1 {
				t.Fatalf("attempts after deferrals = %d, want 1", c.Attempts)
			}
			if tried, err := st.MayHaveBeenTried(ctx, c); err != nil || tried {
				t.Fatalf("a first attempt after deferrals may have been tried = %v (%v)", tried, err)
			}
			if ok, err := st.DeferDelivery(ctx, c.ID, "w1", st.Now(), "429"); !ok || err != nil {
				t.Fatalf("defer: %v %v", ok, err)
			}
		}
		// A counted retry still counts.
		c := claim()
		if ok, _ := st.RetryDelivery(ctx, c.ID, "w1", st.Now(), "timeout"); !ok {
			t.Fatal("retry failed")
		}
		if c = claim(); c.Attempts != 2 {
			t.Fatalf("attempts after a counted retry = %d, want 2", c.Attempts)
		}
		if tried, _ := st.MayHaveBeenTried(ctx, c); !tried {
			t.Fatal("a retried delivery must look back")
		}
	})
}
