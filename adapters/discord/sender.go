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

// webhookName is the name of the support channel's webhook the relay
// posts through.
const webhookName = "JayayaCRM relay"

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

// threadsOf returns where a ticket's threads are (Store.TicketThreadsOf,
// served from memory once they exist); a ticket that is gone can never
// be delivered to.
func (a *Adapter) threadsOf(ctx context.Context, ticketID int64) (core.TicketThreads, error) {
	th, err := a.store.TicketThreadsOf(ctx, ticketID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return th, outbox.Permanent(err)
	}
	return th, err
}

// thread returns a ticket's Discord thread.
func (a *Adapter) thread(ctx context.Context, ticketID int64) (string, error) {
	th, err := a.threadsOf(ctx, ticketID)
	if err != nil {
		return "", err
	}
	if th.DiscordThreadID == "" {
		return "", outbox.Permanent(fmt.Errorf("ticket #%d has no Discord thread", th.Number))
	}
	return th.DiscordThreadID, nil
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

// relayWebhook returns the webhook of the support channel a ticket's
// thread lives under, creating it once per channel.
func (a *Adapter) relayWebhook(ctx context.Context, ticketID int64) (*discordgo.Webhook, error) {
	parent, err := a.parentOf(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	wh := a.webhooks[parent]
	a.mu.Unlock()
	if wh != nil {
		return wh, nil
	}
	hooks, err := a.dg.ChannelWebhooks(parent, discordgo.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	for _, h := range hooks {
		if h.Name == webhookName && h.Token != "" {
			wh = h
			break
		}
	}
	if wh == nil {
		if wh, err = a.dg.WebhookCreate(parent, webhookName, "", discordgo.WithContext(ctx)); err != nil {
			return nil, err
		}
	}
	a.mu.Lock()
	if a.webhooks == nil {
		a.webhooks = map[string]*discordgo.Webhook{}
	}
	a.webhooks[parent] = wh
	a.mu.Unlock()
	return wh, nil
}

// parentOf is the support channel a ticket's thread lives under: the one
// it was opened from, the first one for tickets older than several.
func (a *Adapter) parentOf(ctx context.Context, ticketID int64) (string, error) {
	th, err := a.threadsOf(ctx, ticketID)
	if err != nil {
		return "", err
	}
	if th.DiscordChannelID != "" {
		return th.DiscordChannelID, nil
	}
	return a.cfg.SupportChannel, nil
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

// postPart posts text in a ticket's thread through its channel's
// webhook, as author, with the attachments atts uploaded (see
// prepareFiles).
func (a *Adapter) postPart(ctx context.Context, ticketID int64, threadID, author, avatar, text string, atts []core.Attachment) (string, error) {
	wh, err := a.relayWebhook(ctx, ticketID)
	if err != nil {
		return "", err
	}
	text, files, err := a.prepareFiles(ctx, text, atts)
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		text = sendableText(text)
	}
	m, err := a.dg.WebhookThreadExecute(wh.ID, wh.Token, true, threadID, &discordgo.WebhookParams{
		Content: text, Username: webhookUsername(author), AvatarURL: avatar, AllowedMentions: noMentions(), Files: files,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return "", a.forgetBadWebhook(wh, err)
	}
	return m.ID, nil
}

// forgetBadWebhook drops the cached webhook when Discord no longer knows
// it (deleted by a moderator): the error becomes an ordinary retry, and
// the next attempt creates a new webhook instead of parking the message.
func (a *Adapter) forgetBadWebhook(wh *discordgo.Webhook, err error) error {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil &&
		(re.Message.Code == discordgo.ErrCodeUnknownWebhook || re.Message.Code == discordgo.ErrCodeInvalidWebhookTokenProvided) {
		a.mu.Lock()
		for ch, known := range a.webhooks {
			if known == wh {
				delete(a.webhooks, ch)
			}
		}
		a.mu.Unlock()
		return fmt.Errorf("relay webhook gone, will recreate it: %v", err)
	}
	return err
}

func (a *Adapter) post(ctx context.Context, d *core.Delivery, p bot.DiscordPostPayload) (string, error) {
	thread, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	return a.relayPost(ctx, d, thread, p)
}

// withThread adds ?thread_id= to a webhook message request.
func withThread(threadID string) discordgo.RequestOption {
	return func(cfg *discordgo.RequestConfig) {
		q := cfg.Request.URL.Query()
		q.Set("thread_id", threadID)
		cfg.Request.URL.RawQuery = q.Encode()
	}
}

// edit rewrites a relayed message's parts: existing ones are edited,
// extra ones posted, surplus ones deleted. It returns the part IDs after.
func (a *Adapter) edit(ctx context.Context, d *core.Delivery, p bot.DiscordEditPayload) (string, error) {
	thread, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	m, err := a.store.MessageByID(ctx, p.MessageID)
	if err != nil {
		return "", outbox.Permanent(err)
	}
	targets := bot.TargetIDs(m)
	if len(targets) == 0 {
		return "", nil // never reached Discord: nothing to edit
	}
	wh, err := a.relayWebhook(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	text, carriers, err := a.editText(ctx, wh, thread, targets, p)
	if err != nil {
		return "", err
	}
	parts := bot.SplitText(text, bot.DiscordTextLimit)
	var ids []string
	for i, part := range parts {
		if i >= len(targets) {
			id, err := a.postPart(ctx, p.TicketID, thread, p.AuthorName, p.AvatarURL, part, nil)
			if err != nil {
				return "", err
			}
			ids = append(ids, id)
			continue
		}
		if strings.TrimSpace(part) == "" && !carriers[targets[i]] {
			part = "(empty message)"
		}
		if _, err := a.dg.WebhookMessageEdit(wh.ID, wh.Token, targets[i], &discordgo.WebhookEdit{Content: &part, AllowedMentions: noMentions()},
			withThread(thread), discordgo.WithContext(ctx)); err != nil {
			return "", err
		}
		ids = append(ids, targets[i])
	}
	// Parts no longer needed go, except those carrying files: emptied,
	// they keep the files (and stay the message's, for its deletion).
	var surplus []string
	for _, id := range targets[min(len(parts), len(targets)):] {
		if !carriers[id] {
			surplus = append(surplus, id)
			continue
		}
		empty := ""
		if _, err := a.dg.WebhookMessageEdit(wh.ID, wh.Token, id, &discordgo.WebhookEdit{Content: &empty, AllowedMentions: noMentions()},
			withThread(thread), discordgo.WithContext(ctx)); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := a.deleteParts(ctx, wh, thread, surplus); err != nil {
		return "", err
	}
	return bot.JoinTargetIDs(ids), nil
}

func (a *Adapter) delete(ctx context.Context, p bot.DiscordDeletePayload) error {
	if p.DiscordMessageID != "" {
		err := a.dg.ChannelMessageDelete(p.ChannelID, p.DiscordMessageID, discordgo.WithContext(ctx))
		if s := restStatus(err); p.BestEffort && (s == http.StatusForbidden || s == http.StatusNotFound) {
			a.log.Warn("cannot delete the client's public message; it stays in the support channel",
				"channel", p.ChannelID, "message", p.DiscordMessageID, "status", s)
			return nil
		}
		return err
	}
	thread, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return err
	}
	m, err := a.store.MessageByID(ctx, p.MessageID)
	if err != nil {
		return outbox.Permanent(err)
	}
	wh, err := a.relayWebhook(ctx, p.TicketID)
	if err != nil {
		return err
	}
	return a.deleteParts(ctx, wh, thread, bot.TargetIDs(m))
}

// deleteParts deletes relayed parts through the webhook that posted them;
// a part already gone is fine.
func (a *Adapter) deleteParts(ctx context.Context, wh *discordgo.Webhook, thread string, ids []string) error {
	for _, id := range ids {
		err := a.dg.WebhookMessageDelete(wh.ID, wh.Token, id, withThread(thread), discordgo.WithContext(ctx))
		if err != nil && restStatus(err) != http.StatusNotFound {
			return err
		}
	}
	return nil
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
