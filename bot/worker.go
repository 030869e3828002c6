package bot

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
)

// DeliveryHook runs inside the transaction that records a delivery's
// outcome (done or parked), so that what follows from it (a message's
// target ID, a ✅ or ⚠️ reaction) commits atomically with it. It reports
// whether it queued deliveries, so that the workers are woken.
type DeliveryHook func(ctx context.Context, tx bun.Tx, d *core.Delivery, detail string) (queued bool, err error)

// Worker sends the outbox: it claims due deliveries (core.ClaimDeliveries,
// which hands out only the head of each stream and, on PostgreSQL, skips
// rows another worker holds), calls the Sender of each row's platform,
// and records the outcome. Transient failures are retried with jittered
// exponential backoff, a RetryAfterError at the time the platform asked
// for, a PermanentError parks the row. Several workers (one per replica)
// may run against one PostgreSQL database: a row is sent by one of them,
// and only again if that one's lease ran out before it recorded the
// outcome (it crashed mid-send).
//
// It wakes on Kick (after each local commit), on PostgreSQL NOTIFY from
// other replicas, when a retry it scheduled falls due, and every Poll.
type Worker struct {
	Store   *core.Store
	Log     *slog.Logger
	Senders []Sender
	// OnDone runs in the transaction completing a delivery, with the
	// remote ID; OnParked in the one parking it, with the reason.
	OnDone   DeliveryHook
	OnParked DeliveryHook
	// Name identifies the worker in leases; default host-pid-random.
	Name string
	// Lease is how long a claimed row stays this worker's (default 30 s):
	// longer than any send, short enough for another replica to take over
	// soon after a crash.
	Lease time.Duration
	// Concurrency bounds the sends in flight, each on its own stream
	// (default 32). One claim refills every free slot, so more slots
	// mean fewer claims per delivery under load.
	Concurrency int
	// Poll is the fallback wake-up period (default 1 s).
	Poll time.Duration
	// SendTimeout bounds one Deliver call (default 20 s).
	SendTimeout time.Duration
	// Backoff is the delay before retrying a transient failure, by
	// attempt (1 for the first failure). Default: 250 ms doubling to 5
	// min, jittered between half and all of it.
	Backoff func(attempt int) time.Duration
	// NoListen turns off the PostgreSQL LISTEN connection (tests).
	NoListen bool
	// Metrics, when set, counts every attempt's outcome and the latency
	// of completed deliveries.
	Metrics *Metrics

	kick chan struct{}
}

// NewWorker returns a worker with its defaults filled in.
func NewWorker(st *core.Store, log *slog.Logger, senders ...Sender) *Worker {
	w := &Worker{Store: st, Log: log, Senders: senders}
	w.init()
	return w
}

