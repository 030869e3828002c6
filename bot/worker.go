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
	"slices"
	"sync"
	"sync/atomic"
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
	// Stale, when set, reports whether a delivery is superseded by one
	// queued after it in its stream (a card update behind another, a ✅
	// behind a later one in the same conversation): it is then recorded
	// done without being sent.
	Stale func(ctx context.Context, d *core.Delivery) (bool, error)
	// Prepare, when set, may change a claimed delivery before it is sent:
	// it returns the delivery to send instead (nil: d as it is) and the
	// deliveries queued behind d in its stream that this one now carries
	// too. Those are recorded done, merged into d, with its new payload
	// (core.Store.MergeDeliveries) before it is sent; if that fails, d is
	// sent as it was.
	Prepare func(ctx context.Context, d *core.Delivery) (send *core.Delivery, merged []int64, err error)
	// DoneKinds, when set, reports the kinds of delivery OnDone acts on.
	// The completions of other kinds are recorded many per statement,
	// without a transaction of their own each.
	DoneKinds func(kind string) bool
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

	kick    chan struct{}
	hand    chan struct{} // a hand-off arrived
	kicks   atomic.Uint64 // Kick calls so far
	running atomic.Bool   // Run is taking hand-offs

	completions chan completion // to the batch recorder (Run)

	mu     sync.Mutex
	handed []handoff // leased by a commit of this process, not started yet
	// held counts, per stream, the deliveries leased to this worker and
	// not finished; waiters marks the streams where deliveries were queued
	// behind them, to be claimed when one finishes.
	held    map[string]int
	waiters map[string]bool
}

