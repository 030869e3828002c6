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
)

// gateSender is a Discord Sender that records each delivery it sends and
// holds those whose payload has a gate until the gate is closed; started
// receives each delivery's ID as its Deliver begins.
type gateSender struct {
	started chan int64

	mu    sync.Mutex
	gates map[string]chan struct{}
	sent  []sent
}

func newGateSender() *gateSender {
	return &gateSender{started: make(chan int64, 100), gates: map[string]chan struct{}{}}
}

func (s *gateSender) Platform() string { return core.PlatformDiscord }

// gate makes deliveries with payload wait until release is called (at
// the latest when the test ends, before the worker is stopped).
func (s *gateSender) gate(t *testing.T, payload string) (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := make(chan struct{})
	s.gates[payload] = g
	return closer(t, g)
}

// closer returns a func closing ch once, also called when the test ends.
// sendHeld hands d off to w and returns once w is sending it, held in
// s's gate until release is called.
func sendHeld(t *testing.T, st *core.Store, w *outbox.Worker, s *gateSender, d *core.Delivery) (release func()) {
	t.Helper()
	release = s.gate(t, d.Payload)
	enqueueIn(t, st, w, d)
	s.waitStarted(t, d.ID)
	return release
}

// queueBehind queues d, in a Worker.InTx run in the background, behind
// held (in flight), and returns once d is queued and seen not leased, the
// transaction still open: it commits once commitCh is closed, the channel
// returned gives its result, and committed (unless nil) is closed when it
// has ended.
func queueBehind(t *testing.T, st *core.Store, w *outbox.Worker, d, held *core.Delivery, commitCh <-chan struct{}, committed chan struct{}) <-chan error {
	t.Helper()
	queued := make(chan struct{})
	txErr := make(chan error, 1)
	go func() {
		if committed != nil {
			defer close(committed)
		}
		txErr <- w.InTx(context.Background(), func(ctx context.Context, tx *outbox.Tx) error {
			if err := tx.Enqueue(ctx, d); err != nil {
				return err
			}
			close(queued)
			<-commitCh
			return nil
		})
	}()
	select {
	case <-queued:
	case err := <-txErr:
		t.Fatalf("transaction ended early: %v", err)
	}
	if d.LockedBy != "" {
		t.Fatalf("delivery %d leased behind %d in flight", d.ID, held.ID)
	}
	return txErr
}

func closer(t *testing.T, ch chan struct{}) func() {
	var once sync.Once
	f := func() { once.Do(func() { close(ch) }) }
	t.Cleanup(f)
	return f
}

func (s *gateSender) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	s.started <- d.ID
	s.mu.Lock()
	g := s.gates[d.Payload]
	s.mu.Unlock()
	if g != nil {
		<-g
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	remote := fmt.Sprintf("discord-%d", d.ID)
	s.sent = append(s.sent, sent{ID: d.ID, Kind: d.Kind, Stream: d.Stream, Payload: d.Payload, RemoteID: remote})
	return remote, nil
}

func (s *gateSender) sentAll() []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sent(nil), s.sent...)
}

func (s *gateSender) sentIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for _, x := range s.sent {
		out = append(out, x.ID)
	}
	return out
}

// waitStarted waits until the sender begins delivering id.
func (s *gateSender) waitStarted(t *testing.T, id int64) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-s.started:
			if got == id {
				return
			}
		case <-timeout:
			t.Fatalf("delivery %d never started", id)
		}
	}
}

func notice(stream, text string) *core.Delivery {
	return &core.Delivery{Stream: stream, Kind: "discord.notice", Platform: core.PlatformDiscord, Payload: fmt.Sprintf(`{"text":%q}`, text)}
}

// noticeHooked declares the kind of the test notices with onDone (one
// that does nothing when nil), so that their completions are recorded in
// transactions that run it.
func noticeHooked(onDone outbox.DeliveryHook) outbox.Kind {
	if onDone == nil {
		onDone = func(ctx context.Context, tx *outbox.Tx, d *core.Delivery, detail string) error { return nil }
	}
	return outbox.Kind{Name: "discord.notice", Platform: core.PlatformDiscord, OnDone: onDone}
}