func (w *Worker) init() {
	if w.kick == nil {
		w.kick = make(chan struct{}, 1)
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Name == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		crand.Read(b)
		w.Name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if w.Lease <= 0 {
		w.Lease = 30 * time.Second
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 32
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.SendTimeout <= 0 {
		w.SendTimeout = 20 * time.Second
	}
	if w.Backoff == nil {
		w.Backoff = DefaultBackoff
	}
}

// DefaultBackoff is 250 ms doubling per attempt up to 5 minutes, with
// jitter between half and all of the delay.
func DefaultBackoff(attempt int) time.Duration {
	d := 250 * time.Millisecond
	for i := 1; i < attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 5*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Kick wakes the worker to claim at once; it never blocks.
func (w *Worker) Kick() {
	w.init()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// outcome is what one send left behind: when to look again, if it asked
// for a retry.
type outcome struct{ retryAt time.Time }

// Run sends deliveries until ctx ends, then stops claiming, lets the
// sends in flight finish and records their outcome before returning.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	senders := map[string]Sender{}
	var platforms []string
	for _, s := range w.Senders {
		senders[s.Platform()] = s
		platforms = append(platforms, s.Platform())
	}
	if len(senders) == 0 {
		<-ctx.Done()
		return nil
	}
	if !w.NoListen && w.Store.Engine() == core.EnginePostgres {
		listenCtx, stop := context.WithCancel(ctx)
		defer stop()
		go Listen(listenCtx, w.Store, w.Log, w.Kick, nil)
	}
	w.Log.Info("delivery worker started", "worker", w.Name, "platforms", platforms)
	done := make(chan outcome, w.Concurrency)
	inflight := 0
	var retryAt time.Time
	failures := 0
	noteDone := func(o outcome) {
		inflight--
		if !o.retryAt.IsZero() && (retryAt.IsZero() || o.retryAt.Before(retryAt)) {
			retryAt = o.retryAt
		}
	}
	for {
		if ctx.Err() != nil {
			for inflight > 0 {
				noteDone(<-done)
			}
			w.Log.Info("delivery worker stopped", "worker", w.Name)
			return nil
		}
		// Count every send that finished meanwhile, so that one claim
		// refills all free slots (a claim costs more than a send).
	drain:
		for {
			select {
			case o := <-done:
				noteDone(o)
			default:
				break drain
			}
		}
		want := w.Concurrency - inflight
		got := 0
		if want > 0 {
			ds, err := w.Store.ClaimDeliveries(ctx, w.Name, want, w.Lease, platforms...)
			if err != nil && ctx.Err() == nil {
				failures++
				w.Log.Error("claim deliveries", "worker", w.Name, "err", err)
			} else {
				failures = 0
			}
			got = len(ds)
			for _, d := range ds {
				inflight++
				go func() { done <- w.handle(ctx, senders[d.Platform], d) }()
			}
		}
		if got > 0 && got == want {
			continue // there may be more due
		}
		wait := w.Poll
		if failures > 0 {
			wait = min(time.Duration(failures)*w.Poll, 30*time.Second)
		}
		if !retryAt.IsZero() {
			if until := time.Until(retryAt); until < wait {
				wait = max(until, time.Millisecond)
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-w.kick:
		case o := <-done:
			noteDone(o)
		case <-timer.C:
		}
		timer.Stop()
		if !retryAt.IsZero() && !time.Now().Before(retryAt) {
			retryAt = time.Time{}
		}
	}
}

// handle sends one claimed delivery and records its outcome. The send and
// the recording outlive ctx (a stopping worker drains its sends), bounded
// by SendTimeout.
func (w *Worker) handle(ctx context.Context, s Sender, d *core.Delivery) outcome {
	log := w.Log.With("delivery", d.ID, "kind", d.Kind, "stream", d.Stream, "attempt", d.Attempts)
	base := context.WithoutCancel(ctx)
	sctx, cancel := context.WithTimeout(base, w.SendTimeout)
	remoteID, err := s.Deliver(sctx, d)
	cancel()
	var retry *RetryAfterError
	switch {
	case err == nil:
		w.record(base, log, d, func(ctx context.Context, tx bun.Tx) (bool, bool, error) {
			ok, err := w.Store.CompleteDelivery(ctx, tx, d.ID, w.Name, remoteID)
			if err != nil || !ok || w.OnDone == nil {
				return ok, false, err
			}
			queued, err := w.OnDone(ctx, tx, d, remoteID)
			return ok, queued, err
		})
		w.Metrics.Delivery(d, OutcomeDone, time.Now())
		return outcome{}
	case IsPermanent(err):
		log.Warn("delivery parked", "err", err)
		reason := err.Error()
		w.record(base, log, d, func(ctx context.Context, tx bun.Tx) (bool, bool, error) {
			ok, err := w.Store.ParkDeliveryTx(ctx, tx, d.ID, w.Name, reason)
			if err != nil || !ok || w.OnParked == nil {
				return ok, false, err
			}
			queued, err := w.OnParked(ctx, tx, d, reason)
			return ok, queued, err
		})
		w.Metrics.Delivery(d, OutcomeParked, time.Now())
		return outcome{}
	case errors.As(err, &retry):
		at := time.Now().Add(retry.After)
		w.Metrics.Delivery(d, OutcomeRetry, time.Now())
		log.Info("delivery rate limited", "retry_after", retry.After)
		if _, rerr := w.Store.RetryDelivery(base, d.ID, w.Name, at, err.Error()); rerr != nil {
			log.Error("record retry", "err", rerr)
		}
		return outcome{retryAt: at}
	default:
		at := time.Now().Add(w.Backoff(d.Attempts))
		w.Metrics.Delivery(d, OutcomeRetry, time.Now())
		log.Warn("delivery failed; will retry", "err", err, "retry_at", at)
		if _, rerr := w.Store.RetryDelivery(base, d.ID, w.Name, at, err.Error()); rerr != nil {
			log.Error("record retry", "err", rerr)
		}
		return outcome{retryAt: at}
	}
}

// record runs fn in a transaction (announcing to every replica after the
// commit when fn queued something),
// retrying a few times on database errors: the send already happened, so
// losing its outcome would send it again once the lease runs out.
func (w *Worker) record(ctx context.Context, log *slog.Logger, d *core.Delivery, fn func(ctx context.Context, tx bun.Tx) (held, queued bool, err error)) {
	delay := 50 * time.Millisecond
	for try := 1; ; try++ {
		var held, queued bool
		// The outcome of a send is recorded without waiting for the disk
		// sync. Only a crash of PostgreSQL itself (not of this process) in
		// the next instant can undo it; the delivery is then sent again
		// when its lease ends, exactly as after a crash of this process
		// between the send and this record. Slack posts find their earlier
		// copy by message metadata and Discord notices carry nonces; a
		// Discord webhook post has no such key and could repeat.
		err := w.Store.InTxNoSync(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			held, queued, err = fn(ctx, tx)
			return err
		})
		if err == nil {
			if !held {
				log.Warn("delivery lease lost before its outcome was recorded (another worker took it over)")
			} else {
				log.Debug("delivery outcome recorded")
			}
			if queued {
				Announce(w.Store)
				w.Kick()
			}
			return
		}
		if try == 5 {
			log.Error("cannot record delivery outcome; it will be retried when its lease ends", "err", err)
			return
		}
		time.Sleep(delay)
		delay *= 2
	}
}
