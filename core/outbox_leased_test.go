package core_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// leaseAll is a lease func of EnqueueLeasedTx that leases every delivery.
func leaseAll(*core.Delivery) bool { return true }

// newDelivery returns a pending Slack post on stream with payload.
func newDelivery(stream, payload string) *core.Delivery {
	return &core.Delivery{Stream: stream, Kind: "post", Platform: core.PlatformSlack, Payload: payload}
}

// enqueueLeased runs EnqueueLeasedTx in a transaction of its own.
func enqueueLeased(t *testing.T, st *core.Store, worker string, until time.Time, lease func(*core.Delivery) bool, ds ...*core.Delivery) core.Queued {
	t.Helper()
	var q core.Queued
	err := st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		q, err = st.EnqueueLeasedTx(ctx, tx, worker, until, lease, ds...)
		return err
	})
	if err != nil {
		t.Fatalf("EnqueueLeasedTx: %v", err)
	}
	return q
}

// setLease writes a lease on a delivery directly, as a claim would.
func setLease(t *testing.T, st *core.Store, id int64, worker string, until time.Time) {
	t.Helper()
	_, err := st.DB.NewUpdate().Model((*core.Delivery)(nil)).
		Set("locked_by = ?", worker).Set("locked_until = ?", until.UTC()).Set("attempts = attempts + 1").
		Where("id = ?", id).Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
}

func mustDelivery(t *testing.T, st *core.Store, id int64) *core.Delivery {
	t.Helper()
	d, err := st.Delivery(context.Background(), id)
	if err != nil {
		t.Fatalf("delivery %d: %v", id, err)
	}
	return d
}

// wantUnleased fails unless delivery id is pending, unleased and never
// attempted.
func wantUnleased(t *testing.T, st *core.Store, id int64) {
	t.Helper()
	d := mustDelivery(t, st, id)
	if d.Status != core.DeliveryPending || d.LockedBy != "" || d.LockedUntil != nil || d.Attempts != 0 {
		t.Fatalf("delivery %d = status %s locked_by %q locked_until %v attempts %d, want pending and unleased",
			id, d.Status, d.LockedBy, d.LockedUntil, d.Attempts)
	}
}

func TestEnqueueLeasedLeasesOnlyHeadsOfIdleStreams(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		// Stream "busy" already has a pending delivery nobody holds.
		old := newDelivery("busy", `{"n":"old"}`)
		if err := st.Enqueue(ctx, old); err != nil {
			t.Fatal(err)
		}
		until := clock.Now().Add(time.Minute)
		a1, a2 := newDelivery("A", `{"n":"a1"}`), newDelivery("A", `{"n":"a2"}`)
		b1 := newDelivery("busy", `{"n":"b1"}`)
		c1 := newDelivery("C", `{"n":"c1"}`)
		q := enqueueLeased(t, st, "w1", until, leaseAll, a1, a2, b1, c1)

		if got := ids(q.Leased); !slices.Equal(got, []int64{a1.ID, c1.ID}) {
			t.Fatalf("Leased = %v, want [%d %d] (the first of each idle stream)", got, a1.ID, c1.ID)
		}
		// a2 waits behind a1, which w1 now holds; b1 behind an unleased row.
		if !slices.Equal(q.Behind, []string{"A"}) || q.Waiting != 1 {
			t.Fatalf("Behind = %v, Waiting = %d; want [A], 1", q.Behind, q.Waiting)
		}
		for _, d := range []*core.Delivery{a1, c1} {
			if d.LockedBy != "w1" || d.Attempts != 1 || d.LockedUntil == nil || !d.LockedUntil.Equal(until) {
				t.Fatalf("leased delivery in memory = %+v", d)
			}
			got := mustDelivery(t, st, d.ID)
			if got.Status != core.DeliveryPending || got.LockedBy != "w1" || got.Attempts != 1 ||
				got.LockedUntil == nil || !got.LockedUntil.Equal(until) {
				t.Fatalf("leased delivery %d stored as locked_by %q until %v attempts %d status %s",
					d.ID, got.LockedBy, got.LockedUntil, got.Attempts, got.Status)
			}
		}
		for _, d := range []*core.Delivery{a2, b1} {
			if d.LockedBy != "" || d.Attempts != 0 {
				t.Fatalf("delivery %d leased in memory: %+v", d.ID, d)
			}
			wantUnleased(t, st, d.ID)
		}
		// The leases are real: another worker's claim gets only the head
		// of "busy", neither the leased rows nor what waits behind them.
		got, err := st.ClaimDeliveries(ctx, "w2", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), []int64{old.ID}) {
			t.Fatalf("w2 claimed %v, want [%d]", ids(got), old.ID)
		}
	})
}

