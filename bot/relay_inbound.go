package bot

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// OpenTicket opens a ticket for a registered client: the ticket, its
// first message (when opened by a message) and every delivery (Discord
// thread, welcome, copy of the message, removal of the public original,
// Slack card and relay) commit together. An unregistered or disabled
// author is Refused with RefusalClient and nothing is stored; a first
// message already stored is a Duplicate. Errors: EINVALID (subject,
// visibility), EINTERNAL.
func (r *Relay) OpenTicket(ctx context.Context, in InboundOpen) (Result, error) {
	in.Subject = core.CleanName(in.Subject)
	if in.First != nil {
		first := *in.First
		first.Text = core.CleanText(first.Text)
		in.First = &first
	}
	u, err := r.userByPlatform(ctx, in.Platform, in.ClientPlatformUserID)
	if err != nil {
		return Result{}, err
	}
	if u == nil {
		return Result{Outcome: Refused, Reason: i18n.M(RefusalClient)}, nil
	}
	if strings.TrimSpace(in.Subject) == "" {
		in.Subject = i18n.T(r.ReaderLocale(u, in.Platform, ""), "tickets.subject_default")
	}
	if in.First != nil {
		if m, err := r.Store.MessageBySource(ctx, in.Platform, in.First.key(in.Platform)); err == nil {
			t, _ := r.Store.Ticket(ctx, m.TicketID)
			return Result{Outcome: Duplicate, Ticket: t, Message: m, User: u}, nil
		} else if core.ErrorCode(err) != core.ENOTFOUND {
			return Result{}, err
		}
	}
	clientDiscordID := ""
	if u.DiscordID != nil {
		clientDiscordID = *u.DiscordID
	}
	res := Result{Outcome: Stored, User: u}
	// The thread's language, read before the transaction (the channel
	// settings are read on their own connection, and SQLite has one).
	lang := r.readerLocaleIn(u, core.PlatformDiscord, "", r.supportChannel(in))
	var route core.TicketRoute
	err = r.inTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
		t, err := r.Store.OpenTicketTx(ctx, tx.Bun(), u, in.Subject, in.Visibility)
		if err != nil {
			return err
		}
		if route, err = r.Store.RouteTicketTx(ctx, tx.Bun(), t, u, r.supportChannel(in), r.slackRouting()); err != nil {
			return err
		}
		res.Ticket = t
		if err := r.assignWebhook(ctx, tx, t); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, r.openDeliveries(t, u, clientDiscordID, lang)...); err != nil {
			return err
		}
		if in.First == nil {
			return nil
		}
		f := in.First
		m := &core.Message{TicketID: t.ID, AuthorID: &u.ID, AuthorName: displayName(f, u), Body: f.Text,
			Attachments: f.Attachments, SourcePlatform: in.Platform, SourceID: f.key(in.Platform)}
		dup, err := r.Store.RecordMessageTx(ctx, tx.Bun(), m)
		if err != nil {
			return err
		}
		if dup {
			return errDuplicate
		}
		res.Message = m
		var ds []*core.Delivery
		if in.Platform == core.PlatformDiscord {
			ds = append(ds, r.toDiscord(t, m, f.AvatarURL, true, nil)...)
			if r.discordOn() && f.ChannelID != "" {
				del := delivery(t, KindDiscordDelete, core.PlatformDiscord, DiscordDeletePayload{
					TicketID: t.ID, ChannelID: f.ChannelID, DiscordMessageID: f.SourceID, BestEffort: true,
				})
				del.MessageID = &m.ID
				ds = append(ds, del)
			}
			// The ✅ goes on the copy in the thread, found at send time.
			ds = append(ds, r.toSlack(t, m, f.AvatarURL, nil)...)
		}
		return tx.Enqueue(ctx, ds...)
	})
	if errors.Is(err, errDuplicate) {
		m, err := r.Store.MessageBySource(ctx, in.Platform, in.First.key(in.Platform))
		if err != nil {
			return Result{}, err
		}
		t, _ := r.Store.Ticket(ctx, m.TicketID)
		return Result{Outcome: Duplicate, Ticket: t, Message: m, User: u}, nil
	}
	if err != nil {
		return Result{}, err
	}
	r.Metrics.TicketRouted(route.Kind)
	r.log().Info("ticket opened", "ticket", res.Ticket.Number, "platform", in.Platform, "user", u.ID, "by_message", in.First != nil,
		"slack_channel", route.SlackChannel, "route", route.Kind)
	return res, nil
}

