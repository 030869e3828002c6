package outbox

import (
	"context"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// handoff is a delivery a transaction of this process leased to the
// worker (EnqueueLeasedTx), with the time of the lease.
type handoff struct {
	d  *core.Delivery
	at time.Time
}

// handOff gives the worker deliveries leased to it (their lease tokens
// noted: noteLeases).
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
		delete(w.tokens, h.d.ID)
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
	tok := w.live.token(w.Lease)
	ds, err := w.Store.ClaimStreamHeads(cctx, w.Name, streams, w.Lease)
	if err != nil {
		w.Log.Warn("claim the next deliveries of streams", "streams", streams, "err", err)
	}
	w.noteLeases(ds, tok)
	return ds, err
}

// noteLeases keeps the liveness token under which deliveries were leased
// to the worker, for the sends that follow (guardOf).
func (w *Worker) noteLeases(ds []*core.Delivery, tok token) {
	if len(ds) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.tokens == nil {
		w.tokens = map[int64]token{}
	}
	for _, d := range ds {
		w.tokens[d.ID] = tok
	}
}

// guardOf takes the lease token of d for its send; a delivery with none
// (never expected) gets one that holds nothing.
func (w *Worker) guardOf(d *core.Delivery) guard {
	w.mu.Lock()
	defer w.mu.Unlock()
	tok, ok := w.tokens[d.ID]
	delete(w.tokens, d.ID)
	if !ok {
		tok = token{epoch: ^uint64(0)}
	}
	return guard{live: w.live, tok: tok}
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
	w.guardOf(d)
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
		delete(w.tokens, h.d.ID)
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
