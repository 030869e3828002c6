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
	if t == nil || t.SlackFallbackFrom == nil {
		return ""
	}
	code := deref(t.SlackFallbackReason)
	why := i18n.M("routing.fallback.code", i18n.Args{"Code": code})
	switch FallbackReason(code) {
	case FallbackArchived:
		why = i18n.M("routing.fallback.archived")
	case FallbackNotInChannel:
		why = i18n.M("routing.fallback.not_in_channel")
	case FallbackNotFound:
		why = i18n.M("routing.fallback.not_found")
	}
	return p.T("routing.fallback.note", i18n.Args{"From": ChannelRef(*t.SlackFallbackFrom), "Why": why})
}

// FallbackReason maps a Slack error code that made a routed channel give
// way to the default one onto the reason label of
// jayaya_routing_fallbacks_total; "" for a code that does not mean the
// channel is unusable.
func FallbackReason(slackCode string) string {
	switch slackCode {
	case "is_archived", "channel_is_archived":
		return FallbackArchived
	case "not_in_channel":
		return FallbackNotInChannel
	case "channel_not_found":
		return FallbackNotFound
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
