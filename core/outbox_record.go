package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// finishDelivery updates a delivery that worker still holds; it reports
// false when the lease was lost (another worker took it over).
func (s *Store) finishDelivery(ctx context.Context, tx bun.IDB, id int64, worker string, set func(q *bun.UpdateQuery) *bun.UpdateQuery) (bool, error) {
	if tx == nil {
		tx = s.DB
	}
	q := tx.NewUpdate().Model((*Delivery)(nil)).
		Set("locked_until = NULL").Set("locked_by = ''").Set("updated_at = ?", s.now()).
		Where("id = ? AND locked_by = ? AND status = ?", id, worker, DeliveryPending)
	res, err := set(q).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CompleteDelivery marks a claimed delivery sent, with the ID the platform
// gave it. Run it in tx to record related changes (such as the message's
// target ID) atomically; tx may be nil. It reports false when worker no
// longer held the delivery.
func (s *Store) CompleteDelivery(ctx context.Context, tx bun.IDB, id int64, worker, remoteID string) (bool, error) {
	return s.finishDelivery(ctx, tx, id, worker, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("status = ?", DeliveryDone).Set("done_at = ?", s.now()).Set("remote_id = ?", remoteID).Set("last_error = ''")
	})
}

// RetryDelivery gives a claimed delivery back, to be tried again at at.
func (s *Store) RetryDelivery(ctx context.Context, id int64, worker string, at time.Time, reason string) (bool, error) {
	return s.finishDelivery(ctx, nil, id, worker, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("next_attempt_at = ?", at.UTC()).Set("last_error = ?", truncate(reason, 1000))
	})
}

// DeferDelivery gives back a claimed delivery whose attempt reached
// nothing (the platform refused the call outright, or pacing held it
// back), to be tried again at at. The attempt is not counted, so the next
// one does not look for what this one left (MayHaveBeenTried).
func (s *Store) DeferDelivery(ctx context.Context, id int64, worker string, at time.Time, reason string) (bool, error) {
	return s.finishDelivery(ctx, nil, id, worker, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("next_attempt_at = ?", at.UTC()).Set("last_error = ?", truncate(reason, 1000)).
			Set("attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END")
	})
}

// LaterPending returns up to limit pending deliveries queued in stream
// after the delivery after, oldest first, only those of kind unless kind
// is "": what may be coalesced with it, or makes it stale.
func (s *Store) LaterPending(ctx context.Context, stream string, after int64, kind string, limit int) ([]*Delivery, error) {
	var out []*Delivery
	q := s.DB.NewSelect().Model(&out).Where("stream = ? AND status = ? AND id > ?", stream, DeliveryPending, after)
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	err := q.OrderExpr("id").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// MergeDeliveries coalesces deliveries queued behind a claimed one into
// it, in one transaction: the head (which worker must hold) gets payload,
// which carries the followers too, and each follower (pending, queued
// after the head in its stream, held by no other worker) is recorded done,
// merged into the head. So a retry of the head after a crash sends the
// same combined payload, and no follower is ever sent on its own as well.
// It reports false, changing nothing, when the head is no longer worker's
// or a follower is no longer free.
func (s *Store) MergeDeliveries(ctx context.Context, worker string, head int64, payload string, followers []int64) (bool, error) {
	merged := false
	// With the disk sync: a merge lost to a crash of the database after
	// its post went out would send the followers again on their own.
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		merged = false
		now := s.now()
		res, err := tx.NewUpdate().Model((*Delivery)(nil)).Set("payload = ?", payload).Set("updated_at = ?", now).
			Where("id = ? AND locked_by = ? AND status = ?", head, worker, DeliveryPending).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		res, err = tx.NewUpdate().Model((*Delivery)(nil)).
			Set("status = ?", DeliveryDone).Set("done_at = ?", now).Set("updated_at = ?", now).
			Set("remote_id = ''").Set("last_error = ?", fmt.Sprintf("merged into delivery %d", head)).
			Where("id IN (?) AND id > ? AND status = ?", bun.In(followers), head, DeliveryPending).
			Where("(locked_until IS NULL OR locked_until < ?)", now).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != int64(len(followers)) {
			return errMergeLost
		}
		merged = true
		return nil
	})
	if errors.Is(err, errMergeLost) {
		return false, nil
	}
	return merged, err
}

// errMergeLost rolls back a merge whose followers were not all free.
var errMergeLost = errors.New("merge: a follower is no longer free")

// ParkDelivery sets a claimed delivery aside for good (it can never
// succeed), keeping the reason for staff to see.
func (s *Store) ParkDelivery(ctx context.Context, id int64, worker, reason string) (bool, error) {
	return s.finishDelivery(ctx, nil, id, worker, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("status = ?", DeliveryParked).Set("last_error = ?", truncate(reason, 1000))
	})
}

