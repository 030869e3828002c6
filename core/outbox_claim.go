package core

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

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
