package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
	"github.com/jayaya/jayayacrm/core/outbox/outboxtest"
)

// enqueueStreams queues perStream notices on each of n streams (tickets
// that do not need to exist: deliveries only need a stream) and returns
// the IDs per stream, in order.
func enqueueStreams(t *testing.T, st *core.Store, n, perStream int) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	var all []*core.Delivery
	for i := 0; i < perStream; i++ {
		for s := 0; s < n; s++ {
			stream := fmt.Sprintf("test:%d", s)
			all = append(all, &core.Delivery{Stream: stream, Kind: "discord.notice", Platform: core.PlatformDiscord, Payload: fmt.Sprintf(`{"text":"%d"}`, i)})
		}
	}
	if err := st.Enqueue(context.Background(), all...); err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		out[d.Stream] = append(out[d.Stream], d.ID)
	}
	return out
}

// checkOnceInOrder asserts that every delivery was sent exactly once and
// each stream's in order.
func checkOnceInOrder(t *testing.T, want map[string][]int64, sends []sent) {
	t.Helper()
	seen := map[int64]int{}
	got := map[string][]int64{}
	for _, s := range sends {
		seen[s.ID]++
		got[s.Stream] = append(got[s.Stream], s.ID)
	}
	total := 0
	for stream, ids := range want {
		total += len(ids)
		if !slices.Equal(got[stream], ids) {
			t.Fatalf("stream %s sent %v, want %v", stream, got[stream], ids)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("delivery %d sent %d times", id, n)
		}
	}
	if len(sends) != total {
		t.Fatalf("%d sends, want %d", len(sends), total)
	}
}

var runWorker = outboxtest.RunWorker

func TestWorkerHonoursRetryAfterAndKeepsOrder(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		want := enqueueStreams(t, st, 4, 10)
		s := &recSender{Name: core.PlatformDiscord}
		var (
			mu       sync.Mutex
			limited  = map[int64]time.Time{}
			tooEarly []int64
		)
		s.Fail = func(d *core.Delivery, call int) error {
			mu.Lock()
			defer mu.Unlock()
			if at, ok := limited[d.ID]; ok {
				if time.Now().Before(at) {
					tooEarly = append(tooEarly, d.ID)
				}
				return nil
			}
			if d.ID%3 == 0 { // a 429 storm on a third of the rows
				limited[d.ID] = time.Now().Add(40 * time.Millisecond)
				return outbox.RetryAfter(40*time.Millisecond, errors.New("429"))
			}
			return nil
		}
		w := outbox.NewWorker(st, quietLog(), s)
		w.NoListen = true
		runWorker(t, w)
		waitIdle(t, st)
		checkOnceInOrder(t, want, s.Sent())
		if len(tooEarly) > 0 {
			t.Fatalf("retried before retry_after: %v", tooEarly)
		}
	})
}

func TestWorkerRetriesTransientWithBackoff(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		want := enqueueStreams(t, st, 2, 3)
		s := &recSender{Name: core.PlatformDiscord}
		s.Fail = func(d *core.Delivery, call int) error {
			if call <= 4 {
				return errors.New("503 outage")
			}
			return nil
		}
		w := outbox.NewWorker(st, quietLog(), s)
		w.NoListen = true
		var attempts []int
		var mu sync.Mutex
		w.Backoff = func(attempt int) time.Duration {
			mu.Lock()
			attempts = append(attempts, attempt)
			mu.Unlock()
			return 10 * time.Millisecond
		}
		runWorker(t, w)
		waitIdle(t, st)
		checkOnceInOrder(t, want, s.Sent())
		mu.Lock()
		defer mu.Unlock()
		if len(attempts) != 4 {
			t.Fatalf("backoff asked %d times (%v), want 4", len(attempts), attempts)
		}
	})
}

func TestDefaultBackoffGrowsWithJitter(t *testing.T) {
	for attempt, base := range map[int]time.Duration{1: 250 * time.Millisecond, 3: time.Second, 30: 5 * time.Minute} {
		for i := 0; i < 50; i++ {
			d := outbox.DefaultBackoff(attempt)
			if d < base/2 || d > base {
				t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, base/2, base)
			}
		}
	}
}

