package core

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// EnqueueTx adds deliveries to the outbox inside the caller's transaction,
// pending and due at once. Each needs a Stream (deliveries of one stream
// leave in order), a Kind and a Platform.
func (s *Store) EnqueueTx(ctx context.Context, tx bun.IDB, deliveries ...*Delivery) error {
	if len(deliveries) == 0 {
		return nil
	}
	now := s.now()
	for _, d := range deliveries {
		if d.Stream == "" || d.Kind == "" || d.Platform == "" {
			return Errorf(EINTERNAL, "delivery without stream, kind or platform")
		}
		if d.Payload == "" {
			d.Payload = "{}"
		}
		d.Status = DeliveryPending
		if d.NextAttemptAt.IsZero() {
			d.NextAttemptAt = now
		}
		d.CreatedAt, d.UpdatedAt = now, now
	}
	_, err := tx.NewInsert().Model(&deliveries).Returning("id").Exec(ctx)
	return err
}

// Enqueue adds deliveries to the outbox in a transaction of its own.
func (s *Store) Enqueue(ctx context.Context, deliveries ...*Delivery) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error { return s.EnqueueTx(ctx, tx, deliveries...) })
}

// Delivery returns one outbox row. Errors: ENOTFOUND; a database error
// as it is.
func (s *Store) Delivery(ctx context.Context, id int64) (*Delivery, error) {
	d := new(Delivery)
	err := s.DB.NewSelect().Model(d).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.delivery.not_found")
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// OutboxStats summarises the outbox for metrics and the admin panel.
type OutboxStats struct {
	Pending       int64
	Parked        int64
	OldestPending *time.Time
}

// OutboxStats counts pending and parked deliveries.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	var err error
	if st.Pending, err = s.DB.NewSelect().Model((*Delivery)(nil)).Where("status = ?", DeliveryPending).Count(ctx); err != nil {
		return st, err
	}
	if st.Parked, err = s.DB.NewSelect().Model((*Delivery)(nil)).Where("status = ?", DeliveryParked).Count(ctx); err != nil {
		return st, err
	}
	// IDs grow with creation time, so the first pending ID is the oldest
	// pending delivery, found without reading every pending row.
	var oldest []time.Time
	if err := s.DB.NewSelect().Model((*Delivery)(nil)).Column("created_at").Where("status = ?", DeliveryPending).
		OrderExpr("id").Limit(1).Scan(ctx, &oldest); err != nil {
		return st, err
	}
	if len(oldest) > 0 {
		st.OldestPending = &oldest[0]
	}
	return st, nil
}