// RequeueDelivery puts a parked delivery back in line, due now, for
// another try (from the admin panel). Errors: ENOTFOUND, ECONFLICT (not
// parked).
func (s *Store) RequeueDelivery(ctx context.Context, id int64) error {
	res, err := s.DB.NewUpdate().Model((*Delivery)(nil)).
		Set("status = ?", DeliveryPending).Set("next_attempt_at = ?", s.now()).Set("attempts = 0").
		Set("updated_at = ?", s.now()).
		Where("id = ? AND status = ?", id, DeliveryParked).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Delivery(ctx, id); err != nil {
			return err
		}
		return E(ECONFLICT, "core.delivery.not_parked")
	}
	return nil
}

// CompleteDeliveryTx is CompleteDelivery inside the caller's transaction
// that also reports whether the delivery's stream holds other pending
// deliveries (the next one may now be claimed).
func (s *Store) CompleteDeliveryTx(ctx context.Context, tx bun.IDB, id int64, worker, remoteID string) (held, more bool, err error) {
	if isPG(tx) {
		done, err := s.CompleteDeliveriesTx(ctx, tx, worker, []int64{id}, []string{remoteID})
		more, held = done[id]
		return held, more, err
	}
	now := s.now()
	res, err := tx.NewUpdate().Model((*Delivery)(nil)).
		Set("locked_until = NULL").Set("locked_by = ''").Set("updated_at = ?", now).
		Set("status = ?", DeliveryDone).Set("done_at = ?", now).Set("remote_id = ?", remoteID).Set("last_error = ''").
		Where("id = ? AND locked_by = ? AND status = ?", id, worker, DeliveryPending).Exec(ctx)
	if err != nil {
		return false, false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, false, nil
	}
	more, err = tx.NewSelect().Model((*Delivery)(nil)).
		Where("status = ? AND stream = (SELECT stream FROM deliveries WHERE id = ?)", DeliveryPending, id).Exists(ctx)
	return err == nil, more, err
}

// CompleteDeliveries marks deliveries worker holds sent, with the IDs the
// platform gave them (remoteIDs[i] for ids[i]), in one statement on
// PostgreSQL. It returns, for each delivery worker still held, whether its
// stream holds other pending deliveries; a missing ID had lost its lease.
func (s *Store) CompleteDeliveries(ctx context.Context, worker string, ids []int64, remoteIDs []string) (map[int64]bool, error) {
	if s.engine != EnginePostgres {
		var out map[int64]bool
		err := s.InTxNoSync(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			out, err = s.CompleteDeliveriesTx(ctx, tx, worker, ids, remoteIDs)
			return err
		})
		return out, err
	}
	return s.CompleteDeliveriesTx(ctx, s.noSync(), worker, ids, remoteIDs)
}

// CompleteDeliveriesTx is CompleteDeliveries on db, a transaction that
// also records what the completions cause.
func (s *Store) CompleteDeliveriesTx(ctx context.Context, db bun.IDB, worker string, ids []int64, remoteIDs []string) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if !isPG(db) {
		for i, id := range ids {
			held, more, err := s.CompleteDeliveryTx(ctx, db, id, worker, remoteIDs[i])
			if err != nil {
				return nil, err
			}
			if held {
				out[id] = more
			}
		}
		return out, nil
	}
	rows, err := pgQuery(ctx, db, pgCompleteDeliveries, ids, worker, s.now(), remoteIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var more bool
		if err := rows.Scan(&id, &more); err != nil {
			return nil, err
		}
		out[id] = more
	}
	return out, rows.Err()
}

// pgCompleteDeliveries is the statement of CompleteDeliveries and
// CompleteDeliveryTx on PostgreSQL.
// It, like pgClaimStreamHeads, finds its rows by ID and tests the status
// through a concatenation,
//
//	d.status || '' = 'pending'
//
// so that no plan walks the pending rows' partial indexes (their
// predicate matches "status = 'pending'") instead: a cost that would grow
// with the backlog.
// The rows of one call are of different streams (a worker holds one
// delivery per stream at a time), so no row's EXISTS sees another row of
// the call.
const pgCompleteDeliveries = `UPDATE deliveries AS d
SET locked_until = NULL, locked_by = '', updated_at = $3, status = 'done', done_at = $3,
	remote_id = ($4::text[])[array_position($1::bigint[], d.id)], last_error = ''
WHERE d.id = ANY ($1::bigint[]) AND d.locked_by = $2 AND d.status || '' = 'pending'
RETURNING d.id, EXISTS (SELECT 1 FROM deliveries AS e WHERE e.stream = d.stream AND e.status = 'pending' AND e.id <> d.id)`

// ReleaseDeliveries gives back deliveries worker leased but will not send
// (it is stopping), so that any worker may claim them at once rather than
// when the lease ends.
func (s *Store) ReleaseDeliveries(ctx context.Context, worker string, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.noSync().NewUpdate().Model((*Delivery)(nil)).
		Set("locked_until = NULL").Set("locked_by = ''").Set("attempts = attempts - 1").Set("updated_at = ?", s.now()).
		Where("id IN (?) AND locked_by = ? AND status = ?", bun.In(ids), worker, DeliveryPending).Exec(ctx)
	return err
}
