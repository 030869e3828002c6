package outbox

import (
	"context"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// outcome is what one send left behind: when to look again, if it asked
// for a retry, and whether to claim again at once (its stream may have a
// next delivery, or a wake-up came while it was in flight).
type outcome struct {
	retryAt time.Time
	again   bool
	// next is the stream's new head, leased to this worker when it was
	// due.
	next *core.Delivery
}

// runLoop is the state of one Run: the sends in flight and what decides
// when to claim next.
type runLoop struct {
	w         *Worker
	ctx       context.Context
	senders   map[string]Sender
	platforms []string

	done     chan outcome // finished sends
	inflight int
	retryAt  time.Time // earliest retry a send asked for; zero when none
	failures int       // claims failed in a row
	claim    bool      // something may be due: claim when slots allow
}

// Run sends deliveries until ctx ends, then stops claiming, lets the
// sends in flight finish and records their outcome before returning.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	l := &runLoop{w: w, ctx: ctx, senders: map[string]Sender{}, claim: true}
	for _, s := range w.Senders {
		l.senders[s.Platform()] = s
		l.platforms = append(l.platforms, s.Platform())
	}
	if len(l.senders) == 0 {
		<-ctx.Done()
		return nil
	}
	if !w.NoListen && w.Store.Engine() == core.EnginePostgres {
		listenCtx, stop := context.WithCancel(ctx)
		defer stop()
		go Listen(listenCtx, w.Store, w.Log, w.Kick, nil)
	}
	// The liveness row first: leases are taken only by a worker the
	// others can see alive, and a send is made only while this one is.
	pulse := w.Store.NewPulse(w.Name)
	pulseCtx, stopPulse := context.WithCancel(context.WithoutCancel(ctx))
	pulseDone, ready := make(chan struct{}), make(chan struct{})
	go func() { w.pulse(pulseCtx, pulse, ready); close(pulseDone) }()
	defer func() {
		// After the drain: the sends in flight needed it. Then the row
		// goes, since the worker holds nothing any more.
		stopPulse()
		<-pulseDone
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := pulse.Retire(rctx); err != nil {
			w.Log.Warn("could not delete the worker's liveness row; it is rescued once stale", "worker", w.Name, "err", err)
		}
	}()
	select {
	case <-ready:
	case <-ctx.Done():
	}
	w.Log.Info("delivery worker started", "worker", w.Name, "platforms", l.platforms)
	w.running.Store(true)
	w.completions = make(chan completion, w.Concurrency)
	recorderDone := make(chan struct{})
	go func() { w.recordCompletions(); close(recorderDone) }()
	defer func() { close(w.completions); <-recorderDone }()
	l.done = make(chan outcome, w.Concurrency)
	for ctx.Err() == nil {
		l.step()
	}
	l.stop()
	return nil
}

// step is one turn of the loop: count finished sends, start hand-offs,
// claim, and wait when there is nothing more to do at once.
func (l *runLoop) step() {
	l.drain()
	l.startHanded()
	if l.canClaim() {
		if full := l.claimDue(); full {
			return // there may be more due
		}
	}
	if l.claim && l.failures == 0 && l.canClaim() {
		return
	}
	l.wait()
}

// stop drains a stopping worker: hand-offs not started are given back,
// and the sends in flight finish and are recorded.
func (l *runLoop) stop() {
	l.w.running.Store(false)
	l.w.releaseHanded()
	for l.inflight > 0 {
		l.noteDone(<-l.done)
	}
	l.w.Log.Info("delivery worker stopped", "worker", l.w.Name)
}

// drain counts every send that finished meanwhile, so that one claim
// refills all free slots (a claim costs more than a send).
func (l *runLoop) drain() {
	for {
		select {
		case o := <-l.done:
			l.noteDone(o)
		default:
			return
		}
	}
}

