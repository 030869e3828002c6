package outbox

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

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
	sctx, cancel := context.WithTimeout(withLease(base, w.guardOf(d)), w.SendTimeout)
	remoteID, err := w.send(sctx, log, s, d)
	cancel()
	var retry *RetryAfterError
	switch {
	case errors.Is(err, ErrLeaseLost):
		// Put back as a failed attempt (still counted): whoever sends it
		// next looks for what this one may have left. If another worker
		// holds it already, this changes nothing.
		log.Warn("delivery not sent: this worker's lease on it may be lost (paused or cut off)")
		w.count(d, OutcomeRetry)
		if _, rerr := w.Store.RetryDelivery(base, d.ID, w.Name, time.Now(), err.Error()); rerr != nil {
			log.Error("record retry", "err", rerr)
		}
		return outcome{again: true}
	case err == nil:
		reply := make(chan completed, 1)
		w.completions <- completion{d: d, remoteID: remoteID, log: log, reply: reply, hook: w.kind(d.Kind).OnDone != nil}
		r := <-reply
		w.count(d, OutcomeDone)
		// The recorder took the stream's next delivery already.
		return outcome{next: r.next, again: kicked() || r.retake}
	case IsPermanent(err):
		log.Warn("delivery parked", "err", err)
		reason := err.Error()
		w.record(base, log, func(ctx context.Context, tx *Tx) (bool, error) {
			held, err := w.Store.ParkDeliveryTx(ctx, tx.Bun(), d.ID, w.Name, reason)
			if onParked := w.kind(d.Kind).OnParked; err == nil && held && onParked != nil {
				err = onParked(ctx, tx, d, reason)
			}
			return held, err
		})
		w.count(d, OutcomeParked)
		return outcome{again: true}
	case errors.As(err, &retry):
		at := time.Now().Add(retry.After)
		w.count(d, OutcomeRetry)
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
		w.count(d, OutcomeRetry)
		log.Warn("delivery failed; will retry", "err", err, "retry_at", at)
		if _, rerr := w.Store.RetryDelivery(base, d.ID, w.Name, at, err.Error()); rerr != nil {
			log.Error("record retry", "err", rerr)
		}
		return outcome{retryAt: at, again: kicked()}
	}
}

// send hands d to its sender, unless it is stale (its kind's Stale):
// then nothing is sent and it completes without a remote ID. What its
// kind's Prepare makes of it is sent instead; when that carries merged
// deliveries too, d's payload becomes the merged one, for the hooks that
// record its outcome.
func (w *Worker) send(ctx context.Context, log *slog.Logger, s Sender, d *core.Delivery) (string, error) {
	k := w.kind(d.Kind)
	if k.Stale != nil {
		stale, err := k.Stale(ctx, d)
		if err != nil {
			log.Warn("could not tell whether a delivery is stale; sending it", "err", err)
		}
		if stale {
			log.Debug("delivery superseded by a later one; skipped")
			return "", nil
		}
	}
	out := d
	if k.Prepare != nil {
		send, merged, err := k.Prepare(ctx, d)
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
				if w.Metrics != nil {
					w.Metrics.Merged(d, len(merged))
				}
			}
		case send != nil:
			out = send
		}
	}
	// The last look before the platform: the platform client looks again
	// before each of its requests (LeaseHeld).
	if err := LeaseHeld(ctx); err != nil {
		return "", err
	}
	return s.Deliver(ctx, out)
}
