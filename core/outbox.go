package core

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

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
