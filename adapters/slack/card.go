package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Action IDs of the ticket card's buttons; the button's value is the
// ticket ID. interactions.go hands every block action to bot.Router, where
// the relay registers the "ticket" prefix.
const (
	ActionTicketClose  = bot.ActionTicketClose
	ActionTicketReopen = bot.ActionTicketReopen
)

// ticketCard is what the root message of a ticket's Slack thread shows.
type ticketCard struct {
	// p speaks the language of the channel the card is in
	// (Adapter.channelLocale), set before it is rendered.
	p            i18n.Printer
	Ticket       *core.Ticket
	Client       string // the opener's name, "" when unknown
	Companies    []core.Affiliation
	Participants []string // names
}

// channelLocale is the language of what everyone in a Slack channel reads
// (the relay's ChannelLocale: the ticket cards and thread notices there).
func (a *Adapter) channelLocale(channel string) i18n.Locale {
	if rs := a.relayState(); rs != nil {
		return rs.relay.ChannelLocale(core.PlatformSlack, channel)
	}
	return i18n.Pick(a.cfg.Locale)
}

// loadCard reads a ticket's card as it is now, so that a card posted or
// updated late (after retries) never shows a stale state. It speaks
// JAYAYA_LOCALE until the caller gives it its channel's language (p).
func (a *Adapter) loadCard(ctx context.Context, ticketID int64) (*ticketCard, error) {
	t, err := a.store.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	c := &ticketCard{p: i18n.For(a.cfg.Locale), Ticket: t}
	if t.OpenerID != nil {
		if u, err := a.store.UserByID(ctx, *t.OpenerID); err == nil {
			c.Client = u.Name
			if c.Companies, err = a.store.ClientCompanies(ctx, u); err != nil {
				return nil, err
			}
		} else if core.ErrorCode(err) != core.ENOTFOUND {
			return nil, err
		}
	}
	if c.Participants, err = a.store.ParticipantNames(ctx, ticketID); err != nil {
		return nil, err
	}
	return c, nil
}

// client is the opener's name, or says it is unknown.
func (c *ticketCard) client() string {
	if c.Client == "" {
		return c.p.T("tickets.card.client_unknown")
	}
	return c.Client
}

// title is "#42 Subject".
func (c *ticketCard) title() string {
	return fmt.Sprintf("#%d %s", c.Ticket.Number, c.Ticket.Subject)
}

// fallback is the card's text, for notifications and old clients. Slack
// parses it as mrkdwn like any message text, so the subject and the
// client's name are escaped: a subject "<!channel>" pings nobody.
func (c *ticketCard) fallback() string {
	return c.p.T("tickets.card.fallback", i18n.Args{"Ticket": escapeText(c.title()),
		"Status": bot.TicketStatus(c.p, c.Ticket.Status), "Client": escapeText(c.client())})
}

// blocks renders the card as Block Kit: a header, the ticket's facts and
// the Close or Reopen button, whichever applies.
func (c *ticketCard) blocks() []slack.Block {
	t, p := c.Ticket, c.p
	status := p.T("tickets.card.open")
	if t.Status == core.TicketClosed {
		status = p.T("tickets.card.closed")
	}
	if t.Visibility == core.TicketPublic {
		status += " · " + p.T("tickets.visibility.public")
	}
	var parts []string
	for _, name := range c.Participants {
		parts = append(parts, escapeText(name))
	}
	if len(parts) == 0 {
		parts = []string{"—"}
	}
	var companies []string
	for _, a := range c.Companies {
		line := "*" + escapeText(a.Company.Name) + "*"
		var interests []string
		for _, in := range a.Company.Interests {
			interests = append(interests, escapeText(in.Name))
		}
		if len(interests) > 0 {
			line += " — " + strings.Join(interests, ", ")
		}
		companies = append(companies, line)
	}
	if len(companies) == 0 {
		companies = []string{p.T("tickets.card.no_company")}
	}
	field := func(label, value string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, clip("*"+label+"*\n"+value, 2000), false, false)
	}
	fields := []*slack.TextBlockObject{
		field(p.T("tickets.card.client"), escapeText(c.client())),
		field(p.T("tickets.card.status"), status),
		field(p.T("tickets.card.participants"), strings.Join(parts, ", ")),
		field(p.T("tickets.card.companies"), strings.Join(companies, "\n")),
	}
	if ch := bot.TicketChannel(t); ch != "" {
		fields = append(fields, field(p.T("routing.card.channel"), mrkdwn(ch)))
	}
	facts := slack.NewSectionBlock(nil, fields, nil, slack.SectionBlockOptionBlockID("ticket_facts"))

	id := strconv.FormatInt(t.ID, 10)
	var btn *slack.ButtonBlockElement
	if t.Status == core.TicketClosed {
		btn = slack.NewButtonBlockElement(ActionTicketReopen, id, slack.NewTextBlockObject(slack.PlainTextType, p.T("tickets.card.reopen"), false, false))
		btn.Style = slack.StylePrimary
	} else {
		btn = slack.NewButtonBlockElement(ActionTicketClose, id, slack.NewTextBlockObject(slack.PlainTextType, p.T("tickets.card.close"), false, false))
		btn.Style = slack.StyleDanger
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip("🎫 "+c.title(), 150), false, false),
			slack.HeaderBlockOptionBlockID("ticket_header")),
		facts,
	}
	if note := bot.FallbackNote(c.p, t); note != "" {
		blocks = append(blocks, slack.NewContextBlock("ticket_routing", mdText("⚠️ "+mrkdwn(note))))
	}
	return append(blocks, slack.NewActionBlock("ticket_actions", btn))
}

// clip shortens s to at most n characters (for block limits only; message
// text is split, never clipped).
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
