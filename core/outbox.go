package core

import (
	"cmp"
	"context"
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

// Delivery returns one outbox row. Errors: ENOTFOUND.
func (s *Store) Delivery(ctx context.Context, id int64) (*Delivery, error) {
	d := new(Delivery)
	err := s.DB.NewSelect().Model(d).Where("id = ?", id).Scan(ctx)
	if err != nil {
		return nil, Errorf(ENOTFOUND, "No such delivery.")
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
	var oldest []time.Time
	if err := s.DB.NewSelect().Model((*Delivery)(nil)).Column("created_at").Where("status = ?", DeliveryPending).
		OrderExpr("created_at").Limit(1).Scan(ctx, &oldest); err != nil {
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
	sub := s.DB.NewSelect().TableExpr("deliveries AS d").Column("d.id").
		Where("d.status = ?", DeliveryPending).
		Where("d.next_attempt_at <= ?", now).
		Where("(d.locked_until IS NULL OR d.locked_until < ?)", now).
		Where("NOT EXISTS (SELECT 1 FROM deliveries AS e WHERE e.stream = d.stream AND e.id < d.id AND e.status = ?)", DeliveryPending).
		OrderExpr("d.id").Limit(int64(limit))
	if len(platforms) > 0 {
		sub = sub.Where("d.platform IN (?)", bun.In(platforms))
	}
	if s.engine == EnginePostgres {
		sub = sub.For("UPDATE SKIP LOCKED")
	}
	var out []*Delivery
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
		return Errorf(ECONFLICT, "Only a parked delivery can be retried.")
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
