package outbox

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// ErrLeaseLost is the error of a send that was not made because its
// delivery may no longer be this worker's: the worker's heartbeat stopped
// long enough for another replica to declare it dead and take its leases
// (the process was paused, or cut off from the database), or the lease
// itself ran out. The delivery is put back with its attempt counted, so
// that whoever sends it next looks for what this attempt may have left.
var ErrLeaseLost = errors.New("outbox: lease may be lost; not sent")

// liveness is what the worker knows of its own liveness row
// (core.Pulse): when its latest successful heartbeat started, and an
// epoch that changes whenever another replica may have declared it dead
// since the heartbeat before.
//
// Another replica declares the worker dead once its row is DeadAfter
// old. A beat that started at local time s commits at or after s, so
// until s + DeadAfter (in this process's clock; only the clocks' rates
// matter) nobody can have declared the worker dead unless a gap came
// before that beat. Hence:
//   - a send is safe while less than safe (DeadAfter minus a margin) has
//     passed since the latest successful beat started, and the epoch is
//     the one the lease was taken in;
//   - the epoch moves when a beat finds its row gone (it was declared
//     dead), or when a beat ends safe or more after the previous
//     successful one started (it may have been).
type liveness struct {
	safe time.Duration

	mu    sync.Mutex
	last  time.Time // start of the latest successful beat; zero before the first
	epoch uint64
}

// beat records one heartbeat that started at start and ended at end;
// inserted: the row had to be written anew (declared dead meanwhile).
func (l *liveness) beat(start, end time.Time, inserted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if inserted || l.last.IsZero() || end.Sub(l.last) >= l.safe {
		l.epoch++
	}
	l.last = start
}

// token is the state of the worker's liveness when it took a lease:
// sends under it are safe while the epoch holds and until until, when
// the lease itself may run out.
type token struct {
	epoch uint64
	until time.Time
}

// token returns the token of a lease of length lease taken now; take it
// before the statement that takes the lease.
func (l *liveness) token(lease time.Duration) token {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return token{epoch: l.epoch, until: now.Add(lease - l.margin())}
}

// margin is kept between a check and the moment another replica could act.
func (l *liveness) margin() time.Duration { return min(time.Second, l.safe/2) }

// holds reports whether a lease taken under tok is surely still held.
func (l *liveness) holds(tok token) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return tok.epoch == l.epoch && !l.last.IsZero() && now.Sub(l.last) < l.safe && now.Before(tok.until)
}

// guard is the lease a send runs under, carried by its context.
type guard struct {
	live *liveness
	tok  token
}

type guardKey struct{}

// withLease returns ctx carrying the lease of the delivery sent under it.
func withLease(ctx context.Context, g guard) context.Context {
	return context.WithValue(ctx, guardKey{}, g)
}

// LeaseHeld reports whether the delivery sent under ctx (the context the
// worker gives Sender.Deliver) is surely still this worker's: nil when it
// is, or when ctx carries no delivery; ErrLeaseLost when it may not be.
// A platform client calls it right before each request, so that a
// process that resumes after a pause longer than its lease sends nothing
// another replica may have sent meanwhile.
func LeaseHeld(ctx context.Context) error {
	g, ok := ctx.Value(guardKey{}).(guard)
	if !ok || g.live.holds(g.tok) {
		return nil
	}
	return ErrLeaseLost
}

// pulse keeps the worker's liveness row fresh every Heartbeat until ctx
// ends, and after each beat releases the leases of dead workers
// (rescue). The first beat has happened when it returns ready (closed).
func (w *Worker) pulse(ctx context.Context, p *core.Pulse, ready chan<- struct{}) {
	t := time.NewTicker(w.Heartbeat)
	defer t.Stop()
	for {
		start := time.Now()
		bctx, cancel := context.WithTimeout(ctx, w.DeadAfter)
		inserted, err := p.Beat(bctx)
		cancel()
		switch {
		case err == nil:
			w.live.beat(start, time.Now(), inserted)
		case ctx.Err() == nil:
			w.Log.Warn("delivery worker heartbeat failed", "worker", w.Name, "err", err)
		}
		if ready != nil {
			close(ready)
			ready = nil
		}
		if err == nil {
			w.rescue(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rescue releases the deliveries leased by dead workers
// (core.Store.RescueDeadWorkers) and claims at once when there were any.
func (w *Worker) rescue(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, w.DeadAfter)
	defer cancel()
	r, err := w.Store.RescueDeadWorkers(rctx, w.DeadAfter)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Warn("could not look for dead workers", "worker", w.Name, "err", err)
		}
		return
	}
	if len(r.Workers) == 0 {
		return
	}
	w.Log.Warn("dead delivery workers found; their deliveries are taken over", "worker", w.Name, "dead", r.Workers, "deliveries", r.Deliveries)
	if w.Metrics != nil && r.Deliveries > 0 {
		w.Metrics.TakenOver(r.Deliveries)
	}
	w.Kick()
}
