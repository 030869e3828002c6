package outbox

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
)

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
