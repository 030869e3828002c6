package discord

import (
	"context"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// The guild slash commands clients use, by their English names: Discord
// sends these names whatever language the client reads them in.
const (
	cmdTicket  = "ticket"
	cmdTickets = "tickets"
	cmdClose   = "close"
)

// discordLocales maps the catalog's languages other than English to
// Discord's locale codes, for command localizations.
var discordLocales = map[i18n.Locale]discordgo.Locale{i18n.FR: discordgo.French}

// localized returns the translations of catalog id into every language
// Discord knows besides English.
func localized(id string) map[discordgo.Locale]string {
	out := map[discordgo.Locale]string{}
	for l, dl := range discordLocales {
		out[dl] = i18n.T(l, id)
	}
	return out
}

// commands returns the guild slash commands clients use: English names
// and descriptions, with name_localizations and description_localizations
// from the catalog (tickets.command.*).
func commands() []*discordgo.ApplicationCommand {
	en := i18n.For(i18n.EN)
	cmd := func(name, nameID, descID string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommand {
		names, descs := localized(nameID), localized(descID)
		return &discordgo.ApplicationCommand{Name: name, Description: en.T(descID), NameLocalizations: &names,
			DescriptionLocalizations: &descs, Options: opts}
	}
	choice := func(value, id string) *discordgo.ApplicationCommandOptionChoice {
		return &discordgo.ApplicationCommandOptionChoice{Name: value, Value: value, NameLocalizations: localized(id)}
	}
	return []*discordgo.ApplicationCommand{
		cmd(cmdTicket, "tickets.command.ticket.name", "tickets.command.ticket.about",
			&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "subject",
				NameLocalizations: localized("tickets.command.ticket.subject.name"), Description: en.T("tickets.command.ticket.subject.about"),
				DescriptionLocalizations: localized("tickets.command.ticket.subject.about"), Required: true, MaxLength: 90},
			&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "visibility",
				NameLocalizations: localized("tickets.command.ticket.visibility.name"), Description: en.T("tickets.command.ticket.visibility.about"),
				DescriptionLocalizations: localized("tickets.command.ticket.visibility.about"),
				Choices: []*discordgo.ApplicationCommandOptionChoice{
					choice(core.TicketPrivate, "tickets.visibility.private"),
					choice(core.TicketPublic, "tickets.visibility.public"),
				}}),
		cmd(cmdTickets, "tickets.command.tickets.name", "tickets.command.tickets.about"),
		cmd(cmdClose, "tickets.command.close.name", "tickets.command.close.about"),
	}
}

// CommandNames returns the names of the guild slash commands the adapter
// registers (for `jayaya doctor` to check they are in place).
func CommandNames() []string { return []string{cmdTicket, cmdTickets, cmdClose} }

// registerCommands replaces the guild's commands with ours.
func (a *Adapter) registerCommands(ctx context.Context) error {
	appID := a.dg.State.User.ID
	_, err := a.dg.ApplicationCommandBulkOverwrite(appID, a.cfg.GuildID, commands(), discordgo.WithContext(ctx))
	return err
}

func (a *Adapter) onInteraction(_ *discordgo.Session, ev *discordgo.InteractionCreate) {
	call, ok := slashCommand(ev)
	if !ok {
		return
	}
	ctx := a.ctx()
	// The work runs while the answer waits for it at most AnswerWithin;
	// past that Discord is told the answer will come (deferred, ephemeral
	// as the answer), and the answer then replaces the placeholder.
	answer := make(chan string, 1)
	go func() { answer <- a.runSlash(ctx, call) }()
	within := a.cfg.AnswerWithin
	if within <= 0 {
		within = DefaultAnswerWithin
	}
	timer := time.NewTimer(within)
	defer timer.Stop()
	noMentions := &discordgo.MessageAllowedMentions{}
	select {
	case text := <-answer:
		err := a.dg.InteractionRespond(ev.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: text, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions},
		}, discordgo.WithContext(ctx))
		if err != nil {
			a.log.Error("answer slash command", "command", call.Name, "err", redact(err))
		}
	case <-timer.C:
		err := a.dg.InteractionRespond(ev.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
		}, discordgo.WithContext(ctx))
		text := <-answer
		if err != nil {
			a.log.Error("defer slash command's answer", "command", call.Name, "err", redact(err))
			return
		}
		if _, err := a.dg.InteractionResponseEdit(ev.Interaction, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions},
			discordgo.WithContext(ctx)); err != nil {
			a.log.Error("answer deferred slash command", "command", call.Name, "err", redact(err))
		}
	}
}

// runSlash does what call asks and returns the answer, in the asker's
// language.
func (a *Adapter) runSlash(ctx context.Context, call slashCall) string {
	u, p := a.interactionUser(ctx, call)
	switch call.Name {
	case cmdTicket:
		return a.cmdTicket(ctx, p, call.UserID, call.ChannelID, call.Options["subject"], call.Options["visibility"])
	case cmdTickets:
		return a.cmdTickets(ctx, p, call.UserID)
	case cmdClose:
		return a.cmdClose(ctx, p, u, call.ChannelID)
	default:
		return p.T("tickets.discord.unknown_command")
	}
}

// slashCall is a slash command as the adapter reads it from an
// interaction: who ran which command where, with its string options.
type slashCall struct {
	Name, UserID, ChannelID string
	Options                 map[string]string
	// Locale is the language of the user's Discord client, GuildLocale
	// the guild's; "" when the interaction carries none.
	Locale, GuildLocale string
}