// handOffWorker returns a worker that only wakes when told to: Poll is an
// hour, so whatever it sends promptly it was handed or kicked to send.
func handOffWorker(st *core.Store, s outbox.Sender) *outbox.Worker {
	w := outbox.NewWorker(st, quietLog(), s)
	w.NoListen = true
	w.Poll = time.Hour
	w.Lease = time.Minute
	return w
}

// startWorker runs w and waits until it sent a first delivery (its claim at
// start), so that it is running and idle.
func startWorker(t *testing.T, st *core.Store, w *outbox.Worker, s *gateSender) (stop func()) {
	t.Helper()
	warm := notice("warm-up", "warm-up")
	if err := st.Enqueue(context.Background(), warm); err != nil {
		t.Fatal(err)
	}
	stop = runWorker(t, w)
	waitFor(t, 10*time.Second, "the warm-up delivery", func() bool { return slices.Contains(s.sentIDs(), warm.ID) })
	waitFor(t, 10*time.Second, "the warm-up delivery recorded", func() bool {
		d, err := st.Delivery(context.Background(), warm.ID)
		return err == nil && d.Status == core.DeliveryDone
	})
	return stop
}

// enqueueIn queues ds with tx.Enqueue in a transaction of w.InTx and
// returns the worker each was leased to in that transaction ("" for none).
func enqueueIn(t *testing.T, st *core.Store, w *outbox.Worker, ds ...*core.Delivery) []string {
	t.Helper()
	var leased []string
	err := w.InTx(context.Background(), func(ctx context.Context, tx *outbox.Tx) error {
		leased = nil
		if err := tx.Enqueue(ctx, ds...); err != nil {
			return err
		}
		for _, d := range ds {
			var row core.Delivery
			if err := tx.Bun().NewSelect().Model(&row).Where("id = ?", d.ID).Scan(ctx); err != nil {
				return err
			}
			leased = append(leased, row.LockedBy)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return leased
}

func deliveryIDs(ds ...*core.Delivery) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// wantDone waits until every delivery is recorded done with the remote ID
// the sender gave it, after one attempt.
func wantDone(t *testing.T, st *core.Store, ds ...*core.Delivery) {
	t.Helper()
	for _, d := range ds {
		var got *core.Delivery
		waitFor(t, 10*time.Second, fmt.Sprintf("delivery %d done", d.ID), func() bool {
			var err error
			got, err = st.Delivery(context.Background(), d.ID)
			return err == nil && got.Status == core.DeliveryDone
		})
		if got.RemoteID != fmt.Sprintf("discord-%d", d.ID) || got.LockedBy != "" || got.Attempts != 1 {
			t.Fatalf("delivery %d recorded remote %q locked_by %q attempts %d", d.ID, got.RemoteID, got.LockedBy, got.Attempts)
		}
	}
}

func TestWorkerSendsHandedOffDeliveryWithoutClaim(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		s := newGateSender()
		w := handOffWorker(st, s)
		startWorker(t, st, w, s)

		// A rolled-back transaction hands nothing off.
		gone := notice("h:1", "rolled back")
		err := w.InTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
			if err := tx.Enqueue(ctx, gone); err != nil {
				return err
			}
			return errors.New("changed my mind")
		})
		if err == nil {
			t.Fatal("InTx hid fn's error")
		}

		d := notice("h:1", "hello")
		if leased := enqueueIn(t, st, w, d); leased[0] != w.Name {
			t.Fatalf("delivery leased to %q in its transaction, want the worker %q", leased[0], w.Name)
		}
		// Leased for a minute, it cannot be claimed meanwhile: sent
		// promptly, it was sent by the hand-off.
		waitFor(t, 10*time.Second, "the handed-off delivery sent", func() bool { return slices.Contains(s.sentIDs(), d.ID) })
		wantDone(t, st, d)
		time.Sleep(100 * time.Millisecond)
		// (By payload: SQLite may give a rolled-back row's ID again.)
		for _, x := range s.sentAll() {
			if x.Payload == gone.Payload {
				t.Fatalf("a delivery of a rolled-back transaction was sent: %+v", x)
			}
		}
		if got := s.sentIDs(); len(got) != 2 {
			t.Fatalf("sent %v, want the warm-up and %d", got, d.ID)
		}
	})
}

