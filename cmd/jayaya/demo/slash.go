package demo

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// A client's slash command, typed in the Discord box the way Discord's own
// client takes it: text starting with the name of a command the product
// registered in the guild becomes an interaction (INTERACTION_CREATE on
// the gateway), which the product's Discord adapter answers; any other
// text is an ordinary message.

// slashCall is a registered command a client typed, with the values of
// its options.
type slashCall struct {
	Name    string
	Options []*discordgo.ApplicationCommandInteractionDataOption
}

// parseSlash reads text typed in Discord's message box against the
// registered commands. ok is false when the text does not start with "/"
// and one of their names: it is then sent as a message, as in Discord.
// Options are written "name: value" (for example "/ticket subject: Late
// delivery visibility: public"); text before the first of them fills the
// command's first option. problem (an empty ID when there is none) is what
// Discord's client says instead of sending: a required option missing, a
// value too long or not one of its choices, text after a command without
// options.
func parseSlash(text string, cmds []*discordgo.ApplicationCommand) (call slashCall, problem i18n.Msg, ok bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return slashCall{}, problem, false
	}
	name, rest, _ := strings.Cut(text[1:], " ")
	i := slices.IndexFunc(cmds, func(c *discordgo.ApplicationCommand) bool {
		return c.Name == name && c.Type == discordgo.ChatApplicationCommand
	})
	if i < 0 {
		return slashCall{}, problem, false
	}
	cmd := cmds[i]
	call.Name = cmd.Name
	values, extra := optionValues(strings.TrimSpace(rest), cmd.Options)
	if extra != "" {
		return call, i18n.M("demo.discord.no_options", i18n.Args{"Command": cmd.Name}), true
	}
	for _, o := range cmd.Options {
		v, given := values[o.Name]
		if !given {
			if o.Required {
				return call, i18n.M("demo.discord.needs_option", i18n.Args{"Command": cmd.Name, "Option": o.Name}), true
			}
			continue
		}
		if o.MaxLength > 0 && utf8.RuneCountInString(v) > o.MaxLength {
			return call, i18n.M("demo.discord.too_long", i18n.Args{"Option": o.Name, "Max": o.MaxLength}), true
		}
		if len(o.Choices) > 0 {
			var names []string
			chosen := ""
			for _, c := range o.Choices {
				names = append(names, c.Name)
				if strings.EqualFold(v, c.Name) || strings.EqualFold(v, fmt.Sprint(c.Value)) {
					chosen = fmt.Sprint(c.Value)
				}
			}
			if chosen == "" {
				return call, i18n.M("demo.discord.not_a_choice", i18n.Args{"Option": o.Name, "Choices": strings.Join(names, ", ")}), true
			}
			v = chosen
		}
		call.Options = append(call.Options, &discordgo.ApplicationCommandInteractionDataOption{
			Name: o.Name, Type: o.Type, Value: v})
	}
	return call, problem, true
}

// optionValues splits what follows a command's name into its options'
// values ("name: value …"); text before the first option name goes to the
// command's first option. extra is that text when the command has none.
func optionValues(rest string, opts []*discordgo.ApplicationCommandOption) (values map[string]string, extra string) {
	values = map[string]string{}
	if rest == "" {
		return values, ""
	}
	if len(opts) == 0 {
		return values, rest
	}
	// Where each "name:" starts, at the start or after a space.
	type mark struct {
		name       string
		start, end int // of "name:"
	}
	var marks []mark
	for _, o := range opts {
		key := o.Name + ":"
		for from := 0; ; {
			j := strings.Index(rest[from:], key)
			if j < 0 {
				break
			}
			j += from
			if j == 0 || rest[j-1] == ' ' {
				marks = append(marks, mark{o.Name, j, j + len(key)})
			}
			from = j + len(key)
		}
	}
	slices.SortFunc(marks, func(a, b mark) int { return a.start - b.start })
	head := rest
	if len(marks) > 0 {
		head = rest[:marks[0].start]
	}
	if h := strings.TrimSpace(head); h != "" {
		values[opts[0].Name] = h
	}
	for k, m := range marks {
		end := len(rest)
		if k+1 < len(marks) {
			end = marks[k+1].start
		}
		if v := strings.TrimSpace(rest[m.end:end]); v != "" {
			values[m.name] = v
		}
	}
	return values, ""
}

// discordCommand runs a client's slash command in channel where and waits
// for the product's answer, which Discord shows only to that client.
func (p *Page) discordCommand(w http.ResponseWriter, r *http.Request, client Person, where string, call slashCall) {
	i, err := p.cfg.Discord.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: where, UserID: client.ID, Name: call.Name, Options: call.Options})
	if err != nil {
		p.done(w, r, &problem{code: "discord-refused", msg: i18n.M("demo.discord.refused", i18n.Args{"Error": err.Error()})})
		return
	}
	p.mu.Lock()
	p.interactions = append(p.interactions, i.ID)
	p.mu.Unlock()
	// The product has 3 seconds to answer (or to say it is thinking and
	// answer later); Discord then says the application did not respond.
	if !p.cfg.Discord.WaitFor(func() bool {
		rec, _ := p.cfg.Discord.Interaction(i.ID)
		_, _, ok := rec.Answer()
		return ok
	}, actTimeout) {
		p.done(w, r, &problem{code: "no-response", msg: i18n.M("demo.discord.no_response")})
		return
	}
	p.done(w, r, nil)
}

// printer speaks the visitor's language: the browser's, else the page's
// default (JAYAYA_LOCALE).
func (p *Page) printer(r *http.Request) i18n.Printer {
	return i18n.ForAcceptLanguage(r.Header.Get("Accept-Language"), p.cfg.Locale)
}

// commandsAt are the slash commands usable in a channel: its guild's and
// the global ones.
func (p *Page) commandsAt(channelID string) []*discordgo.ApplicationCommand {
	cmds := p.cfg.Discord.Commands("")
	if ch, ok := p.cfg.Discord.Channel(channelID); ok && ch.GuildID != "" {
		cmds = append(p.cfg.Discord.Commands(ch.GuildID), cmds...)
	}
	return cmds
}