func TestWorkerTakesOverAfterCrash(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		want := enqueueStreams(t, st, 3, 4)
		// A worker that claimed the heads of every stream and died.
		dead, err := st.ClaimDeliveries(ctx, "dead-worker", 10, 300*time.Millisecond)
		if err != nil || len(dead) != 3 {
			t.Fatalf("dead claim: %d %v", len(dead), err)
		}
		s := &recSender{Name: core.PlatformDiscord}
		w := outbox.NewWorker(st, quietLog(), s)
		w.NoListen = true
		w.Poll = 50 * time.Millisecond
		runWorker(t, w)
		waitIdle(t, st)
		checkOnceInOrder(t, want, s.Sent())
		for _, d := range dead {
			got, _ := st.Delivery(ctx, d.ID)
			if got.Status != core.DeliveryDone || got.Attempts != 2 {
				t.Fatalf("taken-over row %+v", got)
			}
		}
	})
}

func TestWorkerStopDrainsInFlightSends(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		want := enqueueStreams(t, st, 2, 1)
		s := &recSender{Name: core.PlatformDiscord, Block: make(chan struct{})}
		w := outbox.NewWorker(st, quietLog(), s)
		w.NoListen = true
		stop := runWorker(t, w)
		waitFor(t, 10*time.Second, "both rows claimed", func() bool {
			n, _ := st.DB.NewSelect().Model((*core.Delivery)(nil)).Where("locked_by = ?", w.Name).Count(ctx)
			return n == 2
		})
		stopped := make(chan struct{})
		go func() { stop(); close(stopped) }()
		select {
		case <-stopped:
			t.Fatal("worker returned with sends in flight")
		case <-time.After(50 * time.Millisecond):
		}
		close(s.Block)
		<-stopped
		stats, _ := st.OutboxStats(ctx)
		if stats.Pending != 0 {
			t.Fatalf("%d deliveries still pending after a drained stop", stats.Pending)
		}
		checkOnceInOrder(t, want, s.Sent())
	})
}

// TestWorkersOnOnePostgresNeverSendTwice runs three workers (replicas),
// each with its own connection pool, against one PostgreSQL database.
func TestWorkersOnOnePostgresNeverSendTwice(t *testing.T) {
	st := coretest.MustOpenPostgres(t)
	want := enqueueStreams(t, st, 20, 25)
	var senders []*recSender
	var stops []func()
	for i := 0; i < 3; i++ {
		replica, err := core.Open(context.Background(), st.DSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { replica.Close() })
		s := &recSender{Name: core.PlatformDiscord, Worker: fmt.Sprint("w", i)}
		s.Fail = func(d *core.Delivery, call int) error {
			time.Sleep(time.Millisecond) // a send takes a while: the others contend meanwhile
			return nil
		}
		w := outbox.NewWorker(replica, quietLog(), s)
		w.Name = fmt.Sprint("w", i)
		w.Concurrency = 8
		w.NoListen = true
		senders = append(senders, s)
		stops = append(stops, runWorker(t, w))
	}
	waitIdle(t, st)
	for _, stop := range stops {
		stop()
	}
	var all []sent
	busy := 0
	for _, s := range senders {
		all = append(all, s.Sent()...)
		if len(s.Sent()) > 0 {
			busy++
		}
		t.Logf("worker %s sent %d", s.Worker, len(s.Sent()))
	}
	slices.SortFunc(all, func(a, b sent) int { return int(a.ID - b.ID) })
	checkOnceInOrder(t, want, all)
	if busy < 2 {
		t.Fatalf("only %d worker(s) sent anything: no contention was tested", busy)
	}
}

func TestListenWakesOnNotifyFromAnotherConnection(t *testing.T) {
	st := coretest.MustOpenPostgres(t)
	other, err := core.Open(context.Background(), st.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kicks := make(chan struct{}, 100)
	var woken atomic.Int64
	ready := make(chan struct{}, 1)
	go outbox.Listen(ctx, other, quietLog(), func() { woken.Add(1); kicks <- struct{}{} }, func() { ready <- struct{}{} })
	<-ready
	// An announcement wakes the other process's listener; a burst of
	// them is coalesced rather than queued one NOTIFY each.
	outbox.Announce(st)
	select {
	case <-kicks:
	case <-time.After(10 * time.Second):
		t.Fatal("no wake-up from NOTIFY")
	}
	for i := 0; i < 50; i++ {
		outbox.Announce(st)
	}
	select {
	case <-kicks:
	case <-time.After(10 * time.Second):
		t.Fatal("no wake-up after a burst of announcements")
	}
	time.Sleep(200 * time.Millisecond)
	if n := woken.Load(); n > 10 {
		t.Fatalf("%d wake-ups for a burst of 50: not coalesced", n)
	}
}