func TestEnqueueLeasedBehindOnlyOwnValidLease(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		now := clock.Now()
		cases := []struct {
			name string
			// head sets up the stream's pending head (id).
			head   func(id int64)
			behind bool
		}{
			{"held by this worker", func(id int64) { setLease(t, st, id, "w1", now.Add(time.Minute)) }, true},
			{"held by another worker", func(id int64) { setLease(t, st, id, "w2", now.Add(time.Minute)) }, false},
			{"this worker's lease expired", func(id int64) { setLease(t, st, id, "w1", now.Add(-time.Second)) }, false},
			{"unleased", func(id int64) {}, false},
			{"waiting for a retry", func(id int64) {
				setLease(t, st, id, "w1", now.Add(time.Minute))
				if ok, err := st.RetryDelivery(ctx, id, "w1", now.Add(time.Hour), "503"); !ok || err != nil {
					t.Fatalf("retry: %v %v", ok, err)
				}
			}, false},
		}
		for _, c := range cases {
			stream := "s:" + c.name
			head := newDelivery(stream, `{"n":"head"}`)
			if err := st.Enqueue(ctx, head); err != nil {
				t.Fatal(err)
			}
			c.head(head.ID)
			d := newDelivery(stream, `{"n":"next"}`)
			q := enqueueLeased(t, st, "w1", now.Add(time.Minute), leaseAll, d)
			if len(q.Leased) != 0 {
				t.Fatalf("%s: leased %v behind a pending head", c.name, ids(q.Leased))
			}
			if c.behind && (!slices.Equal(q.Behind, []string{stream}) || q.Waiting != 0) {
				t.Fatalf("%s: Behind = %v, Waiting = %d; want [%s], 0", c.name, q.Behind, q.Waiting, stream)
			}
			if !c.behind && (len(q.Behind) != 0 || q.Waiting != 1) {
				t.Fatalf("%s: Behind = %v, Waiting = %d; want [], 1", c.name, q.Behind, q.Waiting)
			}
			wantUnleased(t, st, d.ID)
		}
		// A head that is done or parked is no longer pending: the stream is
		// idle and its new delivery is leased.
		for _, end := range []string{core.DeliveryDone, core.DeliveryParked} {
			stream := "s:" + end
			head := newDelivery(stream, `{"n":"head"}`)
			if err := st.Enqueue(ctx, head); err != nil {
				t.Fatal(err)
			}
			setLease(t, st, head.ID, "w2", now.Add(time.Minute))
			var ok bool
			var err error
			if end == core.DeliveryDone {
				ok, err = st.CompleteDelivery(ctx, nil, head.ID, "w2", "r")
			} else {
				ok, err = st.ParkDelivery(ctx, head.ID, "w2", "gone")
			}
			if !ok || err != nil {
				t.Fatalf("finish head: %v %v", ok, err)
			}
			d := newDelivery(stream, `{"n":"next"}`)
			q := enqueueLeased(t, st, "w1", now.Add(time.Minute), leaseAll, d)
			if !slices.Equal(ids(q.Leased), []int64{d.ID}) || len(q.Behind) != 0 || q.Waiting != 0 {
				t.Fatalf("after a %s head: %+v, want only %d leased", end, q, d.ID)
			}
			if got := mustDelivery(t, st, d.ID); got.LockedBy != "w1" || got.Attempts != 1 {
				t.Fatalf("after a %s head: stored locked_by %q attempts %d", end, got.LockedBy, got.Attempts)
			}
		}
	})
}

