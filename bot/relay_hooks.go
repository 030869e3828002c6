package bot

import (
	"context"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Kinds declares every kind of delivery bot queues, each once, with the
// relay's hooks for it: what the delivery worker needs to know of them
// (outbox.Worker.Register). Completion hooks record the ticket's threads
// (open_thread), the message's target IDs (post, edit) and queue ✅ on a
// relayed message's source once its last part (or its slack.files) is
// delivered; parking hooks queue ⚠️ there. Card updates and ✅ receipts
// may be superseded (Stale); posts, edits and deletions may be merged or
// rewritten before they leave (Prepare).
func (r *Relay) Kinds() []outbox.Kind {
	slack, discord := core.PlatformSlack, core.PlatformDiscord
	return []outbox.Kind{
		{Name: KindSlackOpenThread, Platform: slack, OnDone: r.slackThreadOpened},
		{Name: KindSlackPost, Platform: slack, OnDone: r.slackPosted, OnParked: r.slackPostParked, Prepare: r.mergeSlackPosts},
		{Name: KindSlackFiles, Platform: slack, OnDone: r.slackFilesPosted, OnParked: r.slackFilesParked},
		{Name: KindSlackEdit, Platform: slack, OnDone: r.edited, Prepare: r.rewriteSharedPost},
		{Name: KindSlackDelete, Platform: slack, Prepare: r.rewriteSharedPost},
		{Name: KindSlackCard, Platform: slack, Stale: r.staleCard},
		{Name: KindSlackReact, Platform: slack, Stale: r.staleReceipt},
		{Name: KindSlackNotice, Platform: slack},
		{Name: KindSlackDM, Platform: slack}, // queued by Reminders
		{Name: KindDiscordOpenThread, Platform: discord, OnDone: r.discordThreadOpened},
		{Name: KindDiscordPost, Platform: discord, OnDone: r.discordPosted, OnParked: r.discordPostParked, Prepare: r.mergeDiscordPosts},
		{Name: KindDiscordEdit, Platform: discord, OnDone: r.edited, Prepare: r.rewriteSharedPost},
		{Name: KindDiscordDelete, Platform: discord, Prepare: r.rewriteSharedPost},
		{Name: KindDiscordReact, Platform: discord, Stale: r.staleReceipt},
		{Name: KindDiscordNotice, Platform: discord},
		{Name: KindDiscordStatus, Platform: discord},
	}
}

// slackThreadOpened records the Slack thread of a ticket whose card was
// posted (KindSlackOpenThread's OnDone).
func (r *Relay) slackThreadOpened(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	p, err := DecodePayload[SlackOpenThreadPayload](d)
	if err != nil || remoteID == "" {
		return err
	}
	return r.Store.SetTicketThreads(ctx, tx.Bun(), p.TicketID, "", p.Channel, remoteID)
}

// discordThreadOpened records the Discord thread of a ticket
// (KindDiscordOpenThread's OnDone).
func (r *Relay) discordThreadOpened(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	p, err := DecodePayload[DiscordOpenThreadPayload](d)
	if err != nil || remoteID == "" {
		return err
	}
	return r.Store.SetTicketThreads(ctx, tx.Bun(), p.TicketID, remoteID, "", "")
}

// slackPosted records one part of a message posted on Slack, and the
// messages merged into it (KindSlackPost's OnDone).
func (r *Relay) slackPosted(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	p, err := DecodePayload[SlackPostPayload](d)
	if err != nil {
		return err
	}
	if err := r.posted(ctx, tx, p.TicketID, p.MessageID, remoteID, p.Part == p.Parts-1 && !p.FilesFollow, p.Source); err != nil {
		return err
	}
	return r.postedMerged(ctx, tx, p.TicketID, p.Merged, remoteID)
}

// slackFilesPosted completes a message whose attachments were uploaded
// to Slack (KindSlackFiles's OnDone). The files' IDs stay on the delivery
// (its remote ID); the message's targets are its text parts.
func (r *Relay) slackFilesPosted(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	p, err := DecodePayload[SlackFilesPayload](d)
	if err != nil {
		return err
	}
	return r.posted(ctx, tx, p.TicketID, p.MessageID, "", true, p.Source)
}

// discordPosted records one part of a message posted on Discord, and the
// messages merged into it (KindDiscordPost's OnDone). The copy of a
// first message posted in the support channel records nothing.
func (r *Relay) discordPosted(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	p, err := DecodePayload[DiscordPostPayload](d)
	if err != nil || p.Copy {
		return err
	}
	if err := r.posted(ctx, tx, p.TicketID, p.MessageID, remoteID, p.Part == p.Parts-1, p.Source); err != nil {
		return err
	}
	return r.postedMerged(ctx, tx, p.TicketID, p.Merged, remoteID)
}

// edited records the ID an edit got on the other platform
// (KindSlackEdit's and KindDiscordEdit's OnDone).
func (r *Relay) edited(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	if remoteID != "" && d.MessageID != nil {
		return r.Store.SetMessageTarget(ctx, tx.Bun(), *d.MessageID, remoteID)
	}
	return nil
}

// staleCard reports whether another Slack card update is queued behind
// this one in its lane (KindSlackCard's Stale): the card is rebuilt at
// send time, so the later one shows everything.
func (r *Relay) staleCard(ctx context.Context, d *core.Delivery) (bool, error) {
	later, err := r.Store.LaterPending(ctx, d.Stream, d.ID, d.Kind, 1)
	return len(later) > 0, err
}

// staleReceipt reports whether a ✅ has a later ✅ queued behind it in
// its lane for the same conversation (the Stale of the react kinds): a ✅
// on the newest delivered message means delivered up to there. A ⚠️ or
// 🔒 is never stale.
func (r *Relay) staleReceipt(ctx context.Context, d *core.Delivery) (bool, error) {
	channel, ok := deliveredReceipt(d)
	if !ok {
		return false, nil
	}
	later, err := r.Store.LaterPending(ctx, d.Stream, d.ID, d.Kind, 32) // the next few
	if err != nil {
		return false, err
	}
	for _, l := range later {
		if c, ok := deliveredReceipt(l); ok && c == channel {
			return true, nil
		}
	}
	return false, nil
}

// deliveredReceipt returns the conversation of a ✅ receipt; ok is false
// for any other reaction, and for a Discord ✅ whose message is found only
// at send time (the copy of a first message).
func deliveredReceipt(d *core.Delivery) (channel string, ok bool) {
	switch d.Kind {
	case KindSlackReact:
		p, err := DecodePayload[SlackReactPayload](d)
		return p.Channel, err == nil && p.Reaction == ReactDelivered
	case KindDiscordReact:
		p, err := DecodePayload[DiscordReactPayload](d)
		return p.ChannelID, err == nil && p.Reaction == ReactDelivered && p.ChannelID != ""
	}
	return "", false
}

// posted records one delivered part of a relayed message and, after the
// last one, queues ✅ on its source: where src says, without a look-up,
// when the payload carries it.
func (r *Relay) posted(ctx context.Context, tx *outbox.Tx, ticketID, messageID int64, remoteID string, last bool, src *MessageSource) error {
	if remoteID != "" {
		if err := r.Store.AppendMessageTarget(ctx, tx.Bun(), messageID, remoteID); err != nil {
			return err
		}
	}
	if !last {
		return nil
	}
	if src == nil {
		return r.reactOnSource(ctx, tx, messageID, ReactDelivered)
	}
	return r.reactAt(ctx, tx, ticketID, messageID, *src, ReactDelivered)
}

// postedMerged records the messages merged into a delivered post (see
// MergedMessage) as posted there, each with its own ✅.
func (r *Relay) postedMerged(ctx context.Context, tx *outbox.Tx, ticketID int64, merged []MergedMessage, remoteID string) error {
	for _, mm := range merged {
		if err := r.posted(ctx, tx, ticketID, mm.MessageID, remoteID, true, mm.Source); err != nil {
			return err
		}
	}
	return nil
}

// reactAt queues reaction on a relayed message where it was written (src;
// on Discord an empty src.ID means the copy of a first message, found at
// send time). Nothing is queued for a platform the relay does not serve.
func (r *Relay) reactAt(ctx context.Context, tx *outbox.Tx, ticketID, messageID int64, src MessageSource, reaction string) error {
	var d *core.Delivery
	switch {
	case src.Platform == core.PlatformSlack && r.slackOn():
		d = ticketDelivery(ticketID, KindSlackReact, core.PlatformSlack, SlackReactPayload{
			TicketID: ticketID, MessageID: messageID, Channel: src.ChannelID, TS: src.ID, Reaction: reaction,
		})
	case src.Platform == core.PlatformDiscord && r.discordOn():
		d = ticketDelivery(ticketID, KindDiscordReact, core.PlatformDiscord, DiscordReactPayload{
			TicketID: ticketID, MessageID: messageID, ChannelID: src.ChannelID, DiscordMessageID: src.ID, Reaction: reaction,
		})
	default:
		return nil
	}
	if src.Platform == core.PlatformDiscord && src.ChannelID == "" {
		// The copy it goes on is posted in the message stream: wait
		// there, behind it.
		d.Stream = TicketStream(ticketID, core.PlatformDiscord)
	}
	d.MessageID = &messageID
	return tx.Enqueue(ctx, d)
}

// slackPostParked queues ⚠️ on the source of a message whose Slack post
// can never succeed, and of the messages merged into it
// (KindSlackPost's OnParked).
func (r *Relay) slackPostParked(ctx context.Context, tx *outbox.Tx, d *core.Delivery, reason string) error {
	p, _ := DecodePayload[SlackPostPayload](d)
	return r.parked(ctx, tx, d, p.Merged)
}

// slackFilesParked queues ⚠️ on the source of a message whose files can
// never be uploaded to Slack (KindSlackFiles's OnParked).
func (r *Relay) slackFilesParked(ctx context.Context, tx *outbox.Tx, d *core.Delivery, reason string) error {
	return r.parked(ctx, tx, d, nil)
}

// discordPostParked is slackPostParked for Discord (KindDiscordPost's
// OnParked); the copy of a first message gets none.
func (r *Relay) discordPostParked(ctx context.Context, tx *outbox.Tx, d *core.Delivery, reason string) error {
	p, err := DecodePayload[DiscordPostPayload](d)
	if err != nil || p.Copy {
		return nil
	}
	return r.parked(ctx, tx, d, p.Merged)
}

// parked queues ⚠️ on the source of the relayed message of a parked
// delivery, and on those of merged, where their authors see it.
func (r *Relay) parked(ctx context.Context, tx *outbox.Tx, d *core.Delivery, merged []MergedMessage) error {
	if d.MessageID == nil {
		return nil
	}
	if err := r.reactOnSource(ctx, tx, *d.MessageID, ReactParked); err != nil {
		return err
	}
	for _, mm := range merged {
		if err := r.reactOnSource(ctx, tx, mm.MessageID, ReactParked); err != nil {
			return err
		}
	}
	return nil
}

// reactOnSource queues a reaction on the message where it was written.
func (r *Relay) reactOnSource(ctx context.Context, tx *outbox.Tx, messageID int64, reaction string) error {
	m, err := r.Store.MessageByIDTx(ctx, tx.Bun(), messageID)
	if err != nil {
		return err
	}
	t, err := r.Store.TicketTx(ctx, tx.Bun(), m.TicketID)
	if err != nil {
		return err
	}
	src := MessageSource{Platform: m.SourcePlatform}
	switch m.SourcePlatform {
	case core.PlatformSlack:
		channel, ts, ok := core.SplitSlackSourceID(m.SourceID)
		if !r.slackOn() || !ok {
			return nil
		}
		src.ChannelID, src.ID = channel, ts
	case core.PlatformDiscord:
		if !r.discordOn() {
			return nil
		}
		copies, err := r.Store.CountMessageDeliveries(ctx, tx.Bun(), m.ID, KindDiscordPost)
		if err != nil {
			return err
		}
		if copies == 0 && t.DiscordThreadID != nil {
			// Written in the thread; a first message copied from the
			// support channel is found through its copy at send time.
			src.ChannelID, src.ID = *t.DiscordThreadID, m.SourceID
		}
	}
	return r.reactAt(ctx, tx, t.ID, m.ID, src, reaction)
}
