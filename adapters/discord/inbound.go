package discord

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// maxSubjectRunes bounds a subject taken from a message's first line.
const maxSubjectRunes = 80

// isEcho reports whether a message must never be relayed: the bot's own
// posts, webhook posts (the relay's, among others), other bots, and
// system messages (thread created, member joined...).
func (a *Adapter) isEcho(m *discordgo.Message) bool {
	if m == nil || m.Author == nil || m.WebhookID != "" || m.Author.Bot || m.Author.ID == a.botUserID() {
		return true
	}
	return m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply
}

func (a *Adapter) onMessageCreate(_ *discordgo.Session, ev *discordgo.MessageCreate) {
	if a.isEcho(ev.Message) {
		return
	}
	a.queues.push(ev.ChannelID, func() {
		ctx := a.ctx()
		a.afterCatchUp(ctx)
		a.handleMessage(ctx, ev.Message)
	})
}

// handleMessage opens a ticket for a message in a support channel and
// relays a message written in a ticket thread; it is also the catch-up's
// path, so a message seen twice is stored once.
func (a *Adapter) handleMessage(ctx context.Context, m *discordgo.Message) {
	if a.isEcho(m) {
		return
	}
	if m.GuildID != "" && m.GuildID != a.cfg.GuildID {
		return
	}
	log := a.log.With("channel", m.ChannelID, "message", m.ID)
	if a.isSupport(m.ChannelID) {
		res, err := a.relay.OpenTicket(ctx, bot.InboundOpen{
			Platform: core.PlatformDiscord, ClientPlatformUserID: m.Author.ID, Channel: m.ChannelID,
			Subject: subjectOf(m), First: a.inbound(m),
		})
		if err != nil {
			log.Error("open ticket from message", "err", err)
			return
		}
		a.Metrics.InboundOutcome(core.PlatformDiscord, res.Outcome)
		if res.Outcome == bot.Refused {
			a.refuse(ctx, m.Author.ID, res)
		}
		return
	}
	if m.GuildID == "" {
		return // a DM: tickets are opened in the support channel
	}
	res, err := a.relay.Inbound(ctx, *a.inbound(m))
	if err != nil {
		log.Error("relay inbound message", "err", err)
		return
	}
	a.Metrics.InboundOutcome(core.PlatformDiscord, res.Outcome)
	if res.Outcome == bot.Refused {
		a.refuse(ctx, m.Author.ID, res)
	}
	log.Debug("inbound message", "outcome", res.Outcome)
}

// inbound translates a Discord message for the relay.
func (a *Adapter) inbound(m *discordgo.Message) *bot.InboundMessage {
	in := &bot.InboundMessage{
		Platform: core.PlatformDiscord, SourceID: m.ID, ChannelID: m.ChannelID, ThreadID: m.ChannelID,
		AuthorPlatformID: m.Author.ID, AuthorName: authorName(m), AvatarURL: m.Author.AvatarURL(""),
		Text: messageText(m),
	}
	for _, at := range m.Attachments {
		if at == nil {
			continue
		}
		in.Attachments = append(in.Attachments, core.Attachment{Name: at.Filename, URL: at.URL, ContentType: at.ContentType, Size: int64(at.Size)})
	}
	return in
}

// messageText is m's text with its user mentions written as @username
// (discordgo's ContentWithMentionsReplaced), a null among the mentions
// skipped rather than dereferenced.
func messageText(m *discordgo.Message) string {
	if slices.Contains(m.Mentions, nil) {
		c := *m
		c.Mentions = slices.DeleteFunc(slices.Clone(m.Mentions), func(u *discordgo.User) bool { return u == nil })
		m = &c
	}
	return m.ContentWithMentionsReplaced()
}

// authorName is how a Discord author is shown: server nickname, global
// display name, or username.
func authorName(m *discordgo.Message) string {
	if m.Member != nil && m.Member.Nick != "" {
		return m.Member.Nick
	}
	if m.Author.GlobalName != "" {
		return m.Author.GlobalName
	}
	return m.Author.Username
}

// subjectOf takes a ticket subject from a message's first line ("" when
// it has no text: the relay then names the ticket in its opener's
// language).
func subjectOf(m *discordgo.Message) string {
	line, _, _ := strings.Cut(strings.TrimSpace(messageText(m)), "\n")
	line = strings.Join(strings.Fields(line), " ")
	if utf8.RuneCountInString(line) > maxSubjectRunes {
		r := []rune(line)
		line = strings.TrimSpace(string(r[:maxSubjectRunes-1])) + "…"
	}
	return line
}

// onMessageUpdate follows an author's edit of a relayed message. Updates
// without an edit timestamp (embeds resolved, pins) are not edits.
func (a *Adapter) onMessageUpdate(_ *discordgo.Session, ev *discordgo.MessageUpdate) {
	m := ev.Message
	if m == nil || m.EditedTimestamp == nil || a.isEcho(m) || a.isSupport(m.ChannelID) {
		return
	}
	a.queues.push(m.ChannelID, func() {
		ctx := a.ctx()
		a.afterCatchUp(ctx)
		res, err := a.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformDiscord, SourceID: m.ID, Text: messageText(m)})
		if err != nil {
			a.log.Error("relay edit", "message", m.ID, "err", err)
			return
		}
		a.Metrics.InboundOutcome(core.PlatformDiscord, res.Outcome)
		a.log.Debug("inbound edit", "message", m.ID, "outcome", res.Outcome)
	})
}

// onMessageDelete follows a deletion in a ticket thread. Deletions in the
// support channel are the bot's own removal of a ticket's public first
// message (or unrelated): the ticket keeps that message.
func (a *Adapter) onMessageDelete(_ *discordgo.Session, ev *discordgo.MessageDelete) {
	if ev.Message == nil || a.isSupport(ev.ChannelID) {
		return
	}
	a.queues.push(ev.ChannelID, func() {
		ctx := a.ctx()
		a.afterCatchUp(ctx)
		res, err := a.relay.Delete(ctx, core.PlatformDiscord, ev.ChannelID, ev.ID)
		if err != nil {
			a.log.Error("relay delete", "message", ev.ID, "err", err)
			return
		}
		a.Metrics.InboundOutcome(core.PlatformDiscord, res.Outcome)
		a.log.Debug("inbound delete", "message", ev.ID, "outcome", res.Outcome)
	})
}

// refuse tells a user, once a day, in a DM and in their language, why
// nothing happened (res.Reason).
func (a *Adapter) refuse(ctx context.Context, userID string, res bot.Result) {
	reason := i18n.For(a.relay.ReaderLocale(res.User, core.PlatformDiscord, "")).Msg(res.Reason)
	key := "refusal:" + userID + ":" + time.Now().UTC().Format("2006-01-02")
	seen, err := a.store.SeenEvent(ctx, nil, core.PlatformDiscord, key)
	if err != nil || seen {
		return
	}
	ch, err := a.dg.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err == nil {
		_, err = a.dg.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{
			Content: reason, AllowedMentions: &discordgo.MessageAllowedMentions{},
		}, discordgo.WithContext(ctx))
	}
	if err != nil {
		a.log.Warn("cannot send refusal DM", "user", userID, "err", err)
	}
}
