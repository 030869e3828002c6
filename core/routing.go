package core

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Where a new ticket's Slack thread goes is decided once, when the ticket
// opens, in its transaction, and stored on the ticket (slack_channel_id):
// the first routing rule that matches (company, then interest, then
// Discord support channel), else the overflow policy over the default
// channel and the overflow channels, else the default channel. The thread
// stays there for the ticket's life, except that a routed channel the
// bot can no longer post in when the thread opens gives way to the
// default channel (RerouteTicket).

// How a ticket's Slack channel was chosen when no rule matched it
// (TicketRoute.Kind; otherwise the rule's kind).
const (
	// RouteOverflow: the overflow policy chose among the default and
	// overflow channels.
	RouteOverflow = "overflow"
	// RouteDefault: the default channel (SLACK_STAFF_CHANNEL), no
	// overflow channels configured.
	RouteDefault = "default"
)

// SlackRouting is where new tickets' Slack threads open when no rule
// matches them: Default (SLACK_STAFF_CHANNEL) and, when set, the
// Overflow channels (SLACK_OVERFLOW_CHANNELS) as Policy chooses.
type SlackRouting struct {
	Default  string
	Overflow []string
	Policy   OverflowPolicy
}

// TicketRoute is where a new ticket's Slack thread goes and why: Kind is
// the matching rule's kind (RuleID its ID) or RouteOverflow or
// RouteDefault.
type TicketRoute struct {
	SlackChannel string
	Kind         string
	RuleID       int64
}

// RouteTicketTx decides where a ticket just opened in tx goes and stores
// it on the ticket (and on t): its Discord support channel (discord, ""
// when unknown) and, when Slack is on (slack not nil), its Slack channel
// per the routing rules and slack. Call it after OpenTicketTx in the
// same transaction: OpenTicketTx took the ticket counter, so concurrent
// openings are decided one after the other and each sees the tickets
// placed before it.
func (s *Store) RouteTicketTx(ctx context.Context, tx bun.IDB, t *Ticket, opener *User, discord string, slack *SlackRouting) (TicketRoute, error) {
	var route TicketRoute
	q := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID)
	if discord != "" {
		t.DiscordChannelID = &discord
		q = q.Set("discord_channel_id = ?", discord)
	}
	if slack != nil && slack.Default != "" {
		var err error
		if route, err = s.routeSlack(ctx, tx, t, opener, discord, slack); err != nil {
			return route, err
		}
		t.SlackChannelID = &route.SlackChannel
		q = q.Set("slack_channel_id = ?", route.SlackChannel)
	}
	if discord == "" && t.SlackChannelID == nil {
		return route, nil
	}
	_, err := q.Exec(ctx)
	return route, err
}

// routeSlack chooses a new ticket's Slack channel.
func (s *Store) routeSlack(ctx context.Context, tx bun.IDB, t *Ticket, opener *User, discord string, slack *SlackRouting) (TicketRoute, error) {
	r, err := matchRule(ctx, tx, opener, discord)
	if err != nil {
		return TicketRoute{}, err
	}
	if r != nil {
		return TicketRoute{SlackChannel: r.SlackChannelID, Kind: r.Kind, RuleID: r.ID}, nil
	}
	if len(slack.Overflow) == 0 {
		return TicketRoute{SlackChannel: slack.Default, Kind: RouteDefault}, nil
	}
	channels := append([]string{slack.Default}, slack.Overflow...)
	active, err := s.activeTickets(ctx, tx, channels, t.ID, s.now().Add(-slack.Policy.window()))
	if err != nil {
		return TicketRoute{}, err
	}
	return TicketRoute{SlackChannel: slack.Policy.Choose(slack.Default, slack.Overflow, active), Kind: RouteOverflow}, nil
}

// matchRule returns the first rule matching a ticket of opener opened
// from the Discord channel discord, nil when none does. A client's
// companies are those where a person has the client's e-mail address.
// (One statement, the companies found once: it runs while the ticket
// counter is held.)
func matchRule(ctx context.Context, tx bun.IDB, opener *User, discord string) (*RoutingRule, error) {
	email := ""
	if opener != nil {
		email = strings.ToLower(strings.TrimSpace(opener.Email))
	}
	r := new(RoutingRule)
	err := tx.NewRaw(`WITH c AS (SELECT cp.company_id FROM company_people cp JOIN people p ON p.id = cp.person_id
			WHERE ? <> '' AND lower(p.email) = ?)
		SELECT rule.* FROM routing_rules AS rule
		WHERE rule.company_id IN (SELECT company_id FROM c)
			OR rule.interest_id IN (SELECT ci.interest_id FROM company_interests ci JOIN c ON c.company_id = ci.company_id)
			OR (? <> '' AND rule.discord_channel_id = ?)
		ORDER BY `+kindRank+`, rule.position, rule.id LIMIT 1`, email, email, discord, discord).Scan(ctx, r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// RerouteTicket moves the Slack thread of a ticket, not opened yet, from
// the channel it was routed to (from) to the default channel (to),
// recording reason (Slack's error code) for its card. It reports whether
// it changed the ticket: false when the thread exists or the ticket is
// already elsewhere (a retry after an earlier reroute). Errors:
// EINTERNAL.
func (s *Store) RerouteTicket(ctx context.Context, ticketID int64, from, to, reason string) (bool, error) {
	res, err := s.DB.NewUpdate().Model((*Ticket)(nil)).
		Set("slack_channel_id = ?", to).Set("slack_fallback_from = ?", from).
		Set("slack_fallback_reason = ?", reason).Set("updated_at = ?", s.now()).
		Where("id = ? AND slack_thread_ts IS NULL", ticketID).
		Where("(slack_channel_id = ? OR slack_channel_id IS NULL)", from).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Reasons a routed channel could not take a ticket's thread, from
// Slack's error code (FallbackReason).
const (
	FallbackArchived     = "archived"          // the channel is archived
	FallbackNotInChannel = "not_in_channel"    // the bot was removed from it
	FallbackNotFound     = "channel_not_found" // deleted, or private without the bot
)

// FallbackReason maps a Slack error code that makes a routed channel give
// way to the default one (RerouteTicket) onto its reason; "" for a code
// that does not mean the channel is unusable.
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

// SlackFallback says why the ticket is not in the Slack channel it was
// routed to, as a catalog message naming that channel as channel formats
// it (a link, an ID); ok is false when it is there.
func (t *Ticket) SlackFallback(channel func(id string) string) (m i18n.Msg, ok bool) {
	if t == nil || t.SlackFallbackFrom == nil {
		return i18n.Msg{}, false
	}
	code := ""
	if t.SlackFallbackReason != nil {
		code = *t.SlackFallbackReason
	}
	why := i18n.M("routing.fallback.code", i18n.Args{"Code": code})
	switch FallbackReason(code) {
	case FallbackArchived:
		why = i18n.M("routing.fallback.archived")
	case FallbackNotInChannel:
		why = i18n.M("routing.fallback.not_in_channel")
	case FallbackNotFound:
		why = i18n.M("routing.fallback.not_found")
	}
	return i18n.M("routing.fallback.note", i18n.Args{"From": channel(*t.SlackFallbackFrom), "Why": why}), true
}
