package outbox

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// record runs fn in a transaction (deliveries it queues with Enqueue
// go to this worker or, when they wait behind others, are announced to
// every replica after the commit), retrying a few times on database
// errors: the send already happened, so losing its outcome would send it
// again once the lease runs out.
func (w *Worker) record(ctx context.Context, log *slog.Logger, fn func(ctx context.Context, tx *Tx) (held bool, err error)) {
	var held bool
	err := retryRecord(func() error {
		// The outcome of a send is recorded without waiting for the disk
		// sync. Only a crash of PostgreSQL itself (not of this process) in
		// the next instant can undo it; the delivery is then sent again
		// when its lease ends, exactly as after a crash of this process
		// between the send and this record. Slack posts find their earlier
		// copy by message metadata and Discord notices carry nonces; a
		// Discord webhook post has no such key and could repeat.
		return w.inTx(ctx, true, func(ctx context.Context, tx *Tx) error {
			var err error
			held, err = fn(ctx, tx)
			return err
		})
	})
	switch {
	case err != nil:
		log.Error("cannot record delivery outcome; it will be retried when its lease ends", "err", err)
	case !held:
		log.Warn("delivery lease lost before its outcome was recorded (another worker took it over)")
	default:
		log.Debug("delivery outcome recorded")
	}
}

// recordTries is how many times an outcome is tried before it is left
// for the lease to end.
const recordTries = 5

// retryRecord runs fn until it succeeds or has failed recordTries times,
// waiting 50 ms, then twice as long after each failure. It returns the
// last error.
func retryRecord(fn func() error) error {
	delay := 50 * time.Millisecond
	for try := 1; ; try++ {
		err := fn()
		if err == nil || try == recordTries {
			return err
		}
		time.Sleep(delay)
		delay *= 2
	}
}

// recordOne records one delivery sent (record), with its kind's OnDone.
// It reports whether the worker still held it and whether its stream
// holds more.
func (w *Worker) recordOne(ctx context.Context, log *slog.Logger, d *core.Delivery, remoteID string) (held, more bool) {
	w.record(ctx, log, func(ctx context.Context, tx *Tx) (bool, error) {
		var err error
		held, more, err = w.Store.CompleteDeliveryTx(ctx, tx.Bun(), d.ID, w.Name, remoteID)
		if onDone := w.kind(d.Kind).OnDone; err == nil && held && onDone != nil {
			err = onDone(ctx, tx, d, remoteID)
		}
		return held, err
	})
	return held, more
}

// completion is a delivery sent, to be recorded done by the batch
// recorder, which answers on reply. hook: its kind has an OnDone.
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
// as many per statement (or, when their kinds have an OnDone, per
// transaction) as have arrived while the previous one ran.
func (w *Worker) recordCompletions() {
	for c := range w.completions {
		w.recordBatch(w.gather(c))
	}
}

// gather returns c with the completions that arrived meanwhile, up to
// 256, without waiting for more.
func (w *Worker) gather(c completion) []completion {
	batch := []completion{c}
	for len(batch) < 256 {
		select {
		case c, ok := <-w.completions:
			if !ok {
				return batch
			}
			batch = append(batch, c)
		default:
			return batch
		}
	}
	return batch
}

// recordBatch records a batch of completions, takes the next delivery of
// the streams that hold more, and answers each completion.
func (w *Worker) recordBatch(batch []completion) {
	ids := make([]int64, len(batch))
	remote := make([]string, len(batch))
	for i, c := range batch {
		ids[i], remote[i] = c.d.ID, c.remoteID
	}
	var held map[int64]bool
	oneByOne := false // each outcome logged by record already
	if slices.ContainsFunc(batch, func(c completion) bool { return c.hook }) {
		held, oneByOne = w.recordHooked(batch, ids, remote)
	} else {
		held = w.recordPlain(ids, remote)
	}
	// The streams that hold more take their next delivery, all in one
	// statement.
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

// recordPlain records a batch of completions with no work for OnDone,
// in one statement (retryRecord). It returns, for each delivery the
// worker still held, whether its stream holds more; nil when it could
// not record them.
func (w *Worker) recordPlain(ids []int64, remote []string) map[int64]bool {
	var held map[int64]bool
	err := retryRecord(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), w.SendTimeout)
		defer cancel()
		var err error
		held, err = w.Store.CompleteDeliveries(ctx, w.Name, ids, remote)
		return err
	})
	if err != nil {
		w.Log.Error("cannot record delivery outcomes; they will be retried when their leases end", "deliveries", len(ids), "err", err)
	}
	return held
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
	err := w.inTx(ctx, true, func(ctx context.Context, tx *Tx) error {
		var err error
		if held, err = w.Store.CompleteDeliveriesTx(ctx, tx.Bun(), w.Name, ids, remote); err != nil {
			return err
		}
		tx.deferring = true
		for _, c := range batch {
			onDone := w.kind(c.d.Kind).OnDone
			if _, ok := held[c.d.ID]; !ok || onDone == nil {
				continue
			}
			if err := onDone(ctx, tx, c.d, c.remoteID); err != nil {
				return err
			}
		}
		return tx.flushDeferred(ctx)
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
			if ok, more := w.recordOne(context.Background(), c.log, c.d, c.remoteID); ok {
				mu.Lock()
				held[c.d.ID] = more
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return held, true
}
