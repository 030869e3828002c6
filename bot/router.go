package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/jayaya/jayayacrm/core"
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
}

// CommandFunc answers a /crm subcommand.
type CommandFunc func(ctx context.Context, c *Call) Reply

// ActionFunc answers a button: action is the button's Action, value its Value.
type ActionFunc func(ctx context.Context, c *Call, action, value string) Reply

// FormFunc answers a form submission; values maps input names to what was
// entered or chosen.
type FormFunc func(ctx context.Context, c *Call, meta string, values map[string][]string) FormResult

type command struct {
	fn    CommandFunc
	usage string
	help  string
}

// Router resolves who is acting, checks they may, and dispatches /crm
// subcommands, buttons and forms to the handlers registered for them.
// Only active staff and admins may use it; everyone else gets a short
// refusal and nothing changes.
type Router struct {
	Store *core.Store
	Log   *slog.Logger

	commands map[string]command
	order    []string
	actions  map[string]ActionFunc
	forms    map[string]FormFunc
}

// NewRouter returns a router with the built-in "help" command.
func NewRouter(store *core.Store, log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	r := &Router{Store: store, Log: log, commands: map[string]command{}, actions: map[string]ActionFunc{}, forms: map[string]FormFunc{}}
	r.HandleCommand("help", "/crm help", "what you can do here", r.help)
	return r
}

// HandleCommand registers a subcommand (its first word, like "company"),
// with its usage line and one-line help for /crm help.
func (r *Router) HandleCommand(name, usage, help string, fn CommandFunc) {
	if _, dup := r.commands[name]; !dup {
		r.order = append(r.order, name)
	}
	r.commands[name] = command{fn: fn, usage: usage, help: help}
}

// HandleAction registers the handler of every button whose Action is
// prefix or starts with prefix + "." (for example "company" handles
// "company.edit").
func (r *Router) HandleAction(prefix string, fn ActionFunc) { r.actions[prefix] = fn }

// HandleForm registers the handler of the form with this ID.
func (r *Router) HandleForm(id string, fn FormFunc) { r.forms[id] = fn }

// Refusal is what an unknown or non-staff user is told.
const Refusal = "Sorry, JayayaCRM is only for registered staff. Ask an admin to link your Slack account."

// staff resolves the actor to an active staff user.
func (r *Router) staff(ctx context.Context, a Actor) (*core.User, *Reply) {
	var (
		u   *core.User
		err error
	)
	switch a.Platform {
	case core.PlatformSlack:
		u, err = r.Store.UserBySlackID(ctx, a.UserID)
	case core.PlatformDiscord:
		u, err = r.Store.UserByDiscordID(ctx, a.UserID)
	default:
		return nil, &Reply{Text: Refusal}
	}
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		r.Log.Error("resolve user", "platform", a.Platform, "err", err)
		return nil, &Reply{Text: core.ErrorMessage(err)}
	}
	if u == nil || !u.IsStaff() {
		return nil, &Reply{Text: Refusal}
	}
	return u, nil
}

// Command answers the text typed after /crm.
func (r *Router) Command(ctx context.Context, a Actor, text string) Reply {
	u, refusal := r.staff(ctx, a)
	if refusal != nil {
		return *refusal
	}
	args, err := SplitArgs(text)
	if err != nil {
		return Reply{Text: err.Error() + " Try `/crm help`."}
	}
	if len(args) == 0 {
		return r.help(ctx, &Call{Actor: a, User: u})
	}
	name := strings.ToLower(args[0])
	cmd, ok := r.commands[name]
	if !ok {
		return Reply{Text: fmt.Sprintf("I don't know `/crm %s`. Try `/crm help`.", args[0])}
	}
	rest := strings.Join(args[1:], " ")
	if trimmed := strings.TrimSpace(text); strings.HasPrefix(trimmed, args[0]) {
		rest = strings.TrimSpace(trimmed[len(args[0]):])
	}
	return r.safe(ctx, "command", name, func() Reply {
		return cmd.fn(ctx, &Call{Actor: a, User: u, Args: args[1:], Rest: rest})
	})
}

// Action answers a button press.
func (r *Router) Action(ctx context.Context, a Actor, action, value string) Reply {
	u, refusal := r.staff(ctx, a)
	if refusal != nil {
		return *refusal
	}
	prefix := action
	for {
		if fn, ok := r.actions[prefix]; ok {
			return r.safe(ctx, "action", action, func() Reply { return fn(ctx, &Call{Actor: a, User: u}, action, value) })
		}
		i := strings.LastIndexByte(prefix, '.')
		if i < 0 {
			break
		}
		prefix = prefix[:i]
	}
	r.Log.Warn("unknown action", "action", action)
	return Reply{Text: "That button no longer works here."}
}

// Submit answers a form submission.
func (r *Router) Submit(ctx context.Context, a Actor, formID, meta string, values map[string][]string) FormResult {
	u, refusal := r.staff(ctx, a)
	if refusal != nil {
		return FormResult{Reply: refusal}
	}
	fn, ok := r.forms[formID]
	if !ok {
		r.Log.Warn("unknown form", "form", formID)
		return FormResult{Reply: &Reply{Text: "That form no longer works here."}}
	}
	var res FormResult
	r.safe(ctx, "form", formID, func() Reply {
		res = fn(ctx, &Call{Actor: a, User: u}, meta, values)
		return Reply{}
	})
	return res
}

// safe runs a handler, turning a panic into an apology.
func (r *Router) safe(ctx context.Context, kind, name string, fn func() Reply) (rep Reply) {
	defer func() {
		if p := recover(); p != nil {
			r.Log.Error("handler panicked", "kind", kind, "name", name, "panic", p)
			rep = Reply{Text: core.ErrorMessage(fmt.Errorf("panic"))}
		}
	}()
	return fn()
}

func (r *Router) help(ctx context.Context, c *Call) Reply {
	names := append([]string(nil), r.order...)
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("*JayayaCRM* — what you can do:\n")
	for _, n := range names {
		if n == "help" {
			continue
		}
		cmd := r.commands[n]
		fmt.Fprintf(&b, "• `%s` — %s\n", cmd.usage, cmd.help)
	}
	b.WriteString("Quote names with spaces: `/crm company \"Dupont & Fils\"`.")
	return Reply{Text: b.String()}
}

// ErrorReply turns a domain error into a reply: its user-safe message, or
// an apology (the detail is logged) for an internal error.
func (r *Router) ErrorReply(err error) Reply {
	if core.ErrorCode(err) == core.EINTERNAL {
		r.Log.Error("command failed", "err", err)
	}
	return Reply{Text: core.ErrorMessage(err)}
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
