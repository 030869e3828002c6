package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestEnqueueLeasedConcurrentTransactionsLeaseOnce has two transactions
// queue in one idle stream at once on PostgreSQL: the first holds its
// transaction open until the second has called EnqueueLeasedTx, so neither
// sees the other's row unless the stream lock makes the second wait.
// Exactly one delivery may end up leased.
func TestEnqueueLeasedConcurrentTransactionsLeaseOnce(t *testing.T) {
	for _, second := range []string{"w1", "w2"} {
		t.Run("second by "+second, func(t *testing.T) {
			st := coretest.MustOpenPostgres(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			until := time.Now().Add(time.Minute)
			const stream = "ticket:7"

			type result struct {
				q   core.Queued
				err error
			}
			firstLeased := make(chan result, 1)
			commitFirst := make(chan struct{})
			firstDone := make(chan error, 1)
			d1 := newDelivery(stream, `{"n":1}`)
			go func() {
				tx, err := st.DB.BeginTx(ctx, nil)
				if err != nil {
					firstLeased <- result{err: err}
					return
				}
				q, err := st.EnqueueLeasedTx(ctx, tx, "w1", until, leaseAll, d1)
				firstLeased <- result{q, err}
				if err != nil {
					tx.Rollback()
					return
				}
				<-commitFirst
				firstDone <- tx.Commit()
			}()
			r1 := <-firstLeased
			if r1.err != nil {
				t.Fatal(r1.err)
			}

			secondStarted := make(chan struct{})
			secondLeased := make(chan result, 1)
			d2 := newDelivery(stream, `{"n":2}`)
			go func() {
				tx, err := st.DB.BeginTx(ctx, nil)
				if err != nil {
					close(secondStarted)
					secondLeased <- result{err: err}
					return
				}
				close(secondStarted)
				q, err := st.EnqueueLeasedTx(ctx, tx, second, until, leaseAll, d2)
				if err == nil {
					err = tx.Commit()
				} else {
					tx.Rollback()
				}
				secondLeased <- result{q, err}
			}()
			<-secondStarted
			// Let the second transaction get as far as it can: either it
			// waits on the stream's lock, or (no lock) it is done already.
			var r2 *result
			deadline := time.Now().Add(10 * time.Second)
			for r2 == nil {
				select {
				case r := <-secondLeased:
					r2 = &r
					continue
				default:
				}
				var waiting int
				if err := st.DB.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
					WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&waiting); err != nil {
					t.Fatal(err)
				}
				if waiting > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the second transaction neither waits on a lock nor finishes")
				}
				time.Sleep(5 * time.Millisecond)
			}
			close(commitFirst)
			if err := <-firstDone; err != nil {
				t.Fatal(err)
			}
			if r2 == nil {
				r := <-secondLeased
				r2 = &r
			}
			if r2.err != nil {
				t.Fatal(r2.err)
			}

			var leased int
			if err := st.DB.QueryRowContext(ctx, "SELECT count(*) FROM deliveries WHERE stream = ? AND locked_by <> ''", stream).Scan(&leased); err != nil {
				t.Fatal(err)
			}
			if leased != 1 {
				t.Fatalf("%d deliveries of one stream leased by concurrent transactions, want 1 (first leased %v, second leased %v)", leased, ids(r1.q.Leased), ids(r2.q.Leased))
			}
			if len(r1.q.Leased) != 1 || r1.q.Leased[0].ID != d1.ID {
				t.Fatalf("first transaction: %+v, want d1 leased", r1.q)
			}
			if len(r2.q.Leased) != 0 {
				t.Fatalf("second transaction leased %d behind the first's %d", d2.ID, d1.ID)
			}
			if second == "w1" && (len(r2.q.Behind) != 1 || r2.q.Waiting != 0) {
				t.Fatalf("second transaction of the same worker: %+v, want Behind [%s]", r2.q, stream)
			}
			if second == "w2" && (len(r2.q.Behind) != 0 || r2.q.Waiting != 1) {
				t.Fatalf("second transaction of another worker: %+v, want Waiting 1", r2.q)
			}
			wantUnleased(t, st, d2.ID)
		})
	}
}
