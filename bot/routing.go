package bot

import "github.com/jayaya/jayayacrm/core"

// TicketChannel is the Slack channel holding a ticket's thread, as a
// channel reference (ChannelRef), "" while it has none.
func TicketChannel(t *core.Ticket) string {
	if t == nil || t.SlackChannelID == nil || *t.SlackChannelID == "" {
		return ""
	}
	return ChannelRef(*t.SlackChannelID)
}

// FallbackNote says why a ticket is not in the channel it was routed to
// (core.Store.RerouteTicket), "" when it is.
func FallbackNote(t *core.Ticket) string {
	if t == nil || t.SlackFallbackFrom == nil {
		return ""
	}
	why := "Slack answered " + deref(t.SlackFallbackReason)
	switch FallbackReason(deref(t.SlackFallbackReason)) {
	case FallbackArchived:
		why = "it is archived"
	case FallbackNotInChannel:
		why = "the bot is not a member of it"
	case FallbackNotFound:
		why = "it was not found (deleted, or private without the bot)"
	}
	return "Routed to " + ChannelRef(*t.SlackFallbackFrom) + ", but the bot cannot post there (" + why + "): opened in the default channel instead."
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
