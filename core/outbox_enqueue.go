package core

import (
	"context"
	"database/sql"
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
