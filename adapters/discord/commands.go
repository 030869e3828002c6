package discord

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// commands are the guild slash commands clients use.
var commands = []*discordgo.ApplicationCommand{
	{
		Name: "ticket", Description: "Open a support ticket in a new thread",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "subject", Description: "What is it about?", Required: true, MaxLength: 90},
			{Type: discordgo.ApplicationCommandOptionString, Name: "visibility", Description: "Private (default): only you and our team; public: other clients may read and answer",
				Choices: []*discordgo.ApplicationCommandOptionChoice{
					{Name: "private", Value: core.TicketPrivate},
					{Name: "public", Value: core.TicketPublic},
				}},
		},
	},
	{Name: "tickets", Description: "List your tickets and the public ones"},
	{Name: "close", Description: "Close the ticket of this thread"},
}

// CommandNames returns the names of the guild slash commands the adapter
// registers (for `jayaya doctor` to check they are in place).
func CommandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.Name
	}
	return names
}

// registerCommands replaces the guild's commands with ours.
func (a *Adapter) registerCommands(ctx context.Context) error {
	appID := a.dg.State.User.ID
	_, err := a.dg.ApplicationCommandBulkOverwrite(appID, a.cfg.GuildID, commands, discordgo.WithContext(ctx))
	return err
}

func (a *Adapter) onInteraction(_ *discordgo.Session, ev *discordgo.InteractionCreate) {
	call, ok := slashCommand(ev)
	if !ok {
		return
	}
	ctx := a.ctx()
	var text string
	switch call.Name {
	case "ticket":
		text = a.cmdTicket(ctx, call.UserID, call.ChannelID, call.Options["subject"], call.Options["visibility"])
	case "tickets":
		text = a.cmdTickets(ctx, call.UserID)
	case "close":
		text = a.cmdClose(ctx, call.UserID, call.ChannelID)
	default:
		text = "I do not know that command."
	}
	err := a.dg.InteractionRespond(ev.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: text, Flags: discordgo.MessageFlagsEphemeral,
			AllowedMentions: &discordgo.MessageAllowedMentions{}},
	}, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Error("answer slash command", "command", call.Name, "err", redact(err))
	}
}

// slashCall is a slash command as the adapter reads it from an
// interaction: who ran which command where, with its string options.
type slashCall struct {
	Name, UserID, ChannelID string
	Options                 map[string]string
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
	call := slashCall{Name: data.Name, UserID: user.ID, ChannelID: ev.ChannelID, Options: map[string]string{}}
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

// cmdTicket answers /ticket subject:<text> [visibility:private|public],
// typed in channelID: the thread opens under that channel when it is a
// support channel, under the first one otherwise.
func (a *Adapter) cmdTicket(ctx context.Context, userID, channelID, subject, visibility string) string {
	res, err := a.relay.OpenTicket(ctx, bot.InboundOpen{
		Platform: core.PlatformDiscord, ClientPlatformUserID: userID, Channel: channelID, Subject: subject, Visibility: visibility,
	})
	if err == nil {
		a.Metrics.InboundOutcome(core.PlatformDiscord, res.Outcome)
	}
	switch {
	case err != nil && core.ErrorCode(err) == core.EINVALID:
		return core.ErrorMessage(err)
	case err != nil:
		a.log.Error("open ticket from /ticket", "err", err)
		return "Sorry, something went wrong; please try again in a moment."
	case res.Outcome == bot.Refused:
		return res.Reason
	}
	kind := "private"
	if res.Ticket.Visibility == core.TicketPublic {
		kind = "public"
	}
	parent := a.cfg.SupportChannel
	if res.Ticket.DiscordChannelID != nil {
		parent = *res.Ticket.DiscordChannelID
	}
	return fmt.Sprintf("Ticket #%d is open. Your %s thread “#%d %s” appears under <#%s> in a moment; write there and our team will answer.",
		res.Ticket.Number, kind, res.Ticket.Number, res.Ticket.Subject, parent)
}

// cmdTickets answers /tickets with the user's own and public tickets.
func (a *Adapter) cmdTickets(ctx context.Context, userID string) string {
	ts, err := a.relay.ListForClient(ctx, core.PlatformDiscord, userID)
	if core.ErrorCode(err) == core.EFORBIDDEN {
		return core.ErrorMessage(err)
	}
	if err != nil {
		a.log.Error("list tickets", "err", err)
		return "Sorry, something went wrong; please try again in a moment."
	}
	if len(ts) == 0 {
		return "You have no tickets yet. Write in the support channel or use /ticket to open one."
	}
	var b strings.Builder
	b.WriteString("Your tickets (and public ones):\n")
	for _, t := range ts {
		fmt.Fprintf(&b, "• #%d %s — %s", t.Number, t.Subject, t.Status)
		if t.Visibility == core.TicketPublic {
			b.WriteString(", public")
		}
		if t.DiscordThreadID != nil {
			fmt.Fprintf(&b, " — <#%s>", *t.DiscordThreadID)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// cmdClose answers /close inside a ticket thread.
func (a *Adapter) cmdClose(ctx context.Context, userID, channelID string) string {
	t, err := a.store.TicketByDiscordThread(ctx, channelID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return "Use /close inside a ticket thread."
	}
	if err != nil {
		a.log.Error("close: find ticket", "err", err)
		return "Sorry, something went wrong; please try again in a moment."
	}
	u, err := a.store.UserByDiscordID(ctx, userID)
	if err != nil || u.DisabledAt != nil {
		return bot.RefusalClient
	}
	changed, err := a.relay.SetStatus(ctx, t.ID, core.TicketClosed, u)
	switch {
	case core.ErrorCode(err) == core.EFORBIDDEN:
		return core.ErrorMessage(err)
	case err != nil:
		a.log.Error("close ticket", "ticket", t.Number, "err", err)
		return "Sorry, something went wrong; please try again in a moment."
	case !changed:
		return fmt.Sprintf("Ticket #%d is already closed.", t.Number)
	}
	return fmt.Sprintf("Ticket #%d is closed. Thank you!", t.Number)
}