func TestWorkerNotRunningLeasesNothing(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		w := handOffWorker(st, newGateSender())
		d := notice("n:1", "later")
		if leased := enqueueIn(t, st, w, d); leased[0] != "" {
			t.Fatalf("a worker that is not running leased %d (to %q)", d.ID, leased[0])
		}
		got, err := st.ClaimDeliveries(context.Background(), "other", 10, time.Minute)
		if err != nil || len(got) != 1 || got[0].ID != d.ID {
			t.Fatalf("claim by another worker: %v %v, want [%d]", deliveryIDs(got...), err, d.ID)
		}
	})
}

// TestWorkerSendsDeliveriesQueuedBehindInFlightOne queues deliveries of
// one stream in separate transactions while the first is in flight: all
// are sent, in order, without a poll or a kick from the test, and
// recorded done (with an OnDone hook for their kind, in the recorder's
// transactions, or without one, many per statement).
func TestWorkerSendsDeliveriesQueuedBehindInFlightOne(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
				const stream = "ticket:1:discord"
				s := newGateSender()
				w := handOffWorker(st, s)
				var hooked atomic.Int64
				if !batch {
					w.Register(outbox.Kind{Name: "discord.notice", Platform: core.PlatformDiscord,
						OnDone: func(ctx context.Context, tx *outbox.Tx, d *core.Delivery, detail string) error {
							if d.Stream == stream {
								hooked.Add(1)
							}
							return nil
						}})
				}
				startWorker(t, st, w, s)

				d1 := notice(stream, "1")
				release := s.gate(t, d1.Payload)
				if leased := enqueueIn(t, st, w, d1); leased[0] != w.Name {
					t.Fatalf("head of an idle stream leased to %q", leased[0])
				}
				s.waitStarted(t, d1.ID)
				d2 := notice(stream, "2")
				if leased := enqueueIn(t, st, w, d2); leased[0] != "" {
					t.Fatalf("delivery %d leased to %q behind %d in flight", d2.ID, leased[0], d1.ID)
				}
				d3, d4 := notice(stream, "3"), notice(stream, "4")
				if leased := enqueueIn(t, st, w, d3, d4); !slices.Equal(leased, []string{"", ""}) {
					t.Fatalf("deliveries behind one in flight leased to %v", leased)
				}
				if got := s.sentIDs(); len(got) != 1 {
					t.Fatalf("sent %v while the head is in flight", got)
				}
				release()
				all := []*core.Delivery{d1, d2, d3, d4}
				want := deliveryIDs(all...)
				waitFor(t, 10*time.Second, "every delivery of the stream sent", func() bool { return len(s.sentIDs()) >= 5 })
				if got := s.sentIDs()[1:]; !slices.Equal(got, want) {
					t.Fatalf("sent %v, want %v", got, want)
				}
				wantDone(t, st, all...)
				// A kind without OnDone runs none; the other path does.
				wantHooked := int64(len(all))
				if batch {
					wantHooked = 0
				}
				if n := hooked.Load(); n != wantHooked {
					t.Fatalf("OnDone ran %d times for the stream, want %d", n, wantHooked)
				}
				time.Sleep(50 * time.Millisecond)
				if got := s.sentIDs(); len(got) != 5 {
					t.Fatalf("sent %v: some more than once", got)
				}
			})
		})
	}
}

// TestWorkerClaimsBehindAfterHeadFinishedBeforeCommit: a transaction
// queues behind the delivery in flight, but commits only after that
// delivery is recorded done (its completion could not see the new row).
// The commit itself must get the new delivery claimed. PostgreSQL only:
// SQLite's one connection cannot record while the transaction is open.
func TestWorkerClaimsBehindAfterHeadFinishedBeforeCommit(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			st := coretest.MustOpenPostgres(t)
			const stream = "ticket:2:discord"
			s := newGateSender()
			w := handOffWorker(st, s)
			if !batch {
				w.Register(noticeHooked(nil))
			}
			startWorker(t, st, w, s)

			d1 := notice(stream, "1")
			release := sendHeld(t, st, w, s, d1)

			d2 := notice(stream, "2")
			commitCh := make(chan struct{})
			commit := closer(t, commitCh)
			txErr := queueBehind(t, st, w, d2, d1, commitCh, nil)
			release()
			wantDone(t, st, d1)
			time.Sleep(50 * time.Millisecond) // the worker is done with d1
			commit()
			if err := <-txErr; err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the delivery queued behind sent", func() bool { return slices.Contains(s.sentIDs(), d2.ID) })
			wantDone(t, st, d2)
		})
	}
}

