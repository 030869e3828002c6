package bot

import (
	"context"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// OnDone is the delivery worker's hook for a delivery the platform
// accepted, run in the transaction that marks it done: it records the
// ticket's threads (open_thread), the message's target IDs (post, edit)
// and queues the ✅ reaction on the source once the last part of a
// relayed message (or, when its attachments follow, its slack.files) is
// delivered.
func (r *Relay) OnDone(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	switch d.Kind {
	case KindSlackOpenThread:
		p, err := DecodePayload[SlackOpenThreadPayload](d)
		if err != nil || remoteID == "" {
			return err
		}
		return r.Store.SetTicketThreads(ctx, tx.Bun(), p.TicketID, "", p.Channel, remoteID)
	case KindDiscordOpenThread:
		p, err := DecodePayload[DiscordOpenThreadPayload](d)
		if err != nil || remoteID == "" {
			return err
		}
		return r.Store.SetTicketThreads(ctx, tx.Bun(), p.TicketID, remoteID, "", "")
	case KindSlackPost:
		p, err := DecodePayload[SlackPostPayload](d)
		if err != nil {
			return err
		}
		if err := r.posted(ctx, tx, p.TicketID, p.MessageID, remoteID, p.Part == p.Parts-1 && !p.FilesFollow, p.Source); err != nil {
			return err
		}
		return r.postedMerged(ctx, tx, p.TicketID, p.Merged, remoteID)
	case KindSlackFiles:
		// The files' IDs stay on the delivery (its remote ID); the
		// message's targets are its text parts.
		p, err := DecodePayload[SlackFilesPayload](d)
		if err != nil {
			return err
		}
		return r.posted(ctx, tx, p.TicketID, p.MessageID, "", true, p.Source)
	case KindDiscordPost:
		p, err := DecodePayload[DiscordPostPayload](d)
		if err != nil || p.Copy {
			return err
		}
		if err := r.posted(ctx, tx, p.TicketID, p.MessageID, remoteID, p.Part == p.Parts-1, p.Source); err != nil {
			return err
		}
		return r.postedMerged(ctx, tx, p.TicketID, p.Merged, remoteID)
	case KindSlackEdit, KindDiscordEdit:
		if remoteID != "" && d.MessageID != nil {
			return r.Store.SetMessageTarget(ctx, tx.Bun(), *d.MessageID, remoteID)
		}
	}
	return nil
}

// Stale is the delivery worker's Stale: a Slack card update with another
// queued behind it in its lane (the card is rebuilt at send time), and a
// ✅ with a later ✅ queued behind it in the same conversation (a ✅ on the
// newest delivered message means delivered up to there). A ⚠️ or 🔒 is
// never stale.
func (r *Relay) Stale(ctx context.Context, d *core.Delivery) (bool, error) {
	switch d.Kind {
	case KindSlackCard:
		later, err := r.Store.LaterPending(ctx, d.Stream, d.ID, d.Kind, 1)
		return len(later) > 0, err
	case KindSlackReact:
		p, err := DecodePayload[SlackReactPayload](d)
		if err != nil || p.Reaction != ReactDelivered {
			return false, nil
		}
		return r.laterReceipt(ctx, d, func(l *core.Delivery) bool {
			q, err := DecodePayload[SlackReactPayload](l)
			return err == nil && q.Reaction == ReactDelivered && q.Channel == p.Channel
		})
	case KindDiscordReact:
		p, err := DecodePayload[DiscordReactPayload](d)
		if err != nil || p.Reaction != ReactDelivered || p.ChannelID == "" {
			return false, nil
		}
		return r.laterReceipt(ctx, d, func(l *core.Delivery) bool {
			q, err := DecodePayload[DiscordReactPayload](l)
			return err == nil && q.Reaction == ReactDelivered && q.ChannelID == p.ChannelID
		})
	}
	return false, nil
}

// laterReceipt reports whether one of the receipts queued after d in its
// lane (the next few) supersedes it.
func (r *Relay) laterReceipt(ctx context.Context, d *core.Delivery, supersedes func(*core.Delivery) bool) (bool, error) {
	later, err := r.Store.LaterPending(ctx, d.Stream, d.ID, d.Kind, 32)
	if err != nil {
		return false, err
	}
	for _, l := range later {
		if supersedes(l) {
			return true, nil
		}
	}
	return false, nil
}

// DoneKinds reports the kinds of delivery OnDone acts on (for
// Worker.DoneKinds); the others need nothing but their completion.
func (r *Relay) DoneKinds(kind string) bool {
	switch kind {
	case KindSlackOpenThread, KindDiscordOpenThread, KindSlackPost, KindSlackFiles, KindDiscordPost, KindSlackEdit, KindDiscordEdit:
		return true
	}
	return false
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

// OnParked is the delivery worker's hook for a delivery that can never
// succeed, run in the transaction that parks it: a relayed message whose
// post (or upload of its files) is parked gets ⚠️ on its source, where
// its author sees it.
func (r *Relay) OnParked(ctx context.Context, tx *outbox.Tx, d *core.Delivery, reason string) error {
	if d.MessageID == nil {
		return nil
	}
	var merged []MergedMessage
	switch d.Kind {
	case KindSlackPost:
		p, _ := DecodePayload[SlackPostPayload](d)
		merged = p.Merged
	case KindSlackFiles:
	case KindDiscordPost:
		p, err := DecodePayload[DiscordPostPayload](d)
		if err != nil || p.Copy {
			return nil
		}
		merged = p.Merged
	default:
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
		if !r.slackOn() || t.SlackChannelID == nil {
			return nil
		}
		src.ChannelID, src.ID = *t.SlackChannelID, m.SourceID
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