func TestEnqueueLeasedLeaseFuncFalseWaits(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		until := time.Now().Add(time.Minute)
		slackOnly := func(d *core.Delivery) bool { return d.Platform == core.PlatformSlack }
		d := &core.Delivery{Stream: "discord:1", Kind: "post", Platform: core.PlatformDiscord}
		q := enqueueLeased(t, st, "w1", until, slackOnly, d)
		if len(q.Leased) != 0 || len(q.Behind) != 0 || q.Waiting != 1 {
			t.Fatalf("lease false on an idle stream: %+v, want Waiting 1 only", q)
		}
		if d.LockedBy != "" {
			t.Fatalf("delivery leased in memory: %+v", d)
		}
		wantUnleased(t, st, d.ID)
	})
}

// TestEnqueueLeasedNeverLeasesBehindUnleasedNewRow: a delivery the lease
// func refuses still heads its stream, so the next one of the same call
// must not be leased (it would leave before it).
func TestEnqueueLeasedNeverLeasesBehindUnleasedNewRow(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		slackOnly := func(d *core.Delivery) bool { return d.Platform == core.PlatformSlack }
		first := &core.Delivery{Stream: "mixed", Kind: "post", Platform: core.PlatformDiscord}
		second := &core.Delivery{Stream: "mixed", Kind: "post", Platform: core.PlatformSlack}
		q := enqueueLeased(t, st, "w1", time.Now().Add(time.Minute), slackOnly, first, second)
		if len(q.Leased) != 0 {
			t.Fatalf("leased %v although delivery %d heads the stream unleased", ids(q.Leased), first.ID)
		}
		wantUnleased(t, st, second.ID)
		// Either way, only the head may be claimed.
		got, err := st.ClaimDeliveries(ctx, "w2", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), []int64{first.ID}) {
			t.Fatalf("claimed %v, want [%d]", ids(got), first.ID)
		}
	})
}

func TestCompleteDeliveries(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		until := clock.Now().Add(time.Minute)
		x1, x2 := newDelivery("x", `{"n":"x1"}`), newDelivery("x", `{"n":"x2"}`)
		y1 := newDelivery("y", `{"n":"y1"}`)
		z1 := newDelivery("z", `{"n":"z1"}`)
		u1 := newDelivery("u", `{"n":"u1"}`)
		if err := st.Enqueue(ctx, x1, x2, y1, z1, u1); err != nil {
			t.Fatal(err)
		}
		setLease(t, st, x1.ID, "w1", until)
		setLease(t, st, y1.ID, "w1", until)
		setLease(t, st, z1.ID, "w2", until)
		clock.Advance(time.Second)
		if got, err := st.CompleteDeliveries(ctx, "w1", nil, nil); err != nil || len(got) != 0 {
			t.Fatalf("no IDs: %v %v", got, err)
		}
		got, err := st.CompleteDeliveries(ctx, "w1", []int64{x1.ID, y1.ID, z1.ID, u1.ID}, []string{"rx", "ry", "rz", "ru"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{x1.ID: true, y1.ID: false}
		if len(got) != len(want) || got[x1.ID] != true || got[y1.ID] != false {
			t.Fatalf("CompleteDeliveries = %v, want %v (z1 %d held by w2 and u1 %d unleased left out)", got, want, z1.ID, u1.ID)
		}
		if _, ok := got[y1.ID]; !ok {
			t.Fatalf("y1 %d missing from %v", y1.ID, got)
		}
		for id, remote := range map[int64]string{x1.ID: "rx", y1.ID: "ry"} {
			d := mustDelivery(t, st, id)
			if d.Status != core.DeliveryDone || d.RemoteID != remote || d.LockedBy != "" || d.LockedUntil != nil ||
				d.DoneAt == nil || !d.DoneAt.Equal(clock.Now()) {
				t.Fatalf("completed %d = status %s remote %q locked_by %q until %v done_at %v", id, d.Status, d.RemoteID, d.LockedBy, d.LockedUntil, d.DoneAt)
			}
		}
		if d := mustDelivery(t, st, z1.ID); d.Status != core.DeliveryPending || d.LockedBy != "w2" || d.RemoteID != "" || d.Attempts != 1 {
			t.Fatalf("another worker's delivery touched: %+v", d)
		}
		wantUnleased(t, st, u1.ID)
		wantUnleased(t, st, x2.ID)
		// x2 now heads its stream.
		next, err := st.ClaimDeliveries(ctx, "w1", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(next), []int64{x2.ID, u1.ID}) {
			t.Fatalf("claimed %v after completion, want [%d %d]", ids(next), x2.ID, u1.ID)
		}
	})
}

