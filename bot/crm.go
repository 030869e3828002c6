package bot

import (
	"context"
	"errors"
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
	r.HandleCommand(Command{Name: "company", Words: []string{"entreprise", "société"},
		Usage: "crm.company.usage", Help: "crm.company.help", Fn: c.company})
	r.HandleCommand(Command{Name: "person", Words: []string{"personne"},
		Usage: "crm.person.usage", Help: "crm.person.help", Fn: c.person})
	r.HandleCommand(Command{Name: "comment", Words: []string{"commentaire", "commenter"},
		Usage: "crm.comment.usage", Help: "crm.comment.help", Fn: c.comment})
	r.HandleCommand(Command{Name: "interests", Words: []string{"intérêts", "intérêt", "centres"},
		Usage: "crm.interests.usage", Help: "crm.interests.help", Fn: c.interests})
	r.HandleCommand(Command{Name: "tickets", Words: []string{"billets"},
		Usage: "crm.tickets.usage", Help: "crm.tickets.help", Fn: c.tickets})
	r.HandleCommand(Command{Name: "ticket", Words: []string{"billet"},
		Usage: "crm.ticket.usage", Help: "crm.ticket.help", Fn: c.ticket})
	r.HandleAction("company", c.companyAction)
	r.HandleAction("person", c.personAction)
	r.HandleAction("comment", c.commentAction)
	r.HandleForm(FormCompany, c.submitCompany)
	r.HandleForm(FormPerson, c.submitPerson)
	r.HandleForm(FormComment, c.submitComment)
}

// Words of the /crm contact commands, English first.
var (
	addWords   = []string{"add", "new", "create", "ajouter", "nouveau", "nouvelle", "créer"}
	editWords  = []string{"edit", "modifier"}
	shareWords = []string{"share", "partager"}
	crmWords   = newVocabulary(addWords, editWords, shareWords)
)

// usage is a reply explaining a command's correct use after a mistake:
// problem, then the usage line of catalog ID use.
func usage(p i18n.Printer, problem, use string) Reply {
	return Reply{Text: p.T("crm.usage", i18n.Args{"Problem": problem, "Usage": p.T(use)})}
}

// fail turns an error into a reply in p's language (logged when internal).
func (c *crm) fail(p i18n.Printer, err error) Reply { return c.r.ErrorReply(p, err) }

// parseID reads an ID from a button value or form meta.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// takeShare removes a trailing "share" (or "partager") word: it asks for
// the reply to be posted in the channel.
func takeShare(args []string) ([]string, bool) {
	if len(args) > 1 && crmWords.of(args[len(args)-1]) == "share" {
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
func moreLine(p i18n.Printer, shown, found int) string {
	if found > shown {
		if found >= candidateLimit {
			return p.N("crm.search.showing_more", found-1, i18n.Args{"Shown": shown})
		}
		return p.N("crm.search.showing", found, i18n.Args{"Shown": shown})
	}
	return ""
}

// matches says how many candidates a search for query found, with the
// question that follows: the message id (with plural forms), or more
// when the search stopped counting.
func matches(p i18n.Printer, id, more string, n int, query string) string {
	if n >= candidateLimit {
		return p.N(more, candidateLimit-1, i18n.Args{"Query": query})
	}
	return p.N(id, n, i18n.Args{"Query": query})
}

// joinLines joins non-empty lines.
func joinLines(lines ...string) string { return joinNonEmpty("\n", lines) }

// joinSentences joins the non-empty sentences with a space.
func joinSentences(ss ...string) string { return joinNonEmpty(" ", ss) }

// joinNonEmpty joins the non-empty strings of ss with sep.
func joinNonEmpty(sep string, ss []string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

// interests answers /crm interests.
func (c *crm) interests(ctx context.Context, call *Call) Reply {
	p := call.P
	list, err := c.st.ListInterests(ctx)
	if err != nil {
		return c.fail(p, err)
	}
	if len(list) == 0 {
		return Reply{Text: p.T("crm.interests.none")}
	}
	rep := Reply{Text: p.N("crm.interests.title", len(list))}
	for _, in := range list {
		n := p.T("crm.interests.no_company")
		if in.Companies > 0 {
			n = p.N("crm.interests.companies", in.Companies)
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
		return nil, errQuote
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

// errQuote is a command line with an unclosed quote ("crm.quote_unclosed"
// says it to the user).
var errQuote = errors.New("a quote is not closed")

// shortHint explains why a query of only short words found nothing inside
// names: such words only match the start of a name.
func shortHint(p i18n.Printer, query string) string {
	for _, w := range strings.Fields(core.Fold(query)) {
		if utf8.RuneCountInString(w) >= 3 {
			return ""
		}
	}
	return p.T("crm.search.short_hint")
}