// slackRouting is where tickets no rule matches open on Slack; nil when
// Slack is off.
func (r *Relay) slackRouting() *core.SlackRouting {
	if !r.slackOn() {
		return nil
	}
	return &core.SlackRouting{Default: r.SlackChannel, Overflow: r.SlackOverflow, Policy: r.Overflow}
}

// supportChannel is the Discord support channel a ticket is opened from:
// the one in asks for (or its first message's) when the relay serves it,
// else the first one; "" when Discord is off.
func (r *Relay) supportChannel(in InboundOpen) string {
	if !r.discordOn() {
		return ""
	}
	ch := in.Channel
	if ch == "" && in.First != nil && in.Platform == core.PlatformDiscord {
		ch = in.First.ChannelID
	}
	if r.IsSupportChannel(ch) {
		return ch
	}
	return r.DiscordChannel
}

// IsSupportChannel reports whether clients open tickets in Discord
// channel id (one of DiscordChannels).
func (r *Relay) IsSupportChannel(id string) bool {
	if id == "" {
		return false
	}
	if len(r.DiscordChannels) == 0 {
		return id == r.DiscordChannel
	}
	return slices.Contains(r.DiscordChannels, id)
}

// IsNote reports whether a Slack reply is an internal note ("note: …").
func IsNote(text string) bool {
	t := strings.TrimSpace(text)
	return len(t) >= len(NotePrefix) && strings.EqualFold(t[:len(NotePrefix)], NotePrefix)
}