// ClaimDeliveries leases up to limit due deliveries for worker, for lease.
// Only the oldest pending delivery of each stream can be claimed, so a
// stream's deliveries leave in order; a delivery leased by another worker
// is skipped until its lease runs out. On PostgreSQL the rows are claimed
// with FOR UPDATE SKIP LOCKED, so several processes never claim one row
// together. platforms, when given, limits the claim to those platforms.
func (s *Store) ClaimDeliveries(ctx context.Context, worker string, limit int, lease time.Duration, platforms ...string) ([]*Delivery, error) {
	if limit <= 0 {
		limit = 10
	}
	now := s.now()
	var out []*Delivery
	if s.engine == EnginePostgres {
		var plats any // NULL: every platform
		if len(platforms) > 0 {
			plats = platforms
		}
		err := s.InTxNoSync(ctx, func(ctx context.Context, tx bun.Tx) error {
			// Walk pending rows in id order and stop at the limit. Without
			// fresh statistics (a burst of reminders, autovacuum off) the
			// planner would rather fetch every pending row and sort them,
			// a cost that grows with the backlog; no other plan avoids a
			// sort.
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_sort = off"); err != nil {
				return err
			}
			rows, err := pgQuery(ctx, tx, pgClaimDeliveries, worker, now.Add(lease), now, plats, limit)
			if err != nil {
				return err
			}
			return tx.NewSelect().DB().ScanRows(ctx, rows, &out)
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(out, func(a, b *Delivery) int { return cmp.Compare(a.ID, b.ID) })
		return out, nil
	}
	sub := s.DB.NewSelect().TableExpr("deliveries AS d").Column("d.id").
		Where("d.status = ?", DeliveryPending).
		Where("d.next_attempt_at <= ?", now).
		Where("(d.locked_until IS NULL OR d.locked_until < ?)", now).
		Where("NOT EXISTS (SELECT 1 FROM deliveries AS e WHERE e.stream = d.stream AND e.id < d.id AND e.status = ?)", DeliveryPending).
		OrderExpr("d.id").Limit(int64(limit))
	if len(platforms) > 0 {
		sub = sub.Where("d.platform IN (?)", bun.In(platforms))
	}
	claim := func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewUpdate().Model((*Delivery)(nil)).
			Set("locked_by = ?", worker).
			Set("locked_until = ?", now.Add(lease)).
			Set("attempts = attempts + 1").
			Set("updated_at = ?", now).
			Where("id IN (?)", sub).
			Returning("*").Exec(ctx, &out)
		return err
	}
	// A lease need not survive a database crash: if it is lost, the row is
	// simply claimed again.
	err := s.InTxNoSync(ctx, func(ctx context.Context, tx bun.Tx) error { return claim(ctx, tx) })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// pgClaimDeliveries is ClaimDeliveries' statement on PostgreSQL.
const pgClaimDeliveries = `UPDATE deliveries
SET locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3
WHERE id IN (
	SELECT d.id FROM deliveries AS d
	WHERE d.status = 'pending' AND d.next_attempt_at <= $3
	  AND (d.locked_until IS NULL OR d.locked_until < $3)
	  AND ($4::text[] IS NULL OR d.platform = ANY ($4::text[]))
	  AND NOT EXISTS (SELECT 1 FROM deliveries AS e WHERE e.stream = d.stream AND e.id < d.id AND e.status = 'pending')
	ORDER BY d.id LIMIT $5
	FOR UPDATE SKIP LOCKED)
RETURNING *`

// MayHaveBeenTried reports whether an earlier attempt of d may have
// reached its platform, so that a sender should look there for what it
// left before sending again: d was retried, or queued before the database
// last started (a crash of the database may have lost the claim that
// counted an earlier attempt; the claims of a running database are not
// lost).
func (s *Store) MayHaveBeenTried(ctx context.Context, d *Delivery) (bool, error) {
	if d.Attempts > 1 {
		return true, nil
	}
	started, err := s.DatabaseStartedAt(ctx)
	if err != nil {
		return false, err
	}
	return !d.CreatedAt.After(started), nil
}

// ClaimStreamHead leases to worker the oldest pending delivery of stream
// when it is due and nobody holds it; nil when it is not. A worker that
// finished a stream's delivery takes the next one so, without a claim over
// the whole outbox.
func (s *Store) ClaimStreamHead(ctx context.Context, worker, stream string, lease time.Duration) (*Delivery, error) {
	ds, err := s.ClaimStreamHeads(ctx, worker, []string{stream}, lease)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return ds[0], nil
}

// ClaimStreamHeads is ClaimStreamHead for several streams at once (one
// statement on PostgreSQL). It returns the deliveries it leased, at most
// one per stream.
func (s *Store) ClaimStreamHeads(ctx context.Context, worker string, streams []string, lease time.Duration) ([]*Delivery, error) {
	if len(streams) == 0 {
		return nil, nil
	}
	now := s.now()
	var out []*Delivery
	if s.engine == EnginePostgres {
		rows, err := pgQuery(ctx, s.noSync(), pgClaimStreamHeads, worker, now.Add(lease), now, streams)
		if err != nil {
			return nil, err
		}
		return out, s.DB.ScanRows(ctx, rows, &out)
	}
	err := s.InTxNoSync(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, stream := range streams {
			head := tx.NewSelect().TableExpr("deliveries AS d").Column("d.id").
				Where("d.stream = ? AND d.status = ?", stream, DeliveryPending).OrderExpr("d.id").Limit(1)
			var got []*Delivery
			_, err := tx.NewUpdate().Model((*Delivery)(nil)).
				Set("locked_by = ?", worker).Set("locked_until = ?", now.Add(lease)).
				Set("attempts = attempts + 1").Set("updated_at = ?", now).
				Where("id = (?)", head).Where("next_attempt_at <= ?", now).
				Where("(locked_until IS NULL OR locked_until < ?)", now).
				Returning("*").Exec(ctx, &got)
			if err != nil {
				return err
			}
			out = append(out, got...)
		}
		return nil
	})
	return out, err
}

// pgClaimStreamHeads is ClaimStreamHeads' statement on PostgreSQL.
const pgClaimStreamHeads = `UPDATE deliveries AS u
SET locked_by = $1, locked_until = $2, attempts = u.attempts + 1, updated_at = $3
WHERE u.id = ANY (ARRAY(
	SELECT (SELECT d.id FROM deliveries AS d WHERE d.stream = s.stream AND d.status = 'pending' ORDER BY d.id LIMIT 1)
	FROM unnest($4::text[]) AS s(stream)))
  AND u.status || '' = 'pending' AND u.next_attempt_at <= $3 AND (u.locked_until IS NULL OR u.locked_until < $3)
RETURNING u.*`

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

