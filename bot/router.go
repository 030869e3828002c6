package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Call is one command, button press or form submission by a known user.
type Call struct {
	Actor Actor
	User  *core.User
	// Args are the command's words after the subcommand name, with quotes
	// removed ("Dupont & Fils" is one word). Empty for buttons and forms.
	Args []string
	// Rest is the raw text after the subcommand name.
	Rest string
	// P speaks the user's language (Router.LocaleOf): every sentence of
	// the answer comes from it.
	P i18n.Printer
}

// CommandFunc answers a /crm subcommand.
type CommandFunc func(ctx context.Context, c *Call) Reply

// ActionFunc answers a button: action is the button's Action, value its Value.
type ActionFunc func(ctx context.Context, c *Call, action, value string) Reply

// FormFunc answers a form submission; values maps input names to what was
// entered or chosen.
type FormFunc func(ctx context.Context, c *Call, meta string, values map[string][]string) FormResult

// Command is a /crm subcommand.
type Command struct {
	// Name is its English name, the first word after /crm ("company").
	Name string
	// Words are the other words that call it (French ones), written with
	// their accents; they are matched without (see Keyword).
	Words []string
	// Usage and Help are the catalog IDs of its usage line and one-line
	// help, shown by /crm help in the asker's language.
	Usage, Help string
	Fn          CommandFunc
}

// Router resolves who is acting, checks they may, and dispatches /crm
// subcommands, buttons and forms to the handlers registered for them.
// Only active staff and admins may use it; everyone else gets a short
// refusal and nothing changes.
type Router struct {
	Store *core.Store
	Log   *slog.Logger
	// Locale is the language of whoever has none of their own
	// (JAYAYA_LOCALE); i18n.Default when empty.
	Locale i18n.Locale
	// Languages, when set, tells the language a user's chat platform
	// gives them (Slack's users.info), for users without a setting.
	Languages Languages

	commands map[string]Command
	words    map[string]string // Keyword of a name or word → name
	order    []string
	actions  map[string]ActionFunc
	forms    map[string]FormFunc
}

// NewRouter returns a router with the built-in "help" command.
func NewRouter(store *core.Store, log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	r := &Router{Store: store, Log: log, commands: map[string]Command{}, words: map[string]string{},
		actions: map[string]ActionFunc{}, forms: map[string]FormFunc{}}
	r.HandleCommand(Command{Name: "help", Words: []string{"aide"}, Usage: "crm.help.usage", Help: "crm.help.help", Fn: r.help})
	return r
}

// HandleCommand registers a subcommand, called by its name or any of its
// words, with its usage line and one-line help for /crm help.
func (r *Router) HandleCommand(cmd Command) {
	if _, dup := r.commands[cmd.Name]; !dup {
		r.order = append(r.order, cmd.Name)
	}
	r.commands[cmd.Name] = cmd
	for _, w := range append([]string{cmd.Name}, cmd.Words...) {
		r.words[Keyword(w)] = cmd.Name
	}
}

// HandleAction registers the handler of every button whose Action is
// prefix or starts with prefix + "." (for example "company" handles
// "company.edit").
func (r *Router) HandleAction(prefix string, fn ActionFunc) { r.actions[prefix] = fn }

// HandleForm registers the handler of the form with this ID.
func (r *Router) HandleForm(id string, fn FormFunc) { r.forms[id] = fn }

// Refusal is the catalog ID of what an unknown or non-staff user is told.
const Refusal = "crm.refusal"

// staff resolves the actor to an active staff user, with the Printer of
// their language; a refusal comes in the language the actor's platform
// gives, else Locale.
func (r *Router) staff(ctx context.Context, a Actor) (*core.User, i18n.Printer, *Reply) {
	u, err := r.actorUser(ctx, a)
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		p := i18n.For(u.Language(a.Platform, a.Locale, "", r.Locale))
		r.Log.Error("resolve user", "platform", a.Platform, "err", err)
		return nil, p, &Reply{Text: core.ErrorMessageIn(err, p.Locale()), Lang: p.Locale()}
	}
	if u == nil || !u.IsStaff() {
		p := i18n.For(u.Language(a.Platform, a.Locale, "", r.Locale))
		return nil, p, &Reply{Text: p.T(Refusal), Lang: p.Locale()}
	}
	said := a.Locale
	// The platform is asked only when its answer can count: a language
	// of the user's own comes first anyway.
	if _, own := i18n.Parse(u.Locale); said == "" && !own && r.Languages != nil {
		said = r.Languages.PlatformLocale(ctx, u)
	}
	return u, i18n.For(u.Language(a.Platform, said, "", r.Locale)), nil
}

// actorUser returns the registered user an actor is, nil when none.
func (r *Router) actorUser(ctx context.Context, a Actor) (*core.User, error) {
	switch a.Platform {
	case core.PlatformSlack:
		return r.Store.UserBySlackID(ctx, a.UserID)
	case core.PlatformDiscord:
		return r.Store.UserByDiscordID(ctx, a.UserID)
	}
	return nil, nil
}

// LocaleOf returns the language the actor reads, without asking their
// platform: their setting, what the platform said last (cached on the
// user) or says with the action (Actor.Locale), else Locale. Adapters use
// it for what they say themselves (a form that could not open).
func (r *Router) LocaleOf(ctx context.Context, a Actor) i18n.Locale {
	u, err := r.actorUser(ctx, a)
	if err != nil {
		u = nil
	}
	return u.Language(a.Platform, a.Locale, "", r.Locale)
}

