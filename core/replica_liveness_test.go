package core_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// ageBeat moves a worker's last heartbeat back by d, as if it had stopped
// beating that long ago.
func ageBeat(t *testing.T, st *core.Store, name string, d time.Duration) {
	t.Helper()
	var row core.OutboxWorker
	ctx := context.Background()
	if err := st.DB.NewSelect().Model(&row).Where("name = ?", name).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.NewUpdate().Model((*core.OutboxWorker)(nil)).Set("beat_at = ?", row.BeatAt.Add(-d)).Where("name = ?", name).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRescueDeadWorkers: the deliveries leased by a worker whose heartbeat
// stopped are released (their attempts still counted), its row deleted;
// a live worker keeps its leases, and so does a lease holder that never
// had a row (an older version: its lease runs out instead). The stopped
// worker learns at its next beat that it was declared dead.
func TestRescueDeadWorkers(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		dead, live := st.NewPulse("dead"), st.NewPulse("live")
		defer dead.Retire(ctx)
		defer live.Retire(ctx)
		for _, p := range []*core.Pulse{dead, live} {
			if inserted, err := p.Beat(ctx); err != nil || !inserted {
				t.Fatalf("first beat: inserted %v, %v", inserted, err)
			}
			if inserted, err := p.Beat(ctx); err != nil || inserted {
				t.Fatalf("second beat: inserted %v, %v", inserted, err)
			}
		}
		var ds []*core.Delivery
		for _, stream := range []string{"s1", "s2", "s3", "s4"} {
			ds = append(ds, &core.Delivery{Stream: stream, Kind: "discord.notice", Platform: core.PlatformDiscord})
		}
		if err := st.Enqueue(ctx, ds...); err != nil {
			t.Fatal(err)
		}
		claim := func(worker string, n int) []*core.Delivery {
			got, err := st.ClaimDeliveries(ctx, worker, n, time.Minute)
			if err != nil || len(got) != n {
				t.Fatalf("claim for %s: %d, %v", worker, len(got), err)
			}
			return got
		}
		byDead, byLive, byOld := claim("dead", 2), claim("live", 1), claim("old-version", 1)

		if r, err := st.RescueDeadWorkers(ctx, core.WorkerDeadAfter); err != nil || len(r.Workers) != 0 || r.Deliveries != 0 {
			t.Fatalf("rescue with every worker alive: %+v, %v", r, err)
		}
		ageBeat(t, st, "dead", 10*time.Second)
		if names, err := st.LiveWorkers(ctx, core.WorkerDeadAfter); err != nil || !slices.Equal(names, []string{"live"}) {
			t.Fatalf("live workers: %v, %v", names, err)
		}
		r, err := st.RescueDeadWorkers(ctx, core.WorkerDeadAfter)
		if err != nil || !slices.Equal(r.Workers, []string{"dead"}) || r.Deliveries != 2 {
			t.Fatalf("rescue: %+v, %v; want worker dead and 2 deliveries", r, err)
		}
		for _, d := range byDead {
			got, _ := st.Delivery(ctx, d.ID)
			if got.LockedBy != "" || got.LockedUntil != nil || got.Attempts != 1 || got.Status != core.DeliveryPending {
				t.Errorf("rescued delivery %+v: want unleased, pending, its attempt still counted", got)
			}
			if tried, err := st.MayHaveBeenTried(ctx, claimAgain(t, st, d.ID)); err != nil || !tried {
				t.Errorf("the next claim of a rescued delivery may not look back: %v %v", tried, err)
			}
		}
		for _, d := range append(byLive, byOld...) {
			if got, _ := st.Delivery(ctx, d.ID); got.LockedBy != d.LockedBy {
				t.Errorf("delivery %d lost its lease (%q, was %q)", d.ID, got.LockedBy, d.LockedBy)
			}
		}
		// Recording by the worker declared dead is refused.
		if held, err := st.CompleteDelivery(ctx, nil, byDead[0].ID, "dead", "remote"); err != nil || held {
			t.Errorf("a dead worker recorded a delivery it no longer held: %v %v", held, err)
		}
		if r, err := st.RescueDeadWorkers(ctx, core.WorkerDeadAfter); err != nil || len(r.Workers) != 0 {
			t.Fatalf("second rescue: %+v, %v", r, err)
		}
		if inserted, err := dead.Beat(ctx); err != nil || !inserted {
			t.Fatalf("beat after being declared dead: inserted %v, %v; want the row written anew", inserted, err)
		}
		if names, _ := st.LiveWorkers(ctx, core.WorkerDeadAfter); !slices.Equal(names, []string{"dead", "live"}) {
			t.Fatalf("after its return: %v", names)
		}
		if err := live.Retire(ctx); err != nil {
			t.Fatal(err)
		}
		if names, _ := st.LiveWorkers(ctx, core.WorkerDeadAfter); !slices.Equal(names, []string{"dead"}) {
			t.Fatalf("after a retirement: %v", names)
		}
	})
}

