package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// TicketStatusSetter closes and reopens tickets the way the ticket card's
// buttons do (*Relay implements it: status change, card update, notice in
// both threads) and reports whether the status changed. by is the staff
// user acting.
type TicketStatusSetter interface {
	SetStatus(ctx context.Context, ticketID int64, status string, by *core.User) (changed bool, err error)
}

var _ TicketStatusSetter = (*Relay)(nil)

// CRMDeps is what the /crm contact and ticket commands need besides the
// router's store.
type CRMDeps struct {
	// Tickets closes and reopens tickets; when nil, /crm ticket close and
	// reopen answer that ticket actions are not available.
	Tickets TicketStatusSetter
	// ThreadURL returns the link to a ticket's staff-side thread, or "" when
	// it has none yet. Nil: ticket lists show no links.
	ThreadURL func(t *core.Ticket) string
	// Locale is JAYAYA_LOCALE, the language of staff who have none of
	// their own.
	Locale i18n.Locale
}

// Form IDs of the /crm forms.
const (
	FormCompany = "company.form"
	FormPerson  = "person.form"
	FormComment = "comment.form"
)

// Limits of what one reply shows.
const (
	listLimit      = 10 // candidates listed for a search
	cardPeople     = 10 // people on a company card
	cardComments   = 5  // latest comments on a company card
	cardTickets    = 5  // open tickets on a company card
	ticketsLimit   = 30 // lines of /crm tickets
	selectMax      = 100
	candidateLimit = 26 // fetched to tell "10 shown of more"
)

type crm struct {
	r    *Router
	st   *core.Store
	deps CRMDeps
}

// RegisterCRM adds the staff commands for companies, people, comments,
// interests and tickets to r, with their buttons (company.*, person.*,
// comment.*) and forms.
func RegisterCRM(r *Router, deps CRMDeps) {
	c := &crm{r: r, st: r.Store, deps: deps}
	r.HandleCommand("company", "/crm company <name> [share] · /crm company add [name] · /crm company edit <name>",
		"find a company and show its card (`share` posts it in the channel), add one, or edit it. Example: `/crm company acme share`", c.company)
	r.HandleCommand("person", "/crm person <name> · /crm person add [First Last] [at <company>] · /crm person edit <name>",
		"find, add or edit a person. Example: `/crm person add Jane Roe at \"Dupont & Fils\"`", c.person)
	r.HandleCommand("comment", "/crm comment <company> <text>",
		"leave a comment on a company under your name. Example: `/crm comment acme Called, they want a quote`", c.comment)
	r.HandleCommand("interests", "/crm interests", "the interests companies can have, with their colours", c.interests)
	r.HandleCommand("tickets", "/crm tickets [mine|all] [open|closed]",
		"tickets you take part in (default) or all of them, with links to their threads. Example: `/crm tickets all open`", c.tickets)
	r.HandleCommand("ticket", "/crm ticket <number> · /crm ticket close|reopen <number>",
		"a ticket's summary, or close or reopen it. Example: `/crm ticket close 42`", c.ticket)
	r.HandleAction("company", c.companyAction)
	r.HandleAction("person", c.personAction)
	r.HandleAction("comment", c.commentAction)
	r.HandleForm(FormCompany, c.submitCompany)
	r.HandleForm(FormPerson, c.submitPerson)
	r.HandleForm(FormComment, c.submitComment)
}

// usage is a reply explaining a command's correct use after a mistake.
func usage(problem, use string) Reply {
	return Reply{Text: problem + "\nUsage: `" + use + "`"}
}

// fail turns an error into a reply (logged when internal).
func (c *crm) fail(err error) Reply { return c.r.ErrorReply(err) }

// parseID reads an ID from a button value or form meta.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// takeShare removes a trailing "share" word: it asks for the reply to be
// posted in the channel.
func takeShare(args []string) ([]string, bool) {
	if len(args) > 1 && strings.EqualFold(args[len(args)-1], "share") {
		return args[:len(args)-1], true
	}
	return args, false
}

// quoted reports whether the raw argument text starts with a quote, so that
// `/crm company "add"` searches for a company named add.
func quoted(rest string) bool {
	return strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "“")
}

