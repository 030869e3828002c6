package discord

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Edits and deletions of relayed messages. Only the webhook that posted
// a message may edit it through Discord's webhook routes: normally its
// ticket's webhook; a part posted through another one (the slot's
// webhook before a moderator deleted it, or another of the pool while the
// channel had no room) is edited through the webhook that posted it,
// read from the message, and deleted by the bot when that webhook is
// gone.

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
	tg, err := a.ticketTarget(ctx, p.TicketID)
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
	wh, err := a.webhookOf(ctx, tg)
	if err != nil {
		return "", err
	}
	text, carriers, err := a.editText(ctx, tg, wh, targets, p)
	if err != nil {
		return "", err
	}
	parts := bot.SplitText(text, bot.DiscordTextLimit)
	var ids []string
	for i, part := range parts {
		if i >= len(targets) {
			id, err := a.postPart(ctx, tg, wh, p.AuthorName, p.AvatarURL, part, nil)
			if err != nil {
				return "", err
			}
			ids = append(ids, id)
			continue
		}
		if strings.TrimSpace(part) == "" && !carriers[targets[i]] {
			part = "(empty message)"
		}
		if err := a.editPart(ctx, tg, wh, targets[i], part); err != nil {
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
		if err := a.editPart(ctx, tg, wh, id, ""); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := a.deleteParts(ctx, tg, wh, surplus); err != nil {
		return "", err
	}
	return bot.JoinTargetIDs(ids), nil
}

// editPart sets the text of part id, through wh or, when Discord says wh
// did not post it, through the webhook that did.
func (a *Adapter) editPart(ctx context.Context, tg target, wh *discordgo.Webhook, id, text string) error {
	edit := func(wh *discordgo.Webhook) error {
		_, err := a.dg.WebhookMessageEdit(wh.ID, wh.Token, id, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()},
			withThread(tg.thread), discordgo.WithContext(ctx))
		return err
	}
	err := edit(wh)
	if discordCode(err) == discordgo.ErrCodeUnknownMessage {
		other, perr := a.poster(ctx, tg, id)
		if perr != nil {
			return perr
		}
		if other != nil && other.ID != wh.ID {
			return a.forgetBadWebhook(tg, other, edit(other))
		}
	}
	return a.forgetBadWebhook(tg, wh, err)
}

// readPart reads part id through wh or the webhook that posted it; nil
// when it is gone.
func (a *Adapter) readPart(ctx context.Context, tg target, wh *discordgo.Webhook, id string) (*discordgo.Message, error) {
	m, err := a.dg.WebhookMessage(wh.ID, wh.Token, id, withThread(tg.thread), discordgo.WithContext(ctx))
	if discordCode(err) == discordgo.ErrCodeUnknownMessage {
		other, perr := a.poster(ctx, tg, id)
		if perr != nil || other == nil {
			return nil, perr
		}
		if other.ID != wh.ID {
			m, err = a.dg.WebhookMessage(other.ID, other.Token, id, withThread(tg.thread), discordgo.WithContext(ctx))
			wh = other
		}
	}
	if restStatus(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, a.forgetBadWebhook(tg, wh, err)
	}
	return m, nil
}

// poster returns the webhook of tg's pool that posted message id of its
// thread, as the bot reads it: nil when the message is gone, or when it
// was not posted through a webhook; a permanent error when its webhook no
// longer exists (Discord then lets nobody edit it).
func (a *Adapter) poster(ctx context.Context, tg target, id string) (*discordgo.Webhook, error) {
	m, err := a.dg.ChannelMessage(tg.thread, id, discordgo.WithContext(ctx))
	if restStatus(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if m.WebhookID == "" {
		return nil, nil
	}
	if wh := a.pool(tg.channel).byID(m.WebhookID); wh != nil {
		return wh, nil
	}
	if err := a.reloadPool(ctx, tg.channel); err != nil {
		return nil, err
	}
	if wh := a.pool(tg.channel).byID(m.WebhookID); wh != nil {
		return wh, nil
	}
	return nil, outbox.Permanent(fmt.Errorf("message %s was posted through webhook %s, which no longer exists: Discord lets nobody edit it", id, m.WebhookID))
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
	tg, err := a.ticketTarget(ctx, p.TicketID)
	if err != nil {
		return err
	}
	m, err := a.store.MessageByID(ctx, p.MessageID)
	if err != nil {
		return outbox.Permanent(err)
	}
	wh, err := a.webhookOf(ctx, tg)
	if err != nil {
		return err
	}
	return a.deleteParts(ctx, tg, wh, bot.TargetIDs(m))
}

// deleteParts deletes relayed parts through wh; a part wh did not post
// (see the top of this file) is deleted by the bot, and one already gone
// is fine.
func (a *Adapter) deleteParts(ctx context.Context, tg target, wh *discordgo.Webhook, ids []string) error {
	for _, id := range ids {
		err := a.dg.WebhookMessageDelete(wh.ID, wh.Token, id, withThread(tg.thread), discordgo.WithContext(ctx))
		if restStatus(err) == http.StatusNotFound && discordCode(err) != discordgo.ErrCodeUnknownWebhook {
			err = a.dg.ChannelMessageDelete(tg.thread, id, discordgo.WithContext(ctx))
			if restStatus(err) == http.StatusNotFound {
				err = nil
			}
		}
		if err != nil {
			return a.forgetBadWebhook(tg, wh, err)
		}
	}
	return nil
}