// claimAgain claims delivery id (its stream's head) for another worker.
func claimAgain(t *testing.T, st *core.Store, id int64) *core.Delivery {
	t.Helper()
	d, err := st.Delivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.ClaimStreamHead(context.Background(), "heir", d.Stream, time.Minute)
	if err != nil || got == nil || got.ID != id {
		t.Fatalf("claim again %d: %+v %v", id, got, err)
	}
	return got
}

// TestSessionLockStaleHolderLosesIt: a replica waiting for a session lock
// waits as long as its holder beats. A holder whose process stops (its
// connections frozen open, as under SIGSTOP) keeps PostgreSQL's lock, but
// the waiting replica ends the stale holder's session after LockDeadAfter
// and takes over; the first one, once it runs again, finds the lock lost
// and stops.
func TestSessionLockStaleHolderLosesIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := coretest.MustOpenPostgres(t)
	paused, proxy := coretest.OpenViaProxy(t, st.DSN())
	const key = 8_100_200_301

	holding := make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- paused.WithSessionLock(ctx, core.SessionLock{Key: key, Holder: "first"}, func(ctx context.Context) error {
			close(holding)
			<-ctx.Done()
			return nil
		})
	}()
	<-holding
	if h, err := st.SessionLockHolder(ctx, key); err != nil || h != "first" {
		t.Fatalf("holder: %q %v", h, err)
	}
	secondIn := make(chan struct{})
	secondCtx, stopSecond := context.WithCancel(ctx)
	secondDone := make(chan error, 1)
	ended := make(chan int, 10)
	go func() {
		secondDone <- st.WithSessionLock(secondCtx, core.SessionLock{Key: key, Holder: "second", Ended: func(pid int, err error) { ended <- pid }}, func(ctx context.Context) error {
			close(secondIn)
			<-ctx.Done()
			return nil
		})
	}()
	// While the holder runs and beats, the waiter waits, however long.
	select {
	case <-secondIn:
		t.Fatal("the waiting replica took the lock from a live holder")
	case <-time.After(2 * core.LockDeadAfter):
	}
	proxy.Freeze()
	select {
	case <-secondIn:
	case <-time.After(20 * time.Second):
		t.Fatal("the waiting replica never took the lock from the stopped one")
	}
	if len(ended) != 1 || <-ended == 0 {
		t.Errorf("the stale holder's session was not reported ended once (%d reports)", len(ended))
	}
	if h, err := st.SessionLockHolder(ctx, key); err != nil || h != "second" {
		t.Fatalf("holder after the takeover: %q %v", h, err)
	}
	proxy.Thaw()
	select {
	case err := <-firstDone:
		if !errors.Is(err, core.ErrLockLost) {
			t.Errorf("the stopped holder returned %v, want ErrLockLost", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the stopped holder did not notice it lost the lock")
	}
	stopSecond()
	if err := <-secondDone; err != nil {
		t.Errorf("second holder: %v", err)
	}
	if h, err := st.SessionLockHolder(ctx, key); err != nil || h != "" {
		t.Fatalf("holder once released: %q %v", h, err)
	}
}

// TestRemindersOfAKilledReplicaAreClaimedOnce: a replica claims due
// reminders and dies before its transaction commits; the claim is rolled
// back with its session and another replica claims the same reminders,
// once.
func TestRemindersOfAKilledReplicaAreClaimedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := coretest.MustOpenPostgres(t)
	doomed, proxy := coretest.OpenViaProxy(t, st.DSN())
	sam := coretest.MustUser(t, st, "sam", "staff")
	now := time.Now()
	for _, title := range []string{"A", "B", "C"} {
		if _, err := st.CreateTask(ctx, sam, core.TaskInput{Title: title, DueAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	at := now.Add(time.Hour + time.Minute)
	st.Now = func() time.Time { return at }
	doomed.Now = st.Now

	_, err := doomed.ClaimReminders(ctx, 10, func(ctx context.Context, tx bun.Tx, due []core.DueTask) error {
		if len(due) != 3 {
			t.Errorf("the doomed replica claimed %d reminders, want 3", len(due))
		}
		proxy.Cut() // killed before the commit
		return nil
	})
	if err == nil {
		t.Fatal("the killed replica's claim committed")
	}
	// The server ends the dead session (and rolls its claim back) as soon
	// as it sees the socket closed; until then its rows are skipped.
	var got []core.DueTask
	for deadline := time.Now().Add(10 * time.Second); len(got) < 3 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = append(got, claimAll(t, st)...)
	}
	if len(got) != 3 {
		t.Fatalf("the survivor claimed %d reminders, want the 3 the dead replica never sent", len(got))
	}
	if again := claimAll(t, st); len(again) != 0 {
		t.Fatalf("claimed again: %d", len(again))
	}
}

// TestRescueEndsADeadReplicasSessions: a replica paused in the middle of
// a transaction keeps its row locks; declaring it dead ends its database
// sessions (named after it, Store.Replica), so the transaction rolls back
// and its leases can be released.
func TestRescueEndsADeadReplicasSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := coretest.MustOpenPostgres(t)
	paused, proxy := coretest.OpenViaProxy(t, st.DSN())
	pulse := paused.NewPulse(paused.Replica())
	if _, err := pulse.Beat(ctx); err != nil {
		t.Fatal(err)
	}
	d := &core.Delivery{Stream: "s", Kind: "discord.notice", Platform: core.PlatformDiscord}
	if err := st.Enqueue(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, err := paused.ClaimDeliveries(ctx, paused.Replica(), 1, time.Minute); err != nil || len(got) != 1 {
		t.Fatalf("claim: %v %v", got, err)
	}
	// A transaction holding the delivery's row, then the pause.
	inTx := make(chan struct{})
	txDone := make(chan error, 1)
	go func() {
		txDone <- paused.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewUpdate().Model((*core.Delivery)(nil)).Set("last_error = 'mid-send'").Where("id = ?", d.ID).Exec(ctx); err != nil {
				return err
			}
			close(inTx)
			proxy.Freeze()
			_, err := tx.NewSelect().ColumnExpr("1").Exec(ctx) // hangs: paused
			return err
		})
	}()
	<-inTx
	ageBeat(t, st, paused.Replica(), 10*time.Second)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := st.RescueDeadWorkers(rctx, core.WorkerDeadAfter)
	if err != nil || r.Deliveries != 1 {
		t.Fatalf("rescue: %+v, %v; want the paused replica's delivery released", r, err)
	}
	got, _ := st.Delivery(ctx, d.ID)
	if got.LockedBy != "" || got.LastError != "" {
		t.Fatalf("after the rescue %+v: want it free, the paused transaction rolled back", got)
	}
	proxy.Thaw()
	if err := <-txDone; err == nil {
		t.Fatal("the paused replica's transaction committed after its session was ended")
	}
}