// TicketDeliveries returns every delivery of a ticket, oldest first.
func (s *Store) TicketDeliveries(ctx context.Context, ticketID int64) ([]*Delivery, error) {
	var out []*Delivery
	return out, s.DB.NewSelect().Model(&out).Where("ticket_id = ?", ticketID).OrderExpr("id").Scan(ctx)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Queued is what EnqueueLeasedTx did with deliveries.
type Queued struct {
	// Leased are the deliveries leased to the worker, in order: each the
	// first of a stream with nothing else pending.
	Leased []*Delivery
	// Behind are the streams whose other new deliveries wait only for a
	// delivery the worker holds: their turn comes when it finishes it.
	Behind []string
	// Waiting counts the new deliveries that wait for anything else: a
	// delivery another worker holds or that waits for a retry or a
	// claim, or a platform the worker does not send to.
	Waiting int
}

// EnqueueLeasedTx is EnqueueTx for a delivery worker that sends what it
// can itself, right after the commit: the first of deliveries in each
// stream that has nothing else pending, and for which lease reports true,
// is inserted already leased to worker until until (attempt 1), so that
// no claim is needed for it.
//
// On PostgreSQL the streams are locked (transaction advisory locks, in a
// fixed order) before they are looked at, so two transactions queuing in
// one stream never both lease their first delivery; a SQLite transaction
// holds the write lock already.
func (s *Store) EnqueueLeasedTx(ctx context.Context, tx bun.IDB, worker string, until time.Time, lease func(*Delivery) bool, deliveries ...*Delivery) (Queued, error) {
	var q Queued
	var streams []string
	for _, d := range deliveries {
		if lease(d) && !slices.Contains(streams, d.Stream) {
			streams = append(streams, d.Stream)
		}
	}
	heads := map[string]streamHead{}
	if len(streams) > 0 {
		slices.Sort(streams)
		found, err := s.streamHeads(ctx, tx, streams)
		if err != nil {
			return q, err
		}
		for _, h := range found {
			heads[h.Stream] = h
		}
	}
	now := s.now()
	until = until.UTC().Truncate(time.Microsecond)
	ours := func(h streamHead) bool {
		return h.LockedBy == worker && h.LockedUntil != nil && h.LockedUntil.After(now)
	}
	for _, d := range deliveries {
		h, pending := heads[d.Stream]
		switch {
		case !lease(d):
			// It waits for a claim, and so do the ones after it in its
			// stream.
			q.Waiting++
			if !pending {
				heads[d.Stream] = streamHead{Stream: d.Stream}
			}
		case !pending:
			heads[d.Stream] = streamHead{Stream: d.Stream, LockedBy: worker, LockedUntil: &until}
			d.LockedBy, d.LockedUntil, d.Attempts = worker, &until, 1
			q.Leased = append(q.Leased, d)
		case ours(h):
			if !slices.Contains(q.Behind, d.Stream) {
				q.Behind = append(q.Behind, d.Stream)
			}
		default:
			q.Waiting++
		}
	}
	if err := s.EnqueueTx(ctx, tx, deliveries...); err != nil {
		return q, err
	}
	return q, nil
}

// streamHead is the oldest pending delivery of a stream: who holds it.
type streamHead struct {
	Stream      string     `bun:"stream"`
	LockedBy    string     `bun:"locked_by"`
	LockedUntil *time.Time `bun:"locked_until"`
}

// streamHeads locks streams (sorted) against other queuing transactions
// and returns their heads. On PostgreSQL both happen in one call of
// jayaya_stream_heads (migration 044).
func (s *Store) streamHeads(ctx context.Context, tx bun.IDB, streams []string) ([]streamHead, error) {
	var out []streamHead
	if isPG(tx) {
		rows, err := pgQuery(ctx, tx, "SELECT head_stream, head_locked_by, head_locked_until FROM jayaya_stream_heads($1)", streams)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var h streamHead
			var until sql.NullTime
			if err := rows.Scan(&h.Stream, &h.LockedBy, &until); err != nil {
				return nil, err
			}
			if until.Valid {
				h.LockedUntil = &until.Time
			}
			out = append(out, h)
		}
		return out, rows.Err()
	}
	err := tx.NewSelect().TableExpr("deliveries AS d").Column("d.stream", "d.locked_by", "d.locked_until").
		Where("d.status = ?", DeliveryPending).Where("d.stream IN (?)", bun.In(streams)).
		Where("NOT EXISTS (SELECT 1 FROM deliveries AS e WHERE e.stream = d.stream AND e.id < d.id AND e.status = ?)", DeliveryPending).
		Scan(ctx, &out)
	return out, err
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