// Inbound stores a message written in a ticket thread and queues its
// relay to the other side. Outcomes: NotTicket (the thread is no
// ticket's), Duplicate (already stored), Refused (unregistered author,
// non-staff on Slack, a client outside the ticket, a closed ticket;
// Reason says why) or Stored. A Slack reply starting with "note:" is
// stored as an internal note: it is not relayed and gets a 🔒 reaction.
// A staff member replying on Slack becomes a participant (the card is
// updated). The text is cleaned first (core.CleanText): a control
// character a platform let through is dropped, not refused, so the
// message is never lost over it; OpenTicket and Edit do the same.
// Errors: EINVALID, EINTERNAL.
func (r *Relay) Inbound(ctx context.Context, in InboundMessage) (Result, error) {
	in.Text = core.CleanText(in.Text)
	t, err := r.ticketOf(ctx, &in)
	if err != nil || t == nil {
		return Result{Outcome: NotTicket}, err
	}
	// A message already stored is found by its insert (a Duplicate). A
	// refusal looks first: a message relayed before, redelivered after its
	// ticket closed or its author lost access, is a Duplicate too, not a
	// refusal to explain.
	refuse := func(res Result) (Result, error) {
		if m, err := r.Store.MessageBySource(ctx, in.Platform, in.key(in.Platform)); err == nil {
			return Result{Outcome: Duplicate, Ticket: t, Message: m}, nil
		} else if core.ErrorCode(err) != core.ENOTFOUND {
			return Result{}, err
		}
		return res, nil
	}
	u, err := r.userByPlatform(ctx, in.Platform, in.AuthorPlatformID)
	if err != nil {
		return Result{}, err
	}
	switch {
	case u == nil && in.Platform == core.PlatformSlack:
		return refuse(Result{Outcome: Refused, Ticket: t, Reason: i18n.M(RefusalStaff)})
	case u == nil:
		return refuse(Result{Outcome: Refused, Ticket: t, Reason: i18n.M(RefusalClient)})
	case in.Platform == core.PlatformSlack && !u.IsStaff():
		return refuse(Result{Outcome: Refused, Ticket: t, User: u, Reason: i18n.M(RefusalStaff)})
	}
	if ok, err := r.Store.CanRead(ctx, u, t); err != nil {
		return Result{}, err
	} else if !ok {
		return refuse(Result{Outcome: Refused, Ticket: t, User: u, Reason: i18n.M(RefusalNoAccess)})
	}
	note := in.Platform == core.PlatformSlack && IsNote(in.Text)
	if t.Status == core.TicketClosed && !note {
		return refuse(Result{Outcome: Refused, Ticket: t, User: u,
			Reason: i18n.M(RefusalClosed, i18n.Args{"Ticket": ticketLabel(t)})})
	}
	m := &core.Message{TicketID: t.ID, AuthorID: &u.ID, AuthorName: displayName(&in, u), Body: in.Text,
		Attachments: in.Attachments, Internal: note, SourcePlatform: in.Platform, SourceID: in.key(in.Platform)}
	err = r.inTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
		dup, err := r.Store.RecordMessageTx(ctx, tx.Bun(), m)
		if err != nil {
			return err
		}
		if dup {
			return errDuplicate
		}
		var ds []*core.Delivery
		switch {
		case note:
			react := delivery(t, KindSlackReact, core.PlatformSlack, SlackReactPayload{
				TicketID: t.ID, MessageID: m.ID, Channel: in.ChannelID, TS: in.SourceID, Reaction: ReactNote,
			})
			react.MessageID = &m.ID
			ds = append(ds, react)
		case in.Platform == core.PlatformSlack:
			src := &MessageSource{Platform: in.Platform, ChannelID: in.ChannelID, ID: in.SourceID}
			ds = append(ds, r.toDiscord(t, m, in.AvatarURL, false, src)...)
		default:
			var src *MessageSource
			if t.DiscordThreadID != nil && in.ChannelID == *t.DiscordThreadID {
				src = &MessageSource{Platform: in.Platform, ChannelID: in.ChannelID, ID: in.SourceID}
			}
			ds = append(ds, r.toSlack(t, m, in.AvatarURL, src)...)
		}
		added := false
		if !r.Store.KnownParticipant(t.ID, u.ID) {
			if added, err = r.Store.AddParticipant(ctx, tx.Bun(), t.ID, u.ID); err != nil {
				return err
			}
		}
		if added && r.slackOn() {
			ds = append(ds, delivery(t, KindSlackCard, core.PlatformSlack, SlackCardPayload{TicketID: t.ID}))
		}
		return tx.Enqueue(ctx, ds...)
	})
	if errors.Is(err, errDuplicate) {
		if stored, err := r.Store.MessageBySource(ctx, in.Platform, in.key(in.Platform)); err == nil {
			m = stored
		}
		return Result{Outcome: Duplicate, Ticket: t, Message: m, User: u}, nil
	}
	if err != nil {
		return Result{}, err
	}
	r.Store.NoteParticipant(t.ID, u.ID)
	r.log().Debug("message stored", "ticket", t.Number, "platform", in.Platform, "message", m.ID, "note", note)
	return Result{Outcome: Stored, Ticket: t, Message: m, User: u, Note: note}, nil
}