// startHanded starts the deliveries this process leased while queuing
// them, as free slots allow: they need no claim.
func (l *runLoop) startHanded() {
	for l.inflight < l.w.Concurrency {
		d := l.w.nextHanded()
		if d == nil {
			return
		}
		l.start(d)
	}
}

// canClaim reports whether enough slots are free for a claim. Under a
// backlog, a quarter of the slots must be free: one claim then fills
// many slots rather than each completion paying a claim for one.
func (l *runLoop) canClaim() bool {
	return l.w.Concurrency-l.inflight >= max(1, l.w.Concurrency/4)
}

// claimDue claims due deliveries for every free slot, when a claim is
// wanted, and starts them. It reports whether the claim filled every
// slot it asked for.
func (l *runLoop) claimDue() (full bool) {
	if !l.claim {
		return false
	}
	w := l.w
	l.claim = false
	want := w.Concurrency - l.inflight
	// The claim outlives a stop that comes while it runs: a claim
	// interrupted during its commit may have committed anyway, and its
	// rows would then wait for their lease to end. What it returns is
	// sent, and drained like any send in flight.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), w.SendTimeout)
	tok := w.live.token(w.Lease)
	ds, err := w.Store.ClaimDeliveries(cctx, w.Name, want, w.Lease, l.platforms...)
	cancel()
	w.noteLeases(ds, tok)
	if err != nil && l.ctx.Err() == nil {
		l.failures++
		l.claim = true
		w.Log.Error("claim deliveries", "worker", w.Name, "err", err)
	} else {
		l.failures = 0
	}
	w.hold(ds)
	for _, d := range ds {
		l.start(d)
	}
	if len(ds) > 0 && len(ds) == want {
		l.claim = true
		return true
	}
	return false
}

// wait sleeps until a wake-up (stop, Kick, hand-off, a send finishing),
// the poll interval (longer after failed claims) or the earliest retry.
func (l *runLoop) wait() {
	w := l.w
	wait := w.Poll
	if l.failures > 0 {
		wait = min(time.Duration(l.failures)*w.Poll, 30*time.Second)
	}
	if !l.retryAt.IsZero() {
		if until := time.Until(l.retryAt); until < wait {
			wait = max(until, time.Millisecond)
		}
	}
	timer := time.NewTimer(wait)
	select {
	case <-l.ctx.Done():
	case <-w.kick:
		l.claim = true
	case <-w.hand:
	case o := <-l.done:
		l.noteDone(o)
	case <-timer.C:
		l.claim = true
	}
	timer.Stop()
	if !l.retryAt.IsZero() && !time.Now().Before(l.retryAt) {
		l.retryAt = time.Time{}
		l.claim = true
	}
}

// start sends d in a goroutine of its own; its outcome comes back on
// l.done, with its stream's next delivery when the worker took it.
func (l *runLoop) start(d *core.Delivery) {
	l.inflight++
	ctx, w := l.ctx, l.w
	s := l.senders[d.Platform]
	go func() {
		o := w.handle(ctx, s, d)
		// Deliveries queued behind this one after its completion looked
		// at its stream are taken at once: one index probe rather than a
		// claim over the whole outbox.
		if w.finished(d.Stream) && o.next == nil && ctx.Err() == nil {
			o.next, o.again = w.takeHead(ctx, d.Stream, o.again)
		}
		l.done <- o
	}()
}

// noteDone counts a finished send and gives its slot to its stream's
// next delivery, when the worker took one.
func (l *runLoop) noteDone(o outcome) {
	l.inflight--
	if !o.retryAt.IsZero() && (l.retryAt.IsZero() || o.retryAt.Before(l.retryAt)) {
		l.retryAt = o.retryAt
	}
	l.claim = l.claim || o.again
	switch {
	case o.next != nil && l.ctx.Err() != nil:
		l.w.giveBack(o.next) // stopping: leave it to whoever runs next
	case o.next != nil:
		l.start(o.next)
	}
}