// slashCommand reads the slash command of an interaction; ok is false for
// any other interaction, or one without a user or command data.
// discordgo hands on what it could decode of a payload even when part of
// it was malformed, so nothing is taken for granted: no data, an option
// of another type than registered, or a null in a list is not a panic.
func slashCommand(ev *discordgo.InteractionCreate) (slashCall, bool) {
	if ev == nil || ev.Interaction == nil || ev.Type != discordgo.InteractionApplicationCommand {
		return slashCall{}, false
	}
	data, ok := ev.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		return slashCall{}, false
	}
	user := ev.User
	if ev.Member != nil && ev.Member.User != nil {
		user = ev.Member.User
	}
	if user == nil {
		return slashCall{}, false
	}
	call := slashCall{Name: data.Name, UserID: user.ID, ChannelID: ev.ChannelID, Options: map[string]string{}, Locale: string(ev.Locale)}
	if ev.GuildLocale != nil {
		call.GuildLocale = string(*ev.GuildLocale)
	}
	for _, o := range data.Options {
		if o == nil || o.Type != discordgo.ApplicationCommandOptionString {
			continue
		}
		if v, isString := o.Value.(string); isString {
			call.Options[o.Name] = v
		}
	}
	return call, true
}

// interactionUser resolves who invoked an interaction (nil when
// unregistered) and the Printer of their language: their setting, else
// the interaction's locale, else the guild's. The interaction's locale
// is remembered on a registered user, so that the relay's later lines to
// them (which come with no locale) speak it too.
func (a *Adapter) interactionUser(ctx context.Context, call slashCall) (*core.User, i18n.Printer) {
	said := call.Locale
	if said == "" {
		said = call.GuildLocale
	}
	u, err := a.store.UserByDiscordID(ctx, call.UserID)
	if err != nil || u.DisabledAt != nil {
		u = nil
	}
	if u != nil && call.Locale != "" && call.Locale != u.DiscordLocale {
		if err := a.store.CacheDiscordLocale(ctx, u.ID, call.Locale); err != nil {
			a.log.Warn("interaction locale not cached", "user", u.ID, "err", err)
		} else {
			u.DiscordLocale = call.Locale
		}
	}
	return u, i18n.For(a.relay.ReaderLocale(u, core.PlatformDiscord, said))
}

// cmdTicket answers /ticket subject:<text> [visibility:private|public],
// typed in channelID: the thread opens under that channel when it is a
// support channel, under the first one otherwise.
func (a *Adapter) cmdTicket(ctx context.Context, p i18n.Printer, userID, channelID, subject, visibility string) string {
	res, err := a.relay.OpenTicket(ctx, bot.InboundOpen{
		Platform: core.PlatformDiscord, ClientPlatformUserID: userID, Channel: channelID, Subject: subject, Visibility: visibility,
	})
	if err == nil {
		a.Metrics.InboundOutcome(core.PlatformDiscord, res.Outcome)
	}
	switch {
	case err != nil && core.ErrorCode(err) == core.EINVALID:
		return core.ErrorMessageIn(err, p.Locale())
	case err != nil:
		a.log.Error("open ticket from /ticket", "err", err)
		return p.T("tickets.discord.error")
	case res.Outcome == bot.Refused:
		return p.Msg(res.Reason)
	}
	kind := p.T("tickets.visibility.private")
	if res.Ticket.Visibility == core.TicketPublic {
		kind = p.T("tickets.visibility.public")
	}
	parent := a.cfg.SupportChannel
	if res.Ticket.DiscordChannelID != nil {
		parent = *res.Ticket.DiscordChannelID
	}
	return p.T("tickets.discord.opened", i18n.Args{"Number": res.Ticket.Number, "Visibility": kind,
		"Channel": parent, "Subject": res.Ticket.Subject})
}

// cmdTickets answers /tickets with the user's own and public tickets.
func (a *Adapter) cmdTickets(ctx context.Context, p i18n.Printer, userID string) string {
	ts, err := a.relay.ListForClient(ctx, core.PlatformDiscord, userID)
	if core.ErrorCode(err) == core.EFORBIDDEN {
		return core.ErrorMessageIn(err, p.Locale())
	}
	if err != nil {
		a.log.Error("list tickets", "err", err)
		return p.T("tickets.discord.error")
	}
	if len(ts) == 0 {
		return p.T("tickets.discord.no_tickets")
	}
	lines := []string{p.T("tickets.discord.list_title")}
	for _, t := range ts {
		args := i18n.Args{"Number": t.Number, "Subject": t.Subject, "Status": bot.TicketStatus(p, t.Status), "Public": "", "Thread": ""}
		if t.Visibility == core.TicketPublic {
			args["Public"] = p.T("tickets.visibility.public")
		}
		if t.DiscordThreadID != nil {
			args["Thread"] = *t.DiscordThreadID
		}
		lines = append(lines, p.T("tickets.discord.list_line", args))
	}
	return strings.Join(lines, "\n")
}

// cmdClose answers /close inside a ticket thread; u is who asked (nil
// when unregistered).
func (a *Adapter) cmdClose(ctx context.Context, p i18n.Printer, u *core.User, channelID string) string {
	t, err := a.store.TicketByDiscordThread(ctx, channelID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return p.T("tickets.discord.close_elsewhere")
	}
	if err != nil {
		a.log.Error("close: find ticket", "err", err)
		return p.T("tickets.discord.error")
	}
	if u == nil {
		return p.T(bot.RefusalClient)
	}
	changed, err := a.relay.SetStatus(ctx, t.ID, core.TicketClosed, u)
	switch {
	case core.ErrorCode(err) == core.EFORBIDDEN:
		return core.ErrorMessageIn(err, p.Locale())
	case err != nil:
		a.log.Error("close ticket", "ticket", t.Number, "err", err)
		return p.T("tickets.discord.error")
	case !changed:
		return p.T("tickets.discord.already_closed", i18n.Args{"Number": t.Number})
	}
	return p.T("tickets.discord.closed", i18n.Args{"Number": t.Number})
}