// handoff is a delivery a transaction of this process leased to the
// worker (EnqueueLeasedTx), with the time of the lease.
type handoff struct {
	d  *core.Delivery
	at time.Time
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
		w.hand = make(chan struct{}, 1)
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
	w.kicks.Add(1)
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// outcome is what one send left behind: when to look again, if it asked
// for a retry, and whether to claim again at once (its stream may have a
// next delivery, or a wake-up came while it was in flight).
type outcome struct {
	retryAt time.Time
	again   bool
	// more: the stream holds other pending deliveries; next is its new
	// head, leased to this worker when it was due.
	more bool
	next *core.Delivery
}

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
	w.running.Store(true)
	w.completions = make(chan completion, w.Concurrency)
	recorderDone := make(chan struct{})
	go func() { w.recordCompletions(); close(recorderDone) }()
	defer func() { close(w.completions); <-recorderDone }()
	done := make(chan outcome, w.Concurrency)
	inflight := 0
	var retryAt time.Time
	failures := 0
	claim := true // claim at start, then when something may be due
	var start func(d *core.Delivery)
	noteDone := func(o outcome) {
		inflight--
		if !o.retryAt.IsZero() && (retryAt.IsZero() || o.retryAt.Before(retryAt)) {
			retryAt = o.retryAt
		}
		claim = claim || o.again
		switch {
		case o.next != nil && ctx.Err() != nil:
			w.giveBack(o.next) // stopping: leave it to whoever runs next
		case o.next != nil:
			start(o.next) // the slot just freed goes to the stream's next delivery
		}
	}
	start = func(d *core.Delivery) {
		inflight++
		go func() {
			o := w.handle(ctx, senders[d.Platform], d)
			if o.more && ctx.Err() == nil {
				// Take the stream's next delivery at once: one index probe
				// rather than a claim over the whole outbox.
				o.next, o.again = w.takeHead(ctx, d.Stream, o.again)
			}
			// Deliveries queued behind this one after its completion
			// looked at its stream are taken the same way.
			if w.finished(d.Stream) && o.next == nil && ctx.Err() == nil {
				o.next, o.again = w.takeHead(ctx, d.Stream, o.again)
			}
			done <- o
		}()
	}
	for {
		if ctx.Err() != nil {
			w.running.Store(false)
			w.releaseHanded()
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
		// Deliveries this process leased while queuing them go first:
		// they need no claim.
		for inflight < w.Concurrency {
			d := w.nextHanded()
			if d == nil {
				break
			}
			start(d)
		}
		// Under a backlog, wait for a quarter of the slots to be free
		// before claiming: one claim then fills many slots rather than
		// each completion paying a claim for one.
		if claim && w.Concurrency-inflight >= max(1, w.Concurrency/4) {
			claim = false
			want := w.Concurrency - inflight
			// The claim outlives a stop that comes while it runs: a claim
			// interrupted during its commit may have committed anyway, and
			// its rows would then wait for their lease to end. What it
			// returns is sent, and drained like any send in flight.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.SendTimeout)
			ds, err := w.Store.ClaimDeliveries(cctx, w.Name, want, w.Lease, platforms...)
			cancel()
			if err != nil && ctx.Err() == nil {
				failures++
				claim = true
				w.Log.Error("claim deliveries", "worker", w.Name, "err", err)
			} else {
				failures = 0
			}
			w.hold(ds)
			for _, d := range ds {
				start(d)
			}
			if len(ds) > 0 && len(ds) == want {
				claim = true // there may be more due
				continue
			}
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
		if claim && failures == 0 && w.Concurrency-inflight >= max(1, w.Concurrency/4) {
			continue
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-w.kick:
			claim = true
		case <-w.hand:
		case o := <-done:
			noteDone(o)
		case <-timer.C:
			claim = true
		}
		timer.Stop()
		if !retryAt.IsZero() && !time.Now().Before(retryAt) {
			retryAt = time.Time{}
			claim = true
		}
	}
}

// handle sends one claimed delivery and records its outcome. The send and
// the recording outlive ctx (a stopping worker drains its sends), bounded
// by SendTimeout.
func (w *Worker) handle(ctx context.Context, s Sender, d *core.Delivery) outcome {
	log := w.Log.With("delivery", d.ID, "kind", d.Kind, "stream", d.Stream, "attempt", d.Attempts)
	kicks := w.kicks.Load()
	// A wake-up while this was in flight may have been for the next
	// delivery of its stream, which no claim could take before this one
	// ended: claim again once it has.
	kicked := func() bool { return w.kicks.Load() != kicks }
	base := context.WithoutCancel(ctx)
	sctx, cancel := context.WithTimeout(base, w.SendTimeout)
	remoteID, err := w.send(sctx, log, s, d)
	cancel()
	var retry *RetryAfterError
	switch {
	case err == nil && w.DoneKinds != nil:
		reply := make(chan completed, 1)
		w.completions <- completion{d: d, remoteID: remoteID, log: log, reply: reply, hook: w.DoneKinds(d.Kind)}
		r := <-reply
		w.Metrics.Delivery(d, OutcomeDone, time.Now())
		// The recorder took the stream's next delivery already.
		return outcome{next: r.next, again: kicked() || r.retake}
	case err == nil:
		_, more := w.recordOne(base, log, d, remoteID, true)
		w.Metrics.Delivery(d, OutcomeDone, time.Now())
		return outcome{more: more, again: kicked()}
	case IsPermanent(err):
		log.Warn("delivery parked", "err", err)
		reason := err.Error()
		w.record(base, log, func(ctx context.Context, tx bun.Tx) (bool, error) {
			held, err := w.Store.ParkDeliveryTx(ctx, tx, d.ID, w.Name, reason)
			if err != nil || !held || w.OnParked == nil {
				return held, err
			}
			_, err = w.OnParked(ctx, tx, d, reason)
			return held, err
		})
		w.Metrics.Delivery(d, OutcomeParked, time.Now())
		return outcome{again: true}
	case errors.As(err, &retry):
		at := time.Now().Add(retry.After)
		w.Metrics.Delivery(d, OutcomeRetry, time.Now())
		log.Info("delivery rate limited", "retry_after", retry.After, "not_sent", retry.NotSent)
		record := w.Store.RetryDelivery
		if retry.NotSent {
			record = w.Store.DeferDelivery // nothing reached the platform: no look-back next time
		}
		if _, rerr := record(base, d.ID, w.Name, at, err.Error()); rerr != nil {
			log.Error("record retry", "err", rerr)
		}
		return outcome{retryAt: at, again: kicked()}
	default:
		at := time.Now().Add(w.Backoff(d.Attempts))
		w.Metrics.Delivery(d, OutcomeRetry, time.Now())
		log.Warn("delivery failed; will retry", "err", err, "retry_at", at)
		if _, rerr := w.Store.RetryDelivery(base, d.ID, w.Name, at, err.Error()); rerr != nil {
			log.Error("record retry", "err", rerr)
		}
		return outcome{retryAt: at, again: kicked()}
	}
}

// send hands d to its sender, unless it is stale (Stale): then nothing
// is sent and it completes without a remote ID. What Prepare makes of it
// is sent instead; when that carries merged deliveries too, d's payload
// becomes the merged one, for the hooks that record its outcome.
func (w *Worker) send(ctx context.Context, log *slog.Logger, s Sender, d *core.Delivery) (string, error) {
	if w.Stale != nil {
		stale, err := w.Stale(ctx, d)
		if err != nil {
			log.Warn("could not tell whether a delivery is stale; sending it", "err", err)
		}
		if stale {
			log.Debug("delivery superseded by a later one; skipped")
			return "", nil
		}
	}
	out := d
	if w.Prepare != nil {
		send, merged, err := w.Prepare(ctx, d)
		switch {
		case err != nil:
			log.Warn("could not prepare a delivery; sending it as queued", "err", err)
		case send != nil && len(merged) > 0:
			ok, err := w.Store.MergeDeliveries(ctx, w.Name, d.ID, send.Payload, merged)
			if err != nil {
				log.Warn("could not merge deliveries; sending the first alone", "err", err)
			} else if ok {
				log.Debug("deliveries merged into one post", "merged", len(merged))
				d.Payload = send.Payload
				w.Metrics.Merged(d, len(merged))
			}
		case send != nil:
			out = send
		}
	}
	return s.Deliver(ctx, out)
}

// record runs fn in a transaction (deliveries it queues with Enqueue
// go to this worker or, when they wait behind others, are announced to
// every replica after the commit), retrying a few times on database
// errors: the send already happened, so losing its outcome would send it
// again once the lease runs out.
func (w *Worker) record(ctx context.Context, log *slog.Logger, fn func(ctx context.Context, tx bun.Tx) (held bool, err error)) {
	delay := 50 * time.Millisecond
	for try := 1; ; try++ {
		var held bool
		// The outcome of a send is recorded without waiting for the disk
		// sync. Only a crash of PostgreSQL itself (not of this process) in
		// the next instant can undo it; the delivery is then sent again
		// when its lease ends, exactly as after a crash of this process
		// between the send and this record. Slack posts find their earlier
		// copy by message metadata and Discord notices carry nonces; a
		// Discord webhook post has no such key and could repeat.
		err := w.inTx(ctx, true, func(ctx context.Context, tx bun.Tx) error {
			var err error
			held, err = fn(ctx, tx)
			return err
		})
		if err == nil {
			if !held {
				log.Warn("delivery lease lost before its outcome was recorded (another worker took it over)")
			} else {
				log.Debug("delivery outcome recorded")
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

// recordOne records one delivery sent (record), running OnDone when hook.
// It reports whether the worker still held it and whether its stream
// holds more.
func (w *Worker) recordOne(ctx context.Context, log *slog.Logger, d *core.Delivery, remoteID string, hook bool) (held, more bool) {
	w.record(ctx, log, func(ctx context.Context, tx bun.Tx) (bool, error) {
		var err error
		held, more, err = w.Store.CompleteDeliveryTx(ctx, tx, d.ID, w.Name, remoteID)
		if err != nil || !held || !hook || w.OnDone == nil {
			return held, err
		}
		_, err = w.OnDone(ctx, tx, d, remoteID)
		return held, err
	})
	return held, more
}

// completion is a delivery sent, to be recorded done by the batch
// recorder, which answers on more whether its stream holds more. hook:
// its kind has work for OnDone.
type completion struct {
	d        *core.Delivery
	remoteID string
	log      *slog.Logger
	reply    chan completed
	hook     bool
}

// completed is the recorder's answer: the stream's next delivery, now
// this worker's, if there was one due; retake when taking it failed.
type completed struct {
	next   *core.Delivery
	retake bool
}

// recordCompletions records completions until w.completions is closed,
// as many per statement as have arrived while the previous statement ran
// (when DoneKinds is set; every send is recorded on its own otherwise).
func (w *Worker) recordCompletions() {
	for c := range w.completions {
		batch := []completion{c}
	fill:
		for len(batch) < 256 {
			select {
			case c, ok := <-w.completions:
				if !ok {
					break fill
				}
				batch = append(batch, c)
			default:
				break fill
			}
		}
		ids := make([]int64, len(batch))
		remote := make([]string, len(batch))
		for i, c := range batch {
			ids[i], remote[i] = c.d.ID, c.remoteID
		}
		var held map[int64]bool
		hooked := slices.ContainsFunc(batch, func(c completion) bool { return c.hook })
		oneByOne := false // each outcome logged by record already
		if hooked {
			held, oneByOne = w.recordHooked(batch, ids, remote)
		}
		delay := 50 * time.Millisecond
		for try := 1; !hooked; try++ {
			ctx, cancel := context.WithTimeout(context.Background(), w.SendTimeout)
			var err error
			held, err = w.Store.CompleteDeliveries(ctx, w.Name, ids, remote)
			cancel()
			if err == nil {
				break
			}
			if try == 5 {
				w.Log.Error("cannot record delivery outcomes; they will be retried when their leases end", "deliveries", len(ids), "err", err)
				break
			}
			time.Sleep(delay)
			delay *= 2
		}
		// The streams that hold more take their next delivery, all in
		// one statement.
		var streams []string
		for _, c := range batch {
			if held[c.d.ID] {
				streams = append(streams, c.d.Stream)
			}
		}
		next := map[string]*core.Delivery{}
		ds, err := w.claimHeads(context.Background(), streams)
		retake := err != nil
		w.hold(ds)
		for _, d := range ds {
			next[d.Stream] = d
		}
		for _, c := range batch {
			more, ok := held[c.d.ID]
			if !ok && held != nil && !oneByOne {
				c.log.Warn("delivery lease lost before its outcome was recorded (another worker took it over)")
			}
			c.reply <- completed{next: next[c.d.Stream], retake: more && retake}
		}
	}
}

// recordHooked records a batch holding deliveries with work for OnDone:
// the completions and every hook in one transaction, whatever the hooks
// queue in one go at its end (Enqueue collects it meanwhile). If that
// transaction fails, each completion is recorded in its own transaction
// (recordOne), all at once, so that a failing hook holds up no other
// delivery for long; oneByOne then reports that record logged each
// outcome. A rolled-back batch runs its hooks again: they change nothing
// but the database.
func (w *Worker) recordHooked(batch []completion, ids []int64, remote []string) (held map[int64]bool, oneByOne bool) {
	ctx, cancel := context.WithTimeout(context.Background(), w.SendTimeout)
	defer cancel()
	err := w.inTx(ctx, true, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if held, err = w.Store.CompleteDeliveriesTx(ctx, tx, w.Name, ids, remote); err != nil {
			return err
		}
		b, _ := ctx.Value(batchKey{}).(*txBatch)
		b.deferring = true
		for _, c := range batch {
			if _, ok := held[c.d.ID]; !ok || !c.hook || w.OnDone == nil {
				continue
			}
			if _, err := w.OnDone(ctx, tx, c.d, c.remoteID); err != nil {
				return err
			}
		}
		b.deferring = false
		return Enqueue(ctx, w.Store, tx, b.deferred...)
	})
	if err == nil {
		return held, false
	}
	w.Log.Warn("could not record delivery outcomes together; recording each on its own", "deliveries", len(batch), "err", err)
	held = map[int64]bool{}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, c := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, more := w.recordOne(context.Background(), c.log, c.d, c.remoteID, c.hook); ok {
				mu.Lock()
				held[c.d.ID] = more
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return held, true
}

// batchKey carries a *txBatch in the context of a transaction run by
// Worker.InTx, for Enqueue.
type batchKey struct{}

// txBatch is what one transaction queued: the deliveries it leased to the
// worker and how many it left for a claim.
type txBatch struct {
	w        *Worker
	leased   []*core.Delivery
	behind   []string
	unleased int
	// deferring: Enqueue only collects into deferred, for the batch
	// recorder to queue all at once.
	deferring bool
	deferred  []*core.Delivery
}

// maxHanded bounds the hand-offs waiting for a free slot; past it new
// deliveries wait for a claim instead, so that none waits long enough on
// a lease for its lease to matter.
func (w *Worker) maxHanded() int { return 4 * w.Concurrency }

// InTx runs fn in one transaction (without waiting for the disk sync at
// commit when noSync). Deliveries fn queues with Enqueue that can leave
// at once are leased to this worker in that transaction and sent by it
// right after the commit, without a claim; when some were left waiting
// behind others, every replica's worker is woken (Announce, Kick).
func (w *Worker) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return w.inTx(ctx, false, fn)
}

func (w *Worker) inTx(ctx context.Context, noSync bool, fn func(ctx context.Context, tx bun.Tx) error) error {
	w.init()
	var b *txBatch
	run := func(ctx context.Context, tx bun.Tx) error {
		b = &txBatch{w: w} // afresh on each attempt
		return fn(context.WithValue(ctx, batchKey{}, b), tx)
	}
	var err error
	if noSync {
		err = w.Store.InTxNoSync(ctx, run)
	} else {
		err = w.Store.InTx(ctx, run)
	}
	if err != nil || b == nil {
		return err
	}
	w.handOff(b.leased)
	if free := w.waitBehind(b.behind); len(free) > 0 {
		// What they were queued behind finished meanwhile: take their
		// streams' heads now, one statement, rather than a claim over
		// the whole outbox.
		ds, err := w.claimHeads(ctx, free)
		if err != nil {
			w.Kick()
		}
		w.handOff(ds)
	}
	if b.unleased > 0 {
		Announce(w.Store)
		w.Kick()
	}
	return nil
}

// Enqueue queues deliveries in tx. Inside a transaction of Worker.InTx
// (or of a worker recording an outcome) the first delivery of each idle
// stream that worker sends is leased to it and sent right after the
// commit; without one, the deliveries wait for a claim and the caller
// announces them after its commit. In the transaction recording a batch
// of outcomes (the OnDone hooks of several deliveries), the deliveries
// are only collected and inserted together at its end: a hook cannot read
// back what it queued, nor the ID it gets.
func Enqueue(ctx context.Context, st *core.Store, tx bun.IDB, ds ...*core.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	b, _ := ctx.Value(batchKey{}).(*txBatch)
	if b != nil && b.deferring && b.w.Store == st {
		b.deferred = append(b.deferred, ds...)
		return nil
	}
	if b == nil || b.w.Store != st || !b.w.running.Load() || b.w.handedLen() >= b.w.maxHanded() {
		if b != nil {
			b.unleased += len(ds)
		}
		return st.EnqueueTx(ctx, tx, ds...)
	}
	w := b.w
	q, err := st.EnqueueLeasedTx(ctx, tx, w.Name, st.Now().Add(w.Lease), w.sends, ds...)
	if err != nil {
		return err
	}
	b.leased = append(b.leased, q.Leased...)
	b.behind = append(b.behind, q.Behind...)
	b.unleased += q.Waiting
	return nil
}

// sends reports whether the worker has a Sender for d's platform.
func (w *Worker) sends(d *core.Delivery) bool {
	for _, s := range w.Senders {
		if s.Platform() == d.Platform {
			return true
		}
	}
	return false
}

// handOff gives the worker deliveries a committed transaction leased to
// it.
func (w *Worker) handOff(ds []*core.Delivery) {
	if len(ds) == 0 {
		return
	}
	now := time.Now()
	w.mu.Lock()
	for _, d := range ds {
		w.handed = append(w.handed, handoff{d: d, at: now})
		w.holdLocked(d.Stream)
	}
	w.mu.Unlock()
	select {
	case w.hand <- struct{}{}:
	default:
	}
}

func (w *Worker) handedLen() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.handed)
}

// nextHanded takes the oldest hand-off, nil when there is none. One that
// waited for half its lease is left for a claim once the lease ends,
// rather than sent so late that another worker might take it meanwhile.
func (w *Worker) nextHanded() *core.Delivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.handed) > 0 {
		h := w.handed[0]
		w.handed = w.handed[1:]
		if time.Since(h.at) < w.Lease/2 {
			return h.d
		}
		w.Log.Warn("handed-off delivery waited too long; leaving it for a claim", "delivery", h.d.ID)
		if w.releaseLocked(h.d.Stream) {
			w.kickLocked()
		}
	}
	return nil
}

// holdLocked counts a delivery of stream this worker now holds (w.mu held).
func (w *Worker) holdLocked(stream string) {
	if w.held == nil {
		w.held, w.waiters = map[string]int{}, map[string]bool{}
	}
	w.held[stream]++
}

// releaseLocked uncounts a held delivery of stream and reports whether
// deliveries were queued behind it (w.mu held).
func (w *Worker) releaseLocked(stream string) bool {
	if w.held[stream]--; w.held[stream] <= 0 {
		delete(w.held, stream)
	}
	waited := w.waiters[stream]
	delete(w.waiters, stream)
	return waited
}

// kickLocked is Kick without the init (w.mu held; init ran).
func (w *Worker) kickLocked() {
	w.kicks.Add(1)
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// takeHead leases the next delivery of stream to the worker, if one is
// due and free. again is the caller's claim flag, set when taking failed.
func (w *Worker) takeHead(ctx context.Context, stream string, again bool) (*core.Delivery, bool) {
	ds, err := w.claimHeads(ctx, []string{stream})
	if err != nil || len(ds) == 0 {
		return nil, again || err != nil
	}
	w.hold(ds)
	return ds[0], again
}

// claimHeads leases to the worker the next delivery of each of streams
// that is due and free (core.Store.ClaimStreamHeads), within SendTimeout
// and even when ctx ends meanwhile: a claim cut short while it commits
// may have committed. A failure is logged and returned.
func (w *Worker) claimHeads(ctx context.Context, streams []string) ([]*core.Delivery, error) {
	if len(streams) == 0 {
		return nil, nil
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.SendTimeout)
	defer cancel()
	ds, err := w.Store.ClaimStreamHeads(cctx, w.Name, streams, w.Lease)
	if err != nil {
		w.Log.Warn("claim the next deliveries of streams", "streams", streams, "err", err)
	}
	return ds, err
}

// hold counts deliveries the worker now holds.
func (w *Worker) hold(ds []*core.Delivery) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range ds {
		w.holdLocked(d.Stream)
	}
}

// finished uncounts a delivery the worker held and reports whether
// deliveries were queued behind it meanwhile.
func (w *Worker) finished(stream string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.releaseLocked(stream)
}

// waitBehind marks streams where a committed transaction queued
// deliveries behind one this worker holds, so that the worker takes the
// next delivery when it finishes it. It returns the streams where that
// delivery was finished already.
func (w *Worker) waitBehind(streams []string) []string {
	if len(streams) == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var free []string
	for _, st := range streams {
		if w.held[st] > 0 {
			w.waiters[st] = true
		} else {
			free = append(free, st)
		}
	}
	return free
}

// giveBack releases one delivery this worker leased but will not send.
func (w *Worker) giveBack(d *core.Delivery) {
	w.finished(d.Stream)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Store.ReleaseDeliveries(ctx, w.Name, d.ID); err != nil {
		w.Log.Warn("could not release a delivery; it waits for its lease to end", "delivery", d.ID, "err", err)
	}
}

// releaseHanded gives back the hand-offs of a stopping worker.
func (w *Worker) releaseHanded() {
	w.mu.Lock()
	ids := make([]int64, 0, len(w.handed))
	for _, h := range w.handed {
		ids = append(ids, h.d.ID)
		w.releaseLocked(h.d.Stream)
	}
	w.handed = nil
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Store.ReleaseDeliveries(ctx, w.Name, ids...); err != nil {
		w.Log.Warn("could not release handed-off deliveries; they wait for their lease to end", "err", err)
	}
}
