package core

import (
	"context"
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
