package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Words of /crm tickets and /crm ticket, English first. "les" in "les
// miens" is skipped.
var (
	ticketsWords = newVocabulary(
		[]string{"mine", "my", "miens", "mes", "moi"},
		[]string{"all", "tous", "toutes"},
		[]string{"open", "ouverts", "ouvert", "ouvertes", "ouverte"},
		[]string{"closed", "fermés", "fermé", "fermées", "fermée", "clos"},
		[]string{"les"},
	)
	ticketWords = newVocabulary(
		[]string{"close", "fermer", "clore"},
		[]string{"reopen", "open", "rouvrir", "réouvrir", "ouvrir"},
	)
)

// TicketsQuery is what `/crm tickets` asks for: the tickets the user takes
// part in (Mine) or all of them, with a status or any (Status "").
type TicketsQuery struct {
	Mine   bool
	Status string
}

// ParseTickets reads the words after `/crm tickets` (or `/crm billets`).
// No word means "mine" ("les miens"); "open" or "closed" ("ouverts",
// "fermés") alone mean every ticket with that status (the team's queue);
// "mine open" narrows to one's own. Errors: EINVALID.
func ParseTickets(args []string) (TicketsQuery, error) {
	q := TicketsQuery{Mine: true}
	scope := ""
	for _, a := range args {
		switch w := ticketsWords.of(a); w {
		case "les":
		case "mine", "all":
			if scope != "" && scope != w {
				return q, core.InvalidE("scope", "crm.tickets.mine_or_all")
			}
			scope = w
		case "open", "closed":
			if q.Status != "" && q.Status != w {
				return q, core.InvalidE("status", "crm.tickets.open_or_closed")
			}
			q.Status = w
		default:
			return q, core.InvalidE("scope", "crm.tickets.word_unknown", i18n.Args{"Word": a})
		}
	}
	q.Mine = scope == "mine" || (scope == "" && q.Status == "")
	return q, nil
}

// ParseTicketNumber reads "42" or "#42".
func ParseTicketNumber(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	return n, err == nil && n > 0
}

// tickets answers /crm tickets.
func (c *crm) tickets(ctx context.Context, call *Call) Reply {
	p := call.P
	q, err := ParseTickets(call.Args)
	if err != nil {
		return usage(p, core.ErrorMessageIn(err, p.Locale()), "crm.tickets.usage")
	}
	f := core.TicketFilter{Limit: ticketsLimit + 1}
	if q.Mine {
		f.ParticipantID = &call.User.ID
	}
	if q.Status != "" {
		f.Status = &q.Status
	}
	list, err := c.st.ListTickets(ctx, f)
	if err != nil {
		return c.fail(p, err)
	}
	title, none := "crm.tickets.all_title", "crm.tickets.all_none"
	if q.Mine {
		title, none = "crm.tickets.mine_title", "crm.tickets.mine_none"
	}
	status := ""
	switch q.Status {
	case core.TicketOpen:
		status = p.T("tickets.filter.open")
	case core.TicketClosed:
		status = p.T("tickets.filter.closed")
	}
	if len(list) == 0 {
		return Reply{Text: p.T(none, i18n.Args{"Status": status})}
	}
	var lines []string
	for i, t := range list {
		if i == ticketsLimit {
			lines = append(lines, p.N("crm.tickets.more", ticketsLimit))
			break
		}
		line := "• " + c.ticketRef(t) + " — " + TicketStatus(p, t.Status)
		if ch := TicketChannel(t); ch != "" {
			line += " · " + ch
		}
		if people, err := c.st.TicketPeople(ctx, t.ID); err == nil && len(people) > 0 {
			line += " · " + participantNames(people)
		}
		lines = append(lines, line)
	}
	return Reply{Text: p.T(title, i18n.Args{"Status": status}), Sections: []Section{{Text: strings.Join(lines, "\n")}}}
}

// TicketStatus names a ticket status (core.TicketOpen, core.TicketClosed)
// in p's language.
func TicketStatus(p i18n.Printer, status string) string {
	if status == core.TicketClosed {
		return p.T("tickets.status.closed")
	}
	return p.T("tickets.status.open")
}

// ticketVisibility names a ticket visibility in p's language.
func ticketVisibility(p i18n.Printer, visibility string) string {
	if visibility == core.TicketPublic {
		return p.T("tickets.visibility.public")
	}
	return p.T("tickets.visibility.private")
}

// ticketRef is "#42 Subject", linked to the staff thread when it has one.
func (c *crm) ticketRef(t *core.Ticket) string {
	label := fmt.Sprintf("#%d %s", t.Number, t.Subject)
	if c.deps.ThreadURL != nil {
		if u := c.deps.ThreadURL(t); u != "" {
			return "[" + strings.NewReplacer("[", "(", "]", ")").Replace(label) + "](" + u + ")"
		}
	}
	return label
}