// resolveCompany finds the one company a query means: the company with
// exactly that name (ignoring case and accents), or the only match. It
// returns the candidates otherwise (none or several); it never guesses.
func (c *crm) resolveCompany(ctx context.Context, query string) (*core.Company, []*core.Company, error) {
	found, err := c.st.FindCompanies(ctx, query, candidateLimit)
	if err != nil {
		return nil, nil, err
	}
	key := core.Fold(query)
	for _, co := range found {
		if co.NameKey == key {
			return co, nil, nil
		}
	}
	if len(found) == 1 {
		return found[0], nil, nil
	}
	return nil, found, nil
}

// resolvePerson is resolveCompany for people.
func (c *crm) resolvePerson(ctx context.Context, query string) (*core.Person, []*core.Person, error) {
	found, err := c.st.FindPeople(ctx, query, candidateLimit)
	if err != nil {
		return nil, nil, err
	}
	key := core.Fold(query)
	var exact []*core.Person
	for _, p := range found {
		if p.Search == key {
			exact = append(exact, p)
		}
	}
	if len(exact) == 1 {
		return exact[0], nil, nil
	}
	if len(found) == 1 {
		return found[0], nil, nil
	}
	return nil, found, nil
}

// moreLine says how many candidates were not shown.
func moreLine(shown, found int) string {
	if found > shown {
		if found >= candidateLimit {
			return fmt.Sprintf("Showing %d of more than %d: type more of the name to narrow it down.", shown, found-1)
		}
		return fmt.Sprintf("Showing %d of %d: type more of the name to narrow it down.", shown, found)
	}
	return ""
}

// matchCount says how many candidates a search found: the number, or
// "More than 25" when it stopped counting.
func matchCount(n int) string {
	if n >= candidateLimit {
		return fmt.Sprintf("More than %d", candidateLimit-1)
	}
	return fmt.Sprintf("%d", n)
}

// joinLines joins non-empty lines.
func joinLines(lines ...string) string {
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// interests answers /crm interests.
func (c *crm) interests(ctx context.Context, call *Call) Reply {
	list, err := c.st.ListInterests(ctx)
	if err != nil {
		return c.fail(err)
	}
	if len(list) == 0 {
		return Reply{Text: "There are no interests yet. An admin can add them in the web panel."}
	}
	rep := Reply{Text: fmt.Sprintf("*Interests* (%d) — admins edit them in the web panel:", len(list))}
	for _, in := range list {
		n := "no company"
		switch {
		case in.Companies == 1:
			n = "1 company"
		case in.Companies > 1:
			n = fmt.Sprintf("%d companies", in.Companies)
		}
		rep.Sections = append(rep.Sections, Section{Title: in.Name, Color: in.Color, Text: in.Color + " · " + n})
	}
	return rep
}

// word is one word of a command line and whether it was quoted.
type word struct {
	text   string
	quoted bool
}

// splitWords is SplitArgs keeping track of which words were quoted.
func splitWords(s string) ([]word, error) {
	var (
		out   []word
		cur   strings.Builder
		inQ   bool
		have  bool
		wasQ  bool
		close rune
	)
	for _, ch := range s {
		switch {
		case !inQ && (ch == '"' || ch == '“'):
			inQ, have, wasQ = true, true, true
			close = '"'
			if ch == '“' {
				close = '”'
			}
		case inQ && ch == close:
			inQ = false
		case !inQ && unicode.IsSpace(ch):
			if have {
				out = append(out, word{cur.String(), wasQ})
				cur.Reset()
				have, wasQ = false, false
			}
		default:
			cur.WriteRune(ch)
			have = true
		}
	}
	if inQ {
		return nil, fmt.Errorf("A quote is not closed.")
	}
	if have {
		out = append(out, word{cur.String(), wasQ})
	}
	return out, nil
}

// afterFirstWord returns s without its first word and the spaces after it.
func afterFirstWord(s string) string {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(s[i:])
}

// shortHint explains why a query of only short words found nothing inside
// names: such words only match the start of a name.
func shortHint(query string) string {
	for _, w := range strings.Fields(core.Fold(query)) {
		if utf8.RuneCountInString(w) >= 3 {
			return ""
		}
	}
	return " Type at least 3 letters to search inside names; shorter words only match the start of a name."
}
