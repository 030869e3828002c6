package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// noMentions lets a relayed text ping nobody.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Deliver performs one discord.* outbox row (see bot.Kind* and the
// payload types) and returns the Discord ID of what it created. Its
// errors never show a webhook's token (see redact): they are logged and
// stored with the delivery.
func (a *Adapter) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	id, err := a.send.Send(ctx, d)
	if err != nil {
		return "", classify(redact(err))
	}
	return id, nil
}

// senders are the Discord delivery kinds and how each is sent.
func (a *Adapter) senders() bot.Senders {
	return bot.Senders{
		bot.KindDiscordOpenThread: bot.Decoded(a.openThread),
		bot.KindDiscordPost:       bot.Decoded(a.post),
		bot.KindDiscordEdit:       bot.Decoded(a.edit),
		bot.KindDiscordDelete:     bot.DecodedNoID(a.delete),
		bot.KindDiscordReact:      bot.DecodedNoID(a.react),
		bot.KindDiscordNotice:     bot.Decoded(a.notice),
		bot.KindDiscordStatus:     bot.DecodedNoID(a.status),
	}
}

// classify maps a Discord failure onto the worker's retry policy: 429 →
// retry when Discord says, the attempt not counted (nothing was sent); 400/403/404 → permanent (the thread is gone,
// the bot lost its access, the request can never be valid); 401 → retry
// in a minute (a token problem must not hammer Discord); anything else
// (5xx, network) → backoff.
func classify(err error) error {
	if err == nil || outbox.IsPermanent(err) {
		return err
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		after := rl.RetryAfter
		if after <= 0 {
			after = 1e9
		}
		return outbox.NotSent(after, err) // refused: nothing was done
	}
	switch restStatus(err) {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound:
		return outbox.Permanent(err)
	case http.StatusUnauthorized:
		return outbox.RetryAfter(60e9, err)
	}
	return err
}

// restStatus is the HTTP status of a Discord REST error, 0 otherwise.
func restStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// thread returns a ticket's Discord thread (Store.TicketThreadsOf, served
// from memory once the ticket's threads exist).
func (a *Adapter) thread(ctx context.Context, ticketID int64) (string, error) {
	th, err := a.threads(ctx, ticketID)
	return th.DiscordThreadID, err
}

// threads returns where a ticket's threads are; a ticket without a
// Discord thread (or none at all) is a permanent failure.
func (a *Adapter) threads(ctx context.Context, ticketID int64) (core.TicketThreads, error) {
	th, err := a.store.TicketThreadsOf(ctx, ticketID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return th, outbox.Permanent(err)
	}
	if err != nil {
		return th, err
	}
	if th.DiscordThreadID == "" {
		return th, outbox.Permanent(fmt.Errorf("ticket #%d has no Discord thread", th.Number))
	}
	return th, nil
}

// openThread creates the ticket thread (or finds the one an earlier,
// interrupted attempt created) and adds the client.
func (a *Adapter) openThread(ctx context.Context, d *core.Delivery, p bot.DiscordOpenThreadPayload) (string, error) {
	name := threadName(p.Number, p.Subject)
	threadID := ""
	if active, err := a.dg.GuildThreadsActive(a.cfg.GuildID, discordgo.WithContext(ctx)); err == nil {
		for _, th := range active.Threads {
			if th.ParentID == p.ParentID && strings.HasPrefix(th.Name, fmt.Sprintf("#%d ", p.Number)) {
				threadID = th.ID
				break
			}
		}
	}
	if threadID == "" {
		typ := discordgo.ChannelTypeGuildPrivateThread
		if p.Public {
			typ = discordgo.ChannelTypeGuildPublicThread
		}
		th, err := a.dg.ThreadStartComplex(p.ParentID, &discordgo.ThreadStart{
			Name: name, Type: typ, AutoArchiveDuration: 10080, Invitable: false,
		}, discordgo.WithContext(ctx))
		if err != nil {
			return "", err
		}
		threadID = th.ID
	}
	if p.ClientDiscordID != "" {
		if err := a.dg.ThreadMemberAdd(threadID, p.ClientDiscordID, discordgo.WithContext(ctx)); err != nil {
			return "", err
		}
	}
	return threadID, nil
}

// threadName is "#<n> <subject>", within Discord's 100 characters.
func threadName(n int64, subject string) string {
	name := fmt.Sprintf("#%d %s", n, subject)
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:99]) + "…"
	}
	return name
}