// Edit follows an edit of a stored message to the other side. Outcomes:
// NotTicket (the relay never stored the message), Duplicate (deleted, or
// the text did not change) or Stored. Internal notes are updated and
// stay in Slack. Errors: EINVALID (a Slack message without its channel,
// a text too long), EINTERNAL.
func (r *Relay) Edit(ctx context.Context, in InboundEdit) (Result, error) {
	in.Text = core.CleanText(in.Text)
	m, t, res, err := r.storedMessage(ctx, in.Platform, in.ChannelID, in.SourceID)
	if m == nil {
		return res, err
	}
	changed := false
	err = r.inTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
		if changed, err = r.Store.EditMessageTx(ctx, tx.Bun(), m.ID, in.Text); err != nil || !changed {
			return err
		}
		m.Body = in.Text
		if m.Internal {
			return nil
		}
		var d *core.Delivery
		if m.SourcePlatform == core.PlatformSlack {
			if !r.discordOn() {
				return nil
			}
			d = delivery(t, KindDiscordEdit, core.PlatformDiscord, DiscordEditPayload{
				TicketID: t.ID, MessageID: m.ID, AuthorName: m.AuthorName, Text: discordBody(m), Files: m.Attachments,
			})
		} else {
			if !r.slackOn() {
				return nil
			}
			d = delivery(t, KindSlackEdit, core.PlatformSlack, SlackEditPayload{TicketID: t.ID, MessageID: m.ID, Text: DiscordToSlack(m.Body)})
		}
		d.MessageID = &m.ID
		return tx.Enqueue(ctx, d)
	})
	return followed(t, m, changed, err)
}

// Delete follows a deletion of a stored message to the other side: the
// message written in channel (its Slack channel; unused on Discord) with
// ID sourceID (Slack ts, Discord ID). Outcomes: NotTicket (never stored),
// Duplicate (already deleted) or Stored. Errors: EINVALID (a Slack
// message without its channel), EINTERNAL.
func (r *Relay) Delete(ctx context.Context, platform, channel, sourceID string) (Result, error) {
	m, t, res, err := r.storedMessage(ctx, platform, channel, sourceID)
	if m == nil {
		return res, err
	}
	deleted := false
	err = r.inTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
		if deleted, err = r.Store.DeleteMessageTx(ctx, tx.Bun(), m.ID); err != nil || !deleted || m.Internal {
			return err
		}
		var d *core.Delivery
		switch {
		case m.SourcePlatform == core.PlatformSlack && r.discordOn():
			d = delivery(t, KindDiscordDelete, core.PlatformDiscord, DiscordDeletePayload{TicketID: t.ID, MessageID: m.ID})
		case m.SourcePlatform == core.PlatformDiscord && r.slackOn():
			d = delivery(t, KindSlackDelete, core.PlatformSlack, SlackDeletePayload{TicketID: t.ID, MessageID: m.ID})
		default:
			return nil
		}
		d.MessageID = &m.ID
		return tx.Enqueue(ctx, d)
	})
	return followed(t, m, deleted, err)
}

// storedMessage finds the stored message an edit or deletion is about
// (by its channel and ID, core.SourceKey), and its ticket. A nil message
// comes with the Result (NotTicket) or error to return; a Slack message
// without its channel is EINVALID.
func (r *Relay) storedMessage(ctx context.Context, platform, channel, sourceID string) (*core.Message, *core.Ticket, Result, error) {
	key := core.SourceKey(platform, channel, sourceID)
	if key == "" {
		return nil, nil, Result{}, core.InvalidE("source", "core.message.source_missing")
	}
	m, err := r.Store.MessageBySource(ctx, platform, key)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, nil, Result{Outcome: NotTicket}, nil
	}
	if err != nil {
		return nil, nil, Result{}, err
	}
	t, err := r.Store.Ticket(ctx, m.TicketID)
	if err != nil {
		return nil, nil, Result{}, err
	}
	return m, t, Result{}, nil
}

// followed is the outcome of an edit or deletion: Stored when it changed
// the message, Duplicate when it had already been applied.
func followed(t *core.Ticket, m *core.Message, changed bool, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	if !changed {
		return Result{Outcome: Duplicate, Ticket: t, Message: m}, nil
	}
	return Result{Outcome: Stored, Ticket: t, Message: m}, nil
}

// key is the message's identity on platform (core.SourceKey): its ID, and
// on Slack its channel with it.
func (in *InboundMessage) key(platform string) string {
	return core.SourceKey(platform, in.ChannelID, in.SourceID)
}