func TestCompleteDeliveryTx(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		until := time.Now().Add(time.Minute)
		a1, a2 := newDelivery("a", `{"n":"a1"}`), newDelivery("a", `{"n":"a2"}`)
		b1 := newDelivery("b", `{"n":"b1"}`)
		if err := st.Enqueue(ctx, a1, a2, b1); err != nil {
			t.Fatal(err)
		}
		setLease(t, st, a1.ID, "w1", until)
		setLease(t, st, b1.ID, "w2", until)
		complete := func(id int64, worker, remote string) (held, more bool) {
			t.Helper()
			err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				var err error
				held, more, err = st.CompleteDeliveryTx(ctx, tx, id, worker, remote)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return held, more
		}
		if held, more := complete(b1.ID, "w1", "rb"); held || more {
			t.Fatalf("w1 completed w2's delivery: held %v more %v", held, more)
		}
		if d := mustDelivery(t, st, b1.ID); d.Status != core.DeliveryPending || d.LockedBy != "w2" || d.RemoteID != "" {
			t.Fatalf("lost lease but row changed: %+v", d)
		}
		if held, more := complete(a1.ID, "w1", "ra1"); !held || !more {
			t.Fatalf("a1: held %v more %v, want true true", held, more)
		}
		if d := mustDelivery(t, st, a1.ID); d.Status != core.DeliveryDone || d.RemoteID != "ra1" || d.LockedBy != "" {
			t.Fatalf("a1 after completion: %+v", d)
		}
		setLease(t, st, a2.ID, "w1", until)
		if held, more := complete(a2.ID, "w1", "ra2"); !held || more {
			t.Fatalf("a2 (last of its stream): held %v more %v, want true false", held, more)
		}
		if held, _ := complete(a2.ID, "w1", "again"); held {
			t.Fatal("completed a done delivery twice")
		}
		if d := mustDelivery(t, st, a2.ID); d.RemoteID != "ra2" {
			t.Fatalf("second completion overwrote remote ID: %q", d.RemoteID)
		}
	})
}

func TestReleaseDeliveriesMakesThemClaimableAtOnce(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		until := clock.Now().Add(time.Minute)
		a := newDelivery("a", `{"n":"a"}`)
		b := newDelivery("b", `{"n":"b"}`)
		c := newDelivery("c", `{"n":"c"}`)
		q := enqueueLeased(t, st, "w1", until, leaseAll, a, c)
		if len(q.Leased) != 2 {
			t.Fatalf("leased %v", ids(q.Leased))
		}
		if err := st.Enqueue(ctx, b); err != nil {
			t.Fatal(err)
		}
		setLease(t, st, b.ID, "w2", until)
		if ok, err := st.CompleteDelivery(ctx, nil, c.ID, "w1", "rc"); !ok || err != nil {
			t.Fatalf("complete c: %v %v", ok, err)
		}
		if got, _ := st.ClaimDeliveries(ctx, "w3", 10, time.Minute); len(got) != 0 {
			t.Fatalf("claimed %v while every row is leased", ids(got))
		}
		if err := st.ReleaseDeliveries(ctx, "w1"); err != nil {
			t.Fatalf("release nothing: %v", err)
		}
		// b is w2's and c is done: only a is given back.
		if err := st.ReleaseDeliveries(ctx, "w1", a.ID, b.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		wantUnleased(t, st, a.ID)
		if d := mustDelivery(t, st, b.ID); d.LockedBy != "w2" || d.LockedUntil == nil || d.Attempts != 1 {
			t.Fatalf("another worker's lease released: %+v", d)
		}
		if d := mustDelivery(t, st, c.ID); d.Status != core.DeliveryDone || d.Attempts != 1 {
			t.Fatalf("done delivery changed by release: %+v", d)
		}
		// Claimable at once, with the clock where it was.
		got, err := st.ClaimDeliveries(ctx, "w3", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != a.ID || got[0].Attempts != 1 || got[0].LockedBy != "w3" {
			t.Fatalf("after release, claimed %+v, want a (%d) at attempt 1", got, a.ID)
		}
	})
}