// webhookUsername applies Discord's rules to a display name: 1-80
// characters, without "discord" or "clyde".
func webhookUsername(name string) string {
	name = strings.TrimSpace(name)
	for _, bad := range []string{"discord", "clyde"} {
		for {
			i := strings.Index(strings.ToLower(name), bad)
			if i < 0 {
				break
			}
			name = name[:i] + strings.Repeat("*", len(bad)) + name[i+len(bad):]
		}
	}
	if utf8.RuneCountInString(name) > 80 {
		name = string([]rune(name)[:80])
	}
	if name == "" {
		name = "JayayaCRM"
	}
	return name
}

// postPart posts text in tg's thread through its webhook wh, as author,
// with the attachments atts uploaded (see prepareFiles).
func (a *Adapter) postPart(ctx context.Context, tg target, wh *discordgo.Webhook, author, avatar, text string, atts []core.Attachment) (string, error) {
	text, files, err := a.prepareFiles(ctx, text, atts)
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		text = sendableText(text)
	}
	m, err := a.dg.WebhookThreadExecute(wh.ID, wh.Token, true, tg.thread, &discordgo.WebhookParams{
		Content: text, Username: webhookUsername(author), AvatarURL: avatar, AllowedMentions: noMentions(), Files: files,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return "", a.forgetBadWebhook(tg, wh, err)
	}
	return m.ID, nil
}

func (a *Adapter) post(ctx context.Context, d *core.Delivery, p bot.DiscordPostPayload) (string, error) {
	tg, err := a.ticketTarget(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	return a.relayPost(ctx, d, tg, p)
}

// reactionEmoji maps the relay's reaction names to Discord emoji.
var reactionEmoji = map[string]string{bot.ReactDelivered: "✅", bot.ReactParked: "⚠️", bot.ReactNote: "🔒"}

// react adds a reaction; a message or thread that is gone, archived or
// locked is logged and the reaction dropped: it is never worth a ⚠️.
func (a *Adapter) react(ctx context.Context, p bot.DiscordReactPayload) error {
	channel, msg := p.ChannelID, p.DiscordMessageID
	if msg == "" {
		// The first message of a ticket opened in the support channel:
		// react on its copy in the thread.
		thread, err := a.thread(ctx, p.TicketID)
		if err != nil {
			return err
		}
		if msg, err = a.store.DoneRemoteID(ctx, nil, p.MessageID, bot.KindDiscordPost); err != nil {
			return err
		}
		if msg == "" {
			return nil
		}
		channel = thread
	}
	emoji, ok := reactionEmoji[p.Reaction]
	if !ok {
		return outbox.Permanent(fmt.Errorf("unknown reaction %q", p.Reaction))
	}
	err := a.dg.MessageReactionAdd(channel, msg, emoji, discordgo.WithContext(ctx))
	switch restStatus(err) {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound:
		a.log.Info("reaction not added", "channel", channel, "message", msg, "err", err)
		return nil
	}
	return err
}

// notice posts a system line as the bot, with a nonce so that a retry
// after a lost answer is not posted twice.
func (a *Adapter) notice(ctx context.Context, d *core.Delivery, p bot.DiscordNoticePayload) (string, error) {
	thread, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	body := map[string]any{
		"content": p.Text, "allowed_mentions": noMentions(),
		"nonce": fmt.Sprintf("jy%d", d.ID), "enforce_nonce": true,
	}
	uri := discordgo.EndpointChannelMessages(thread)
	resp, err := a.dg.RequestWithBucketID(http.MethodPost, uri, body, discordgo.EndpointChannelMessages(thread), discordgo.WithContext(ctx))
	if err != nil {
		return "", err
	}
	var m discordgo.Message
	if err := discordgo.Unmarshal(resp, &m); err != nil {
		return "", err
	}
	return m.ID, nil
}

// status archives and locks the thread of a closed ticket, or unarchives
// and unlocks it on reopening.
func (a *Adapter) status(ctx context.Context, p bot.DiscordStatusPayload) error {
	thread, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return err
	}
	closed := p.Closed
	_, err = a.dg.ChannelEditComplex(thread, &discordgo.ChannelEdit{Archived: &closed, Locked: &closed}, discordgo.WithContext(ctx))
	return err
}