func participantNames(users []*core.User) string {
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	return strings.Join(names, ", ")
}

// ticket answers /crm ticket <n> and /crm ticket close|reopen <n>.
func (c *crm) ticket(ctx context.Context, call *Call) Reply {
	p := call.P
	args := call.Args
	status := ""
	if len(args) > 0 {
		switch ticketWords.of(args[0]) {
		case "close":
			status, args = core.TicketClosed, args[1:]
		case "reopen":
			status, args = core.TicketOpen, args[1:]
		}
	}
	if len(args) != 1 {
		return usage(p, p.T("crm.ticket.which"), "crm.ticket.usage")
	}
	n, ok := ParseTicketNumber(args[0])
	if !ok {
		return usage(p, p.T("crm.ticket.not_number", i18n.Args{"Word": args[0]}), "crm.ticket.usage")
	}
	t, err := c.st.TicketByNumber(ctx, n)
	if err != nil {
		return c.fail(p, err)
	}
	if status == "" {
		return c.ticketSummary(ctx, call, t)
	}
	if c.deps.Tickets == nil {
		return Reply{Text: p.T("crm.ticket.actions_off")}
	}
	changed, err := c.deps.Tickets.SetStatus(ctx, t.ID, status, call.User)
	if err != nil {
		return c.fail(p, err)
	}
	return Reply{Text: statusReply(p, c.ticketRef(t), status, changed)}
}

// statusReply tells who closed or reopened a ticket (ref) what happened.
func statusReply(p i18n.Printer, ref, status string, changed bool) string {
	args := i18n.Args{"Ticket": ref}
	switch {
	case !changed && status == core.TicketClosed:
		return p.T("crm.ticket.already_closed", args)
	case !changed:
		return p.T("crm.ticket.already_open", args)
	case status == core.TicketClosed:
		return p.T("crm.ticket.closed", args)
	}
	return p.T("crm.ticket.reopened", args)
}

// ticketSummary shows a ticket's status, client, participants on both
// sides and message count, times in the reader's time zone.
func (c *crm) ticketSummary(ctx context.Context, call *Call, t *core.Ticket) Reply {
	p := call.P
	people, err := c.st.TicketPeople(ctx, t.ID)
	if err != nil {
		return c.fail(p, err)
	}
	total, notes, err := c.st.TicketMessageCount(ctx, t.ID)
	if err != nil {
		return c.fail(p, err)
	}
	var staff, clients []*core.User
	client := ""
	for _, u := range people {
		if u.Role == core.RoleClient {
			clients = append(clients, u)
		} else {
			staff = append(staff, u)
		}
		if t.OpenerID != nil && u.ID == *t.OpenerID {
			client = u.Name
		}
	}
	if client == "" && t.OpenerID != nil {
		if u, err := c.st.UserByID(ctx, *t.OpenerID); err == nil {
			client = u.Name
		}
	}
	if client == "" {
		client = p.T("crm.ticket.client_unknown")
	}
	none := func(s string) string {
		if s == "" {
			return p.T("crm.ticket.nobody")
		}
		return s
	}
	msgs := p.N("crm.ticket.messages_count", total)
	if notes > 0 {
		msgs = p.N("crm.ticket.messages_with_notes", notes, i18n.Args{"Messages": msgs})
	}
	loc := time.UTC
	if call.User != nil {
		loc = call.User.Location()
	}
	sec := Section{Title: p.T("crm.ticket.title", i18n.Args{"Number": t.Number, "Subject": t.Subject}), Fields: []Field{
		{p.T("crm.ticket.field.status"), TicketStatus(p, t.Status)}, {p.T("crm.ticket.field.visibility"), ticketVisibility(p, t.Visibility)},
		{p.T("crm.ticket.field.client"), client},
		{p.T("crm.ticket.field.opened"), p.DateTime(t.CreatedAt.In(loc))},
		{p.T("crm.ticket.field.clients"), none(participantNames(clients))}, {p.T("crm.ticket.field.staff"), none(participantNames(staff))},
		{p.T("crm.ticket.field.messages"), msgs},
	}}
	if ch := TicketChannel(t); ch != "" {
		if note := FallbackNote(p, t); note != "" {
			ch += "\n" + note
		}
		sec.Fields = append(sec.Fields, Field{p.T("routing.crm.channel"), ch})
	}
	if c.deps.ThreadURL != nil {
		if u := c.deps.ThreadURL(t); u != "" {
			sec.Link = u
			sec.Buttons = []Button{{Label: p.T("crm.ticket.open_thread"), URL: u}}
		}
	}
	return Reply{Text: p.T("crm.ticket.heading", i18n.Args{"Number": t.Number}), Sections: []Section{sec}}
}
