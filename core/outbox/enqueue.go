package outbox

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
)

// Tx is one transaction of Worker.InTx: the bun.Tx for store calls
// (Bun) and the one way to queue deliveries (Enqueue). What it queued is
// announced only after it commits.
type Tx struct {
	tx       bun.Tx
	w        *Worker
	leased   []*core.Delivery // leased to w, handed to it after the commit
	behind   []string         // streams where deliveries wait behind one w holds
	unleased int              // deliveries left for a claim
	// deferring: Enqueue only collects into deferred, for the batch
	// recorder to queue all at once.
	deferring bool
	deferred  []*core.Delivery
	tok       token // the liveness token of the leases it took
}

// Bun returns the database transaction, for store calls that take one.
func (t *Tx) Bun() bun.Tx { return t.tx }

// maxHanded bounds the hand-offs waiting for a free slot; past it new
// deliveries wait for a claim instead, so that none waits long enough on
// a lease for its lease to matter.
func (w *Worker) maxHanded() int { return 4 * w.Concurrency }

// InTx runs fn in one transaction. Deliveries fn queues with tx.Enqueue
// that can leave at once are leased to this worker in that transaction
// and sent by it right after the commit, without a claim; the others
// wait for a claim, and every replica's worker is woken (Announce, Kick)
// once the transaction has committed. A worker that is not running (or
// has no Sender for a delivery's platform) leases nothing: it only
// queues and announces. It returns fn's error or the database's.
func (w *Worker) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return w.inTx(ctx, false, fn)
}

// inTx is InTx, without waiting for the disk sync at commit when noSync.
func (w *Worker) inTx(ctx context.Context, noSync bool, fn func(ctx context.Context, tx *Tx) error) error {
	w.init()
	var t *Tx
	run := func(ctx context.Context, tx bun.Tx) error {
		t = &Tx{tx: tx, w: w} // afresh on each attempt
		return fn(ctx, t)
	}
	var err error
	if noSync {
		err = w.Store.InTxNoSync(ctx, run)
	} else {
		err = w.Store.InTx(ctx, run)
	}
	if err != nil || t == nil {
		return err
	}
	w.committed(ctx, t)
	return nil
}

// committed passes on what a committed transaction queued: the
// deliveries it leased go to the worker, and the others are announced.
func (w *Worker) committed(ctx context.Context, t *Tx) {
	w.noteLeases(t.leased, t.tok)
	w.handOff(t.leased)
	if free := w.waitBehind(t.behind); len(free) > 0 {
		// What they were queued behind finished meanwhile: take their
		// streams' heads now, one statement, rather than a claim over
		// the whole outbox (claimHeads notes their lease tokens).
		ds, err := w.claimHeads(ctx, free)
		if err != nil {
			w.Kick()
		}
		w.handOff(ds)
	}
	if t.unleased > 0 {
		Announce(w.Store)
		w.Kick()
	}
}

// Enqueue queues deliveries in the transaction. When the worker is
// running, the first delivery of each idle stream it sends is leased to
// it and sent right after the commit; the others wait for a claim. In
// the transaction recording a batch of outcomes (the OnDone hooks of
// several deliveries), the deliveries are only collected and inserted
// together at its end: a hook cannot read back what it queued, nor the
// ID it gets.
func (t *Tx) Enqueue(ctx context.Context, ds ...*core.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	if t.deferring {
		t.deferred = append(t.deferred, ds...)
		return nil
	}
	w, st := t.w, t.w.Store
	if !w.running.Load() || w.handedLen() >= w.maxHanded() {
		t.unleased += len(ds)
		return st.EnqueueTx(ctx, t.tx, ds...)
	}
	if t.tok.until.IsZero() {
		t.tok = w.live.token(w.Lease)
	}
	q, err := st.EnqueueLeasedTx(ctx, t.tx, w.Name, st.Now().Add(w.Lease), w.sends, ds...)
	if err != nil {
		return err
	}
	t.leased = append(t.leased, q.Leased...)
	t.behind = append(t.behind, q.Behind...)
	t.unleased += q.Waiting
	return nil
}

// flushDeferred queues what Enqueue collected while deferring.
func (t *Tx) flushDeferred(ctx context.Context) error {
	t.deferring = false
	ds := t.deferred
	t.deferred = nil
	return t.Enqueue(ctx, ds...)
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
