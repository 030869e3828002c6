package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

var _ outbox.Sender = (*Adapter)(nil)

// Platform is core.PlatformSlack: the adapter delivers the outbox rows
// whose target is Slack.
func (a *Adapter) Platform() string { return core.PlatformSlack }

// Deliver performs one outbox delivery to Slack (outbox.Sender). Everything it
// posts carries the delivery's ID as message metadata, and a retried
// delivery first looks for what an earlier attempt posted, so a crash
// between posting and recording never shows a message twice. Rate limits
// come back as outbox.RetryAfter, gone conversations, threads and messages or
// a revoked token as outbox.Permanent, and anything else is retried.
//
// A call Slack refused with 429, or the pacer held back, sent nothing: it
// comes back as outbox.NotSent, so that the next attempt does not look for
// it. Not for slack.files, whose earlier calls may have uploaded files.
func (a *Adapter) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	id, err := a.send.Send(ctx, d)
	if err != nil {
		return "", classify(d, err)
	}
	return id, nil
}

// senders are the Slack delivery kinds and how each is sent.
func (a *Adapter) senders() bot.Senders {
	return bot.Senders{
		bot.KindSlackOpenThread: bot.Decoded(a.openThread),
		bot.KindSlackPost:       bot.Decoded(a.post),
		bot.KindSlackEdit:       bot.Decoded(a.edit),
		bot.KindSlackDelete:     bot.DecodedNoID(a.delete),
		bot.KindSlackCard: bot.Decoded(func(ctx context.Context, _ *core.Delivery, p bot.SlackCardPayload) (string, error) {
			return a.updateCard(ctx, p)
		}),
		bot.KindSlackReact:  bot.DecodedNoID(a.reactTo),
		bot.KindSlackNotice: bot.Decoded(a.notice),
		bot.KindSlackDM:     a.deliverDM,
		bot.KindSlackFiles:  bot.Decoded(a.uploadFiles),
	}
}

// classify maps a Slack failure of d onto the worker's retry policy
// (deliveryError), in one place: what a sender already classified stays
// as it is, except that slack.files never counts as not sent.
func classify(d *core.Delivery, err error) error {
	var perm *outbox.PermanentError
	var retry *outbox.RetryAfterError
	if !errors.As(err, &perm) && !errors.As(err, &retry) {
		err = deliveryError(err)
	}
	if errors.As(err, &retry) && d.Kind == bot.KindSlackFiles && retry.NotSent {
		err = outbox.RetryAfter(retry.After, retry.Err)
	}
	return err
}

// thread returns where a ticket's Slack thread is (Store.TicketThreadsOf,
// served from memory once the ticket's threads exist). A ticket without
// one yet is retried: its slack.open_thread is ahead in the same stream.
func (a *Adapter) thread(ctx context.Context, ticketID int64) (channel, threadTS string, err error) {
	th, err := a.store.TicketThreadsOf(ctx, ticketID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return "", "", outbox.Permanent(err)
	}
	if err != nil {
		return "", "", err
	}
	if th.SlackChannelID == "" || th.SlackThreadTS == "" {
		return "", "", fmt.Errorf("ticket %d has no Slack thread yet", ticketID)
	}
	return th.SlackChannelID, th.SlackThreadTS, nil
}

// openThread posts the ticket card as a new root message, in the channel
// the ticket was routed to (stored on the ticket; the payload's for
// tickets older than routing). When that channel cannot take it
// (archived, the bot removed, gone: core.FallbackReason), the ticket moves
// to the default channel for good (core.Store.RerouteTicket, counted on
// /metrics) and its card says why; a retry then goes straight there.
func (a *Adapter) openThread(ctx context.Context, d *core.Delivery, p bot.SlackOpenThreadPayload) (string, error) {
	card, err := a.loadCard(ctx, p.TicketID)
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return "", outbox.Permanent(err)
		}
		return "", err
	}
	channel := p.Channel
	if t := card.Ticket; t.SlackChannelID != nil && *t.SlackChannelID != "" {
		channel = *t.SlackChannelID
	}
	if channel == "" {
		channel = a.cfg.StaffChannel
	}
	ts, err := a.postCard(ctx, d, channel, card)
	reason := core.FallbackReason(slackCode(err))
	if reason == "" || channel == a.cfg.StaffChannel {
		return ts, err
	}
	moved, rerr := a.store.RerouteTicket(ctx, p.TicketID, channel, a.cfg.StaffChannel, slackCode(err))
	if rerr != nil {
		return "", rerr
	}
	if moved {
		a.Metrics.RoutingFallback(reason)
		a.log.Warn("routed channel cannot take a ticket; opened in the default channel", "ticket", p.TicketID,
			"channel", channel, "default", a.cfg.StaffChannel, "err", err)
	}
	if card, err = a.loadCard(ctx, p.TicketID); err != nil {
		return "", err
	}
	return a.postCard(ctx, d, a.cfg.StaffChannel, card)
}

