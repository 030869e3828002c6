package admin

import (
	"fmt"
	"html/template"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Catalog IDs of the words the panel shows for stored values (a role, a
// ticket's status), by value. A value with no entry is shown as stored.
var (
	roleNames = map[string]string{
		core.RoleAdmin:  "panel.role.admin",
		core.RoleStaff:  "panel.role.staff",
		core.RoleClient: "panel.role.client",
	}
	ticketStates = map[string]string{
		core.TicketOpen:   "panel.ticket.state.open",
		core.TicketClosed: "panel.ticket.state.closed",
	}
	visibilities = map[string]string{
		core.TicketPrivate: "panel.ticket.visible.private",
		core.TicketPublic:  "panel.ticket.visible.public",
	}
	deliveryStates = map[string]string{
		core.DeliveryPending: "panel.delivery.state.pending",
		core.DeliveryDone:    "panel.delivery.state.done",
		core.DeliveryParked:  "panel.delivery.state.parked",
	}
	languageNames = map[string]string{
		string(i18n.EN): "common.language.en",
		string(i18n.FR): "common.language.fr",
	}
	ruleKinds = map[string]string{
		core.RuleCompany:  "routing.page.kind_company",
		core.RuleInterest: "routing.page.kind_interest",
		core.RuleDiscord:  "routing.page.kind_discord",
	}
	subjectTypes = map[string]string{
		"user":     "panel.audit.subject_type.user",
		"interest": "panel.audit.subject_type.interest",
		"login":    "panel.audit.subject_type.login",
		"delivery": "panel.audit.subject_type.delivery",
		"route":    "panel.audit.subject_type.route",
		"channel":  "panel.audit.subject_type.channel",
	}
)

// ticketRows is what the ticketTable partial receives: the tickets and
// the viewer's time zone.
type ticketRows struct {
	Tickets []*core.Ticket
	Loc     *time.Location
}

// templateFuncs are the functions templates call, speaking p's language:
//
//	{{t "panel.nav.users"}}                     a message
//	{{t "panel.ticket.opened" "When" $when}}    with named parameters
//	{{n "panel.interest.has" .Companies}}       a message with plural forms
//	{{when $.Loc .CreatedAt}}                   a date and time in a time zone
//	{{word "role" .Role}}                       a stored value's word
func templateFuncs(p i18n.Printer) template.FuncMap {
	words := map[string]map[string]string{
		"role": roleNames, "ticket": ticketStates, "visibility": visibilities,
		"delivery": deliveryStates, "subject": subjectTypes, "language": languageNames,
		"rule": ruleKinds,
	}
	return template.FuncMap{
		"t": func(id string, kv ...any) (string, error) {
			args, err := pairs(kv)
			return p.T(id, args), err
		},
		"n": func(id string, count any, kv ...any) (string, error) {
			c, err := toInt(count)
			if err != nil {
				return "", err
			}
			args, err := pairs(kv)
			return p.N(id, c, args), err
		},
		"when": func(loc *time.Location, t any) string {
			switch v := t.(type) {
			case time.Time:
				return p.DateTime(v.In(loc))
			case *time.Time:
				if v != nil {
					return p.DateTime(v.In(loc))
				}
			}
			return ""
		},
		"word": func(kind, value string) (string, error) {
			ids, ok := words[kind]
			if !ok {
				return "", fmt.Errorf("word: no kind %q", kind)
			}
			if id, ok := ids[value]; ok {
				return p.T(id), nil
			}
			return value, nil
		},
		// languageName is a language's own name for itself ("Français").
		"languageName": func(l i18n.Locale) string { return i18n.T(l, "panel.language.self") },
		"languages":    i18n.Locales,
		"deref": func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		},
		"derefID": func(id *int64) int64 {
			if id == nil {
				return 0
			}
			return *id
		},
		"roles": func() []string { return []string{core.RoleAdmin, core.RoleStaff, core.RoleClient} },
		"ticketRows": func(list []*core.Ticket, loc *time.Location) ticketRows {
			return ticketRows{Tickets: list, Loc: loc}
		},
		"channelLanguage": func(row channelRow, def i18n.Locale, admin bool) channelLanguageCell {
			return channelLanguageCell{Row: row, Default: string(def), Admin: admin}
		},
	}
}

// channelLanguageCell is what the Channels page's channelLanguage
// template receives: a channel's row, JAYAYA_LOCALE, and whether the
// viewer may change the language (admins).
type channelLanguageCell struct {
	Row     channelRow
	Default string
	Admin   bool
}

// toInt reads a count of any integer type.
func toInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case int32:
		return int(n), nil
	}
	return 0, fmt.Errorf("a count must be an integer, got %T", v)
}

// pairs turns a template's "Name", value, … arguments into i18n.Args.
func pairs(kv []any) (i18n.Args, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("catalog arguments come in name, value pairs: got %d values", len(kv))
	}
	args := i18n.Args{}
	for i := 0; i < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("catalog argument %d: a name must be a string, got %T", i/2, kv[i])
		}
		args[name] = kv[i+1]
	}
	return args, nil
}
