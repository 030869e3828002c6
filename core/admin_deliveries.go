package core

import (
	"context"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// RetryDeliveryAs puts a parked delivery of a ticket back in line on behalf
// of a staff user, and records it in the audit log. Errors: ENOTFOUND (no
// such delivery on this ticket), ECONFLICT (not parked).
func (s *Store) RetryDeliveryAs(ctx context.Context, a Actor, ticketID, deliveryID int64) error {
	d, err := s.Delivery(ctx, deliveryID)
	if err != nil {
		return err
	}
	if d.TicketID == nil || *d.TicketID != ticketID {
		return E(ENOTFOUND, "core.delivery.not_on_ticket")
	}
	if err := s.RequeueDelivery(ctx, deliveryID); err != nil {
		return err
	}
	return s.RecordAudit(ctx, nil, a.entry(AuditDeliveryRetry, "delivery", d.ID, d.Kind,
		i18n.M("audit.delivery.retried", i18n.Args{"Stream": d.Stream, "Error": clipText(d.LastError, 500)})))
}