// TestWorkerClaimsBehindCommittedWhileHeadRecorded: a transaction
// queues behind the delivery in flight and commits while that delivery's
// outcome is being recorded (in its OnDone hook): the completion cannot
// see the new row, so only the worker's own note of what waits behind it
// gets the new delivery claimed. PostgreSQL only, as above.
func TestWorkerClaimsBehindCommittedWhileHeadRecorded(t *testing.T) {
	st := coretest.MustOpenPostgres(t)
	const stream = "ticket:3:discord"
	s := newGateSender()
	w := handOffWorker(st, s)
	d1, d2 := notice(stream, "1"), notice(stream, "2")
	commitCh, committed := make(chan struct{}), make(chan struct{})
	commit := closer(t, commitCh)
	var hookErr atomic.Value
	w.Register(noticeHooked(func(ctx context.Context, tx *outbox.Tx, d *core.Delivery, detail string) error {
		if d.ID != d1.ID {
			return nil
		}
		// d1 is done in this uncommitted transaction; let the other one
		// commit now, and finish recording only after it has.
		commit()
		select {
		case <-committed:
		case <-time.After(10 * time.Second):
			hookErr.Store("the queuing transaction did not commit")
		}
		return nil
	}))
	startWorker(t, st, w, s)

	release := sendHeld(t, st, w, s, d1)
	txErr := queueBehind(t, st, w, d2, d1, commitCh, committed)
	release()
	if err := <-txErr; err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the delivery queued behind sent", func() bool { return slices.Contains(s.sentIDs(), d2.ID) })
	if msg := hookErr.Load(); msg != nil {
		t.Fatal(msg)
	}
	wantDone(t, st, d1, d2)
}

// TestWorkerStopReleasesHandOffs fills the hand-off queue of a worker with
// one slot, busy with a send, then stops it: the hand-offs it never
// started are given back at once, for any worker to claim.
func TestWorkerStopReleasesHandOffs(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		s := newGateSender()
		w := handOffWorker(st, s)
		w.Concurrency = 1
		stop := startWorker(t, st, w, s)

		busy := notice("busy", "busy")
		release := s.gate(t, busy.Payload)
		enqueueIn(t, st, w, busy)
		s.waitStarted(t, busy.ID)

		var handed []*core.Delivery
		for i := 0; i < 3; i++ {
			d := notice(fmt.Sprintf("idle:%d", i), "queued")
			if leased := enqueueIn(t, st, w, d); leased[0] != w.Name {
				t.Fatalf("head of an idle stream leased to %q", leased[0])
			}
			handed = append(handed, d)
		}
		stopped := make(chan struct{})
		go func() { stop(); close(stopped) }()
		for _, d := range handed {
			waitFor(t, 10*time.Second, fmt.Sprintf("hand-off %d released", d.ID), func() bool {
				got, err := st.Delivery(ctx, d.ID)
				return err == nil && got.LockedBy == ""
			})
		}
		select {
		case <-stopped:
			t.Fatal("worker stopped with a send in flight")
		default:
		}
		release()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatal("worker did not stop")
		}
		wantDone(t, st, busy)
		for _, d := range handed {
			got, err := st.Delivery(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != core.DeliveryPending || got.LockedBy != "" || got.LockedUntil != nil || got.Attempts != 0 {
				t.Fatalf("released hand-off %d = status %s locked_by %q until %v attempts %d", d.ID, got.Status, got.LockedBy, got.LockedUntil, got.Attempts)
			}
			if slices.Contains(s.sentIDs(), d.ID) {
				t.Fatalf("hand-off %d sent although the slot was busy until the stop", d.ID)
			}
		}
		// Claimable at once by another worker.
		got, err := st.ClaimDeliveries(ctx, "other", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(deliveryIDs(got...), deliveryIDs(handed...)) {
			t.Fatalf("another worker claimed %v, want %v", deliveryIDs(got...), deliveryIDs(handed...))
		}
	})
}