// TestClaimStreamHead: a worker that finished a stream's delivery takes
// the stream's next one, only when it is the head, due and held by nobody.
func TestClaimStreamHead(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		a, b, c := newDelivery("s", `{"n":"a"}`), newDelivery("s", `{"n":"b"}`), newDelivery("s", `{"n":"c"}`)
		q := enqueueLeased(t, st, "w1", clock.Now().Add(time.Minute), leaseAll, a, b, c)
		if len(q.Leased) != 1 || q.Leased[0].ID != a.ID {
			t.Fatalf("leased %v, want a", ids(q.Leased))
		}
		// a is still pending (in flight): b is not the head yet.
		if got, err := st.ClaimStreamHead(ctx, "w1", "s", time.Minute); err != nil || got != nil {
			t.Fatalf("head claimed while a is in flight: %+v %v", got, err)
		}
		if held, more, err := st.CompleteDeliveryTx(ctx, st.DB, a.ID, "w1", "ra"); !held || !more || err != nil {
			t.Fatalf("complete a: held %v more %v err %v", held, more, err)
		}
		got, err := st.ClaimStreamHead(ctx, "w1", "s", time.Minute)
		if err != nil || got == nil || got.ID != b.ID || got.LockedBy != "w1" || got.Attempts != 1 || got.Payload != `{"n":"b"}` {
			t.Fatalf("after a: claimed %+v %v, want b leased to w1 at attempt 1", got, err)
		}
		// b is held now: nobody takes it again, nor c behind it.
		if got, err := st.ClaimStreamHead(ctx, "w2", "s", time.Minute); err != nil || got != nil {
			t.Fatalf("held head claimed again: %+v %v", got, err)
		}
		// b waits for a retry: not due, so not taken.
		if ok, err := st.RetryDelivery(ctx, b.ID, "w1", clock.Now().Add(time.Hour), "later"); !ok || err != nil {
			t.Fatalf("retry b: %v %v", ok, err)
		}
		if got, err := st.ClaimStreamHead(ctx, "w2", "s", time.Minute); err != nil || got != nil {
			t.Fatalf("head waiting for its retry claimed: %+v %v", got, err)
		}
		clock.Advance(2 * time.Hour)
		if got, err := st.ClaimStreamHead(ctx, "w2", "s", time.Minute); err != nil || got == nil || got.ID != b.ID {
			t.Fatalf("due head: %+v %v, want b", got, err)
		}
		wantUnleased(t, st, c.ID)
		if got, err := st.ClaimStreamHead(ctx, "w2", "other", time.Minute); err != nil || got != nil {
			t.Fatalf("empty stream: %+v %v", got, err)
		}
	})
}

// TestClaimStreamHeads: one call takes the head of each stream that has a
// due, free one, and nothing else.
func TestClaimStreamHeads(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		a1, a2 := newDelivery("a", `{"n":"a1"}`), newDelivery("a", `{"n":"a2"}`)
		b1 := newDelivery("b", `{"n":"b1"}`)
		c1 := newDelivery("c", `{"n":"c1"}`)
		if err := st.Enqueue(ctx, a1, a2, b1, c1); err != nil {
			t.Fatal(err)
		}
		setLease(t, st, b1.ID, "w2", clock.Now().Add(time.Minute)) // b's head is another worker's
		got, err := st.ClaimStreamHeads(ctx, "w1", []string{"a", "b", "c", "empty"}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(x, y *core.Delivery) int { return int(x.ID - y.ID) })
		if len(got) != 2 || got[0].ID != a1.ID || got[1].ID != c1.ID {
			t.Fatalf("claimed %v, want the heads of a and c (%d, %d)", ids(got), a1.ID, c1.ID)
		}
		for _, d := range got {
			if d.LockedBy != "w1" || d.Attempts != 1 || d.Payload == "" {
				t.Fatalf("claimed %+v, want it leased to w1 at attempt 1 with its payload", d)
			}
		}
		wantUnleased(t, st, a2.ID)
		if d := mustDelivery(t, st, b1.ID); d.LockedBy != "w2" {
			t.Fatalf("another worker's head taken: %+v", d)
		}
		// Taken heads are held now: a second call takes nothing.
		if again, err := st.ClaimStreamHeads(ctx, "w3", []string{"a", "c"}, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("held heads claimed again: %v %v", ids(again), err)
		}
	})
}