// postCard posts a ticket's card as a root message in channel, unless an
// earlier attempt of d did.
func (a *Adapter) postCard(ctx context.Context, d *core.Delivery, channel string, card *ticketCard) (string, error) {
	posted, err := a.findPosted(ctx, d, channel, "")
	if err != nil {
		return "", err
	}
	if ts, ok := posted[0]; ok {
		return ts, nil
	}
	card.p = i18n.For(a.channelLocale(channel))
	_, ts, err := a.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(card.fallback(), false), slack.MsgOptionBlocks(card.blocks()...), deliveryMetadata(d, 0))
	return ts, err
}

// updateCard rebuilds the ticket card from the store and updates it in
// place.
func (a *Adapter) updateCard(ctx context.Context, p bot.SlackCardPayload) (string, error) {
	channel, ts, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	card, err := a.loadCard(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	card.p = i18n.For(a.channelLocale(channel))
	_, _, _, err = a.api.UpdateMessageContext(ctx, channel, ts,
		slack.MsgOptionText(card.fallback(), false), slack.MsgOptionBlocks(card.blocks()...))
	return ts, err
}

// post posts one part of a relayed message in the ticket's thread, under
// its author's name and avatar; attachments are listed after the text: as
// links, or by name when a slack.files delivery uploads them next.
func (a *Adapter) post(ctx context.Context, d *core.Delivery, p bot.SlackPostPayload) (string, error) {
	channel, threadTS, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	lang := a.channelLocale(channel)
	text := attachmentText(lang, p.Text, p.Attachments, func(int) bool { return !p.FilesFollow })
	if strings.TrimSpace(text) == "" {
		text = i18n.T(lang, "adapters.slack.empty")
	}
	opts := []slack.MsgOption{slack.MsgOptionUsername(clip(p.AuthorName, 80))}
	if p.AvatarURL != "" {
		opts = append(opts, slack.MsgOptionIconURL(p.AvatarURL))
	}
	return a.postParts(ctx, d, channel, threadTS, []string{text}, opts...)
}

// edit updates every Slack part of a relayed message with the new text,
// posting extra parts and deleting parts no longer needed; it returns the
// message's ts list after the edit.
func (a *Adapter) edit(ctx context.Context, d *core.Delivery, p bot.SlackEditPayload) (string, error) {
	channel, threadTS, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	m, err := a.messageByID(ctx, p.MessageID)
	if err != nil {
		return "", err
	}
	targets := bot.TargetIDs(m)
	if len(targets) == 0 {
		return "", outbox.Permanent(fmt.Errorf("message %d was never posted to Slack", p.MessageID))
	}
	parts := bot.SplitText(p.Text, bot.SlackTextLimit)
	var out []string
	for i, text := range parts {
		if i < len(targets) {
			if _, _, _, err := a.api.UpdateMessageContext(ctx, channel, targets[i], slack.MsgOptionText(text, false)); err != nil {
				return "", err
			}
			out = append(out, targets[i])
			continue
		}
		ts, err := a.postParts(ctx, d, channel, threadTS, []string{text}, slack.MsgOptionUsername(m.AuthorName))
		if err != nil {
			return "", err
		}
		out = append(out, ts)
	}
	for _, ts := range targets[min(len(parts), len(targets)):] {
		if _, _, err := a.api.DeleteMessageContext(ctx, channel, ts); err != nil && slackCode(err) != "message_not_found" {
			return "", err
		}
	}
	return bot.JoinTargetIDs(out), nil
}

// delete removes every Slack part of a relayed message, and the files
// uploaded for it; parts and files already gone count as deleted.
func (a *Adapter) delete(ctx context.Context, p bot.SlackDeletePayload) error {
	channel, _, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return err
	}
	m, err := a.messageByID(ctx, p.MessageID)
	if err != nil {
		return err
	}
	for _, ts := range bot.TargetIDs(m) {
		if _, _, err := a.api.DeleteMessageContext(ctx, channel, ts); err != nil && slackCode(err) != "message_not_found" {
			return err
		}
	}
	return a.deleteFiles(ctx, m.ID)
}

// messageByID reads a ticket's message; one that is gone can never be
// edited or deleted.
func (a *Adapter) messageByID(ctx context.Context, messageID int64) (*core.Message, error) {
	m, err := a.store.MessageByID(ctx, messageID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, outbox.Permanent(err)
	}
	return m, err
}

// reactionNames maps the relay's neutral reactions to Slack emoji names.
var reactionNames = map[string]string{
	bot.ReactDelivered: "white_check_mark",
	bot.ReactParked:    "warning",
	bot.ReactNote:      "lock",
}

// reactTo adds a reaction; a message gone or a reaction already there is
// done.
func (a *Adapter) reactTo(ctx context.Context, p bot.SlackReactPayload) error {
	name, ok := reactionNames[p.Reaction]
	if !ok {
		name = p.Reaction
	}
	err := a.react(ctx, p.Channel, p.TS, name)
	if slackCode(err) == "message_not_found" {
		a.log.Info("reaction target gone", "ticket", p.TicketID, "message", p.MessageID)
		return nil
	}
	return err
}

// notice posts a system line as the bot in the ticket's thread.
func (a *Adapter) notice(ctx context.Context, d *core.Delivery, p bot.SlackNoticePayload) (string, error) {
	channel, threadTS, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	return a.postParts(ctx, d, channel, threadTS, bot.SplitText(p.Text, bot.SlackTextLimit))
}
