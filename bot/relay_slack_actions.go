package bot

import (
	"context"
	"strconv"

	"github.com/jayaya/jayayacrm/core"
)

// Button actions of the ticket card staff see in Slack. The button's value
// is the ticket ID.
const (
	ActionTicketClose  = "ticket.close"
	ActionTicketReopen = "ticket.reopen"
)

// RegisterTicketActions handles the ticket card's Close and Reopen
// buttons (every "ticket.*" action) on r: they call relay.SetStatus as the
// staff user who pressed them, which updates the card in place, posts the
// closing or reopening line in both threads and archives and locks (or
// reopens) the Discord thread. The presser gets a short ephemeral answer.
func RegisterTicketActions(r *Router, relay *Relay) {
	r.HandleAction("ticket", func(ctx context.Context, c *Call, action, value string) Reply {
		return ticketAction(ctx, r, relay, c, action, value)
	})
}

func ticketAction(ctx context.Context, r *Router, relay *Relay, c *Call, action, value string) Reply {
	p := c.P
	status := ""
	switch action {
	case ActionTicketClose:
		status = core.TicketClosed
	case ActionTicketReopen:
		status = core.TicketOpen
	default:
		return Reply{Text: p.T("crm.button_gone")}
	}
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		return Reply{Text: p.T("crm.ticket.button_bad")}
	}
	changed, err := relay.SetStatus(ctx, id, status, c.User)
	if err != nil {
		return r.ErrorReply(p, err)
	}
	t, err := r.Store.Ticket(ctx, id)
	if err != nil {
		return r.ErrorReply(p, err)
	}
	return Reply{Text: statusReply(p, ticketLabel(t), status, changed)}
}
