package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// The tests below show that a delivery queued behind one the worker holds
// is taken by its stream's head, not by a claim over the whole outbox. No
// claim can run in them: Poll is an hour, nothing listens for NOTIFY, and
// every slot but one is busy. With 8 slots the worker claims only once a
// quarter of them (2) is free (Run), so a kick could not get the delivery
// sent either: only the head taken by the worker itself fills the one
// free slot.

// headSlots is the worker's Concurrency in these tests.
const headSlots = 8

// headWorker is handOffWorker with headSlots slots.
func headWorker(st *core.Store, s outbox.Sender) *outbox.Worker {
	w := handOffWorker(st, s)
	w.Concurrency = headSlots
	return w
}

// fillSlots starts n gated deliveries, each on a stream of its own, and
// waits until all of them are in flight. They are released when the test
// ends.
func fillSlots(t *testing.T, st *core.Store, w *outbox.Worker, s *gateSender, n int) []*core.Delivery {
	t.Helper()
	var ds []*core.Delivery
	for i := 0; i < n; i++ {
		d := notice(fmt.Sprintf("busy:%d", i), fmt.Sprintf("busy %d", i))
		s.gate(t, d.Payload)
		if leased := enqueueIn(t, st, w, d); leased[0] != w.Name {
			t.Fatalf("head of an idle stream leased to %q", leased[0])
		}
		s.waitStarted(t, d.ID)
		ds = append(ds, d)
	}
	return ds
}

// wantSentWhileBusy waits until d is sent and checks that none of the
// deliveries filling the other slots was (no slot was freed for a claim).
func wantSentWhileBusy(t *testing.T, st *core.Store, s *gateSender, d *core.Delivery, busy []*core.Delivery) {
	t.Helper()
	waitFor(t, 10*time.Second, fmt.Sprintf("delivery %d sent", d.ID), func() bool { return slices.Contains(s.sentIDs(), d.ID) })
	for _, b := range busy {
		if slices.Contains(s.sentIDs(), b.ID) {
			t.Fatalf("delivery %d holding a slot was sent: the slots were not all busy", b.ID)
		}
	}
	wantDone(t, st, d)
}

// TestWorkerTakesHeadQueuedWhileInFlight: the delivery queued behind one
// in flight commits before that one's completion, which finds it and
// takes it (handle's "more", or the batch recorder's ClaimStreamHeads).
func TestWorkerTakesHeadQueuedWhileInFlight(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
				const stream = "ticket:11:discord"
				s := newGateSender()
				w := headWorker(st, s)
				if !batch {
					w.Register(noticeHooked(nil))
				}
				startWorker(t, st, w, s)
				busy := fillSlots(t, st, w, s, headSlots-1)

				d1 := notice(stream, "1")
				release := sendHeld(t, st, w, s, d1)
				d2 := notice(stream, "2")
				if leased := enqueueIn(t, st, w, d2); leased[0] != "" {
					t.Fatalf("delivery %d leased to %q behind %d in flight", d2.ID, leased[0], d1.ID)
				}
				release()
				wantDone(t, st, d1)
				wantSentWhileBusy(t, st, s, d2, busy)
			})
		})
	}
}

// TestWorkerTakesHeadQueuedWhileHeadRecorded: the transaction queuing
// behind the delivery in flight commits while that delivery's outcome is
// being recorded (in OnDone), so the completion cannot see the new row;
// the worker, told of it by the commit (Worker.InTx), takes the stream's
// head as soon as it is done with the first delivery (Run's start).
// PostgreSQL only: SQLite's one connection cannot commit one transaction
// while the recording one is open.
func TestWorkerTakesHeadQueuedWhileHeadRecorded(t *testing.T) {
	st := coretest.MustOpenPostgres(t)
	const stream = "ticket:12:discord"
	s := newGateSender()
	w := headWorker(st, s)
	d1, d2 := notice(stream, "1"), notice(stream, "2")
	commitCh, committed := make(chan struct{}), make(chan struct{})
	commit := closer(t, commitCh)
	hookErr := make(chan error, 1)
	w.Register(noticeHooked(func(ctx context.Context, tx *outbox.Tx, d *core.Delivery, detail string) error {
		if d.ID != d1.ID {
			return nil
		}
		// d1 is done in this uncommitted transaction: let the other one
		// commit now, and finish recording only after it has.
		commit()
		select {
		case <-committed:
		case <-time.After(10 * time.Second):
			hookErr <- fmt.Errorf("the queuing transaction did not commit")
		}
		return nil
	}))
	startWorker(t, st, w, s)
	busy := fillSlots(t, st, w, s, headSlots-1)

	release := sendHeld(t, st, w, s, d1)
	txErr := queueBehind(t, st, w, d2, d1, commitCh, committed)
	release()
	if err := <-txErr; err != nil {
		t.Fatal(err)
	}
	wantDone(t, st, d1)
	wantSentWhileBusy(t, st, s, d2, busy)
	select {
	case err := <-hookErr:
		t.Fatal(err)
	default:
	}
}

// TestWorkerTakesHeadQueuedBehindFinishedDelivery: the transaction queues
// behind the delivery in flight but commits only after the worker is done
// with it (it no longer holds the stream), so nothing the worker does on
// finishing it can take the new row: the commit itself (Worker.InTx) takes
// the stream's head. PostgreSQL only, as above.
//
// That the worker is done with the first delivery is seen through a probe
// handed off while every slot is busy: it can start only in the slot the
// first delivery frees, after the worker has finished with it.
func TestWorkerTakesHeadQueuedBehindFinishedDelivery(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			st := coretest.MustOpenPostgres(t)
			const stream = "ticket:13:discord"
			s := newGateSender()
			w := headWorker(st, s)
			if !batch {
				w.Register(noticeHooked(nil))
			}
			startWorker(t, st, w, s)
			busy := fillSlots(t, st, w, s, headSlots-1)

			d1 := notice(stream, "1")
			release := sendHeld(t, st, w, s, d1)

			d2 := notice(stream, "2")
			commitCh := make(chan struct{})
			commit := closer(t, commitCh)
			txErr := queueBehind(t, st, w, d2, d1, commitCh, nil)

			probe := notice("probe", "probe")
			if leased := enqueueIn(t, st, w, probe); leased[0] != w.Name {
				t.Fatalf("probe leased to %q, want a hand-off", leased[0])
			}
			if slices.Contains(s.sentIDs(), probe.ID) {
				t.Fatal("probe sent while every slot was busy")
			}
			release()
			waitFor(t, 10*time.Second, "the probe sent in the freed slot", func() bool { return slices.Contains(s.sentIDs(), probe.ID) })
			wantDone(t, st, d1, probe)

			commit()
			if err := <-txErr; err != nil {
				t.Fatal(err)
			}
			wantSentWhileBusy(t, st, s, d2, busy)
		})
	}
}
