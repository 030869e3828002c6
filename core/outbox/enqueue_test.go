package outbox

import (
	"context"
	"errors"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestInTxAnnouncesAfterCommitOnly: deliveries queued with tx.Enqueue
// wake the workers once the transaction has committed, never while it
// runs, and not at all when it rolls back (then nothing is queued).
func TestInTxAnnouncesAfterCommitOnly(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		w := NewWorker(st, nil) // not running: it only queues and announces
		d := func() *core.Delivery {
			return &core.Delivery{Stream: "ticket:1:discord", Kind: "discord.notice", Platform: core.PlatformDiscord}
		}

		errRollback := errors.New("roll back")
		err := w.InTx(ctx, func(ctx context.Context, tx *Tx) error {
			if err := tx.Enqueue(ctx, d()); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx: %v, want the rollback error", err)
		}
		if n := w.kicks.Load(); n != 0 {
			t.Errorf("a rolled-back transaction woke the worker %d times", n)
		}

		err = w.InTx(ctx, func(ctx context.Context, tx *Tx) error {
			if err := tx.Enqueue(ctx, d(), d()); err != nil {
				return err
			}
			if n := w.kicks.Load(); n != 0 {
				t.Errorf("the worker was woken %d times before the commit", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := w.kicks.Load(); n != 1 {
			t.Errorf("the worker was woken %d times after the commit, want 1", n)
		}
		stats, err := st.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Pending != 2 {
			t.Errorf("%d deliveries pending, want the 2 committed", stats.Pending)
		}

		// A transaction that queues nothing wakes nobody.
		if err := w.InTx(ctx, func(ctx context.Context, tx *Tx) error { return tx.Enqueue(ctx) }); err != nil {
			t.Fatal(err)
		}
		if n := w.kicks.Load(); n != 1 {
			t.Errorf("an empty transaction woke the worker: %d wake-ups", n)
		}
	})
}