// Command answers the text typed after /crm, in the asker's language:
// English and French command words both work (see Keyword).
func (r *Router) Command(ctx context.Context, a Actor, text string) Reply {
	u, p, refusal := r.staff(ctx, a)
	if refusal != nil {
		return *refusal
	}
	args, err := SplitArgs(text)
	if err != nil {
		return inLang(p, Reply{Text: joinSentences(p.T("crm.quote_unclosed"), p.T("crm.try_help"))})
	}
	if len(args) == 0 {
		return inLang(p, r.help(ctx, &Call{Actor: a, User: u, P: p}))
	}
	name, ok := r.words[Keyword(args[0])]
	if !ok {
		return inLang(p, Reply{Text: p.T("crm.unknown_command", i18n.Args{"Word": args[0]})})
	}
	cmd := r.commands[name]
	rest := strings.Join(args[1:], " ")
	if trimmed := strings.TrimSpace(text); strings.HasPrefix(trimmed, args[0]) {
		rest = strings.TrimSpace(trimmed[len(args[0]):])
	}
	return r.safe(ctx, p, "command", name, func() Reply {
		return cmd.Fn(ctx, &Call{Actor: a, User: u, Args: args[1:], Rest: rest, P: p})
	})
}

// Action answers a button press.
func (r *Router) Action(ctx context.Context, a Actor, action, value string) Reply {
	u, p, refusal := r.staff(ctx, a)
	if refusal != nil {
		return *refusal
	}
	prefix := action
	for {
		if fn, ok := r.actions[prefix]; ok {
			return r.safe(ctx, p, "action", action, func() Reply { return fn(ctx, &Call{Actor: a, User: u, P: p}, action, value) })
		}
		i := strings.LastIndexByte(prefix, '.')
		if i < 0 {
			break
		}
		prefix = prefix[:i]
	}
	r.Log.Warn("unknown action", "action", action)
	return inLang(p, Reply{Text: p.T("crm.button_gone")})
}

// Submit answers a form submission.
func (r *Router) Submit(ctx context.Context, a Actor, formID, meta string, values map[string][]string) FormResult {
	u, p, refusal := r.staff(ctx, a)
	if refusal != nil {
		return FormResult{Reply: refusal}
	}
	fn, ok := r.forms[formID]
	if !ok {
		r.Log.Warn("unknown form", "form", formID)
		return FormResult{Reply: &Reply{Text: p.T("crm.form_gone"), Lang: p.Locale()}}
	}
	var res FormResult
	r.safe(ctx, p, "form", formID, func() Reply {
		res = fn(ctx, &Call{Actor: a, User: u, P: p}, meta, values)
		return Reply{}
	})
	if res.Reply != nil {
		rep := inLang(p, *res.Reply)
		res.Reply = &rep
	}
	return res
}

// safe runs a handler, turning a panic into an apology, and marks the
// reply (and a form it opens) with the language it speaks.
func (r *Router) safe(ctx context.Context, p i18n.Printer, kind, name string, fn func() Reply) (rep Reply) {
	defer func() {
		if x := recover(); x != nil {
			r.Log.Error("handler panicked", "kind", kind, "name", name, "panic", x)
			rep = Reply{Text: core.ErrorMessageIn(fmt.Errorf("panic"), p.Locale())}
		}
		rep = inLang(p, rep)
	}()
	return fn()
}

// inLang marks rep, and the form it opens, as written in p's language,
// unless the handler said otherwise.
func inLang(p i18n.Printer, rep Reply) Reply {
	if rep.Lang == "" {
		rep.Lang = p.Locale()
	}
	if rep.Form != nil && rep.Form.Lang == "" {
		f := *rep.Form
		f.Lang = p.Locale()
		rep.Form = &f
	}
	return rep
}

func (r *Router) help(ctx context.Context, c *Call) Reply {
	names := append([]string(nil), r.order...)
	sort.Strings(names)
	lines := []string{c.P.T("crm.help.intro")}
	for _, n := range names {
		if n == "help" {
			continue
		}
		cmd := r.commands[n]
		lines = append(lines, c.P.T("crm.help.line", i18n.Args{"Usage": c.P.T(cmd.Usage), "Help": c.P.T(cmd.Help)}))
	}
	lines = append(lines, c.P.T("crm.help.quotes"))
	return Reply{Text: strings.Join(lines, "\n")}
}

// ErrorReply turns a domain error into a reply in p's language: its
// user-safe message, or an apology (the detail is logged) for an
// internal error.
func (r *Router) ErrorReply(p i18n.Printer, err error) Reply {
	if core.ErrorCode(err) == core.EINTERNAL {
		r.Log.Error("command failed", "err", err)
	}
	return Reply{Text: core.ErrorMessageIn(err, p.Locale())}
}

// SplitArgs splits a command line into words; double or typographic quotes
// group words ("Dupont & Fils"). An unclosed quote is an error.
func SplitArgs(s string) ([]string, error) {
	words, err := splitWords(s)
	if err != nil {
		return nil, err
	}
	var args []string
	for _, w := range words {
		args = append(args, w.text)
	}
	return args, nil
}
