package bot

import (
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// TicketChannel is the Slack channel holding a ticket's thread, as a
// channel reference (ChannelRef), "" while it has none.
func TicketChannel(t *core.Ticket) string {
	if t == nil || t.SlackChannelID == nil || *t.SlackChannelID == "" {
		return ""
	}
	return ChannelRef(*t.SlackChannelID)
}

// FallbackNote says, in p's language, why a ticket is not in the channel
// it was routed to (core.Store.RerouteTicket), "" when it is.
func FallbackNote(p i18n.Printer, t *core.Ticket) string {
	if m, ok := t.SlackFallback(ChannelRef); ok {
		return p.Msg(m)
	}
	return ""
}
