package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

const (
	ticketsUse = "/crm tickets [mine|all] [open|closed]"
	ticketUse  = "/crm ticket <number>` · `/crm ticket close <number>` · `/crm ticket reopen <number>"
)

// TicketsQuery is what `/crm tickets` asks for: the tickets the user takes
// part in (Mine) or all of them, with a status or any (Status "").
type TicketsQuery struct {
	Mine   bool
	Status string
}

// ParseTickets reads the words after `/crm tickets`. No word means "mine";
// "open" or "closed" alone mean every ticket with that status (the team's
// queue); "mine open" narrows to one's own.
func ParseTickets(args []string) (TicketsQuery, error) {
	q := TicketsQuery{Mine: true}
	scope := ""
	for _, a := range args {
		switch w := strings.ToLower(a); w {
		case "mine", "my", "all":
			if scope != "" && scope != w {
				return q, fmt.Errorf("Choose mine or all, not both.")
			}
			scope = w
		case "open", "closed":
			if q.Status != "" && q.Status != w {
				return q, fmt.Errorf("Choose open or closed, not both.")
			}
			q.Status = w
		default:
			return q, fmt.Errorf("I don't understand “%s” here.", a)
		}
	}
	q.Mine = scope == "mine" || scope == "my" || (scope == "" && q.Status == "")
	return q, nil
}

// ParseTicketNumber reads "42" or "#42".
func ParseTicketNumber(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	return n, err == nil && n > 0
}

// tickets answers /crm tickets.
func (c *crm) tickets(ctx context.Context, call *Call) Reply {
	q, err := ParseTickets(call.Args)
	if err != nil {
		return usage(err.Error(), ticketsUse)
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
		return c.fail(err)
	}
	what := "All tickets"
	if q.Mine {
		what = "Tickets you take part in"
	}
	if q.Status != "" {
		what += " (" + q.Status + ")"
	}
	if len(list) == 0 {
		hint := ""
		if q.Mine {
			hint = " Try `/crm tickets all`."
		}
		return Reply{Text: what + ": none." + hint}
	}
	var lines []string
	for i, t := range list {
		if i == ticketsLimit {
			lines = append(lines, fmt.Sprintf("…and more; only the latest %d are shown.", ticketsLimit))
			break
		}
		line := "• " + c.ticketRef(t) + " — " + t.Status
		if ch := TicketChannel(t); ch != "" {
			line += " · " + ch
		}
		if people, err := c.st.TicketPeople(ctx, t.ID); err == nil && len(people) > 0 {
			line += " · " + participantNames(people)
		}
		lines = append(lines, line)
	}
	return Reply{Text: "*" + what + "*", Sections: []Section{{Text: strings.Join(lines, "\n")}}}
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
	args := call.Args
	status := ""
	if len(args) > 0 {
		switch strings.ToLower(args[0]) {
		case "close":
			status, args = core.TicketClosed, args[1:]
		case "reopen", "open":
			status, args = core.TicketOpen, args[1:]
		}
	}
	if len(args) != 1 {
		return usage("Which ticket? Give its number.", ticketUse)
	}
	n, ok := ParseTicketNumber(args[0])
	if !ok {
		return usage(fmt.Sprintf("“%s” is not a ticket number.", args[0]), ticketUse)
	}
	t, err := c.st.TicketByNumber(ctx, n)
	if err != nil {
		return c.fail(err)
	}
	if status == "" {
		return c.ticketSummary(ctx, t, i18n.For(i18n.Pick(c.deps.Locale, call.User.Locale)))
	}
	if c.deps.Tickets == nil {
		return Reply{Text: "Sorry, ticket actions are not available here yet: use the buttons on the ticket's card in its thread."}
	}
	changed, err := c.deps.Tickets.SetStatus(ctx, t.ID, status, call.User)
	if err != nil {
		return c.fail(err)
	}
	if !changed {
		return Reply{Text: fmt.Sprintf("Ticket #%d is already %s.", t.Number, status)}
	}
	verb := "closed"
	if status == core.TicketOpen {
		verb = "reopened"
	}
	return Reply{Text: fmt.Sprintf("Ticket %s %s.", c.ticketRef(t), verb)}
}

// ticketSummary shows a ticket's status, client, participants on both
// sides and message count.
func (c *crm) ticketSummary(ctx context.Context, t *core.Ticket, p i18n.Printer) Reply {
	people, err := c.st.TicketPeople(ctx, t.ID)
	if err != nil {
		return c.fail(err)
	}
	total, notes, err := c.st.TicketMessageCount(ctx, t.ID)
	if err != nil {
		return c.fail(err)
	}
	var staff, clients []*core.User
	client := "unknown"
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
	if client == "unknown" && t.OpenerID != nil {
		if u, err := c.st.UserByID(ctx, *t.OpenerID); err == nil {
			client = u.Name
		}
	}
	none := func(s string) string {
		if s == "" {
			return "nobody yet"
		}
		return s
	}
	msgs := fmt.Sprintf("%d", total)
	if notes > 0 {
		msgs += fmt.Sprintf(" (%d internal notes)", notes)
	}
	sec := Section{Title: fmt.Sprintf("Ticket #%d: %s", t.Number, t.Subject), Fields: []Field{
		{"Status", t.Status}, {"Visibility", t.Visibility}, {"Client", client},
		{"Opened", t.CreatedAt.Format("2 Jan 2006 15:04 MST")},
		{"Clients taking part", none(participantNames(clients))}, {"Staff taking part", none(participantNames(staff))},
		{"Messages", msgs},
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
			sec.Buttons = []Button{{Label: "Open thread", URL: u}}
		}
	}
	return Reply{Text: fmt.Sprintf("Ticket #%d", t.Number), Sections: []Section{sec}}
}
