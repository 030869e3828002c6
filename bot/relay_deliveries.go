package bot

import (
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Builders of the relay's outbox rows. Every row of a ticket goes to the
// stream of its target platform, so a stream's rows leave in the order
// they were queued and a slow platform never holds the other one up.

func delivery(t *core.Ticket, kind, platform string, payload any) *core.Delivery {
	return ticketDelivery(t.ID, kind, platform, payload)
}

// ticketDelivery is delivery for a ticket known by its ID.
// Receipts and card updates go to lanes of their own (ReceiptStream,
// CardStream); everything else to the ticket's message stream.
func ticketDelivery(ticketID int64, kind, platform string, payload any) *core.Delivery {
	stream := TicketStream(ticketID, platform)
	switch kind {
	case KindSlackReact, KindDiscordReact:
		stream = ReceiptStream(ticketID, platform)
	case KindSlackCard:
		stream = CardStream(ticketID)
	}
	return &core.Delivery{Stream: stream, Kind: kind, Platform: platform, TicketID: &ticketID, Payload: mustJSON(payload)}
}

func (r *Relay) slackOn() bool   { return r.SlackChannel != "" }
func (r *Relay) discordOn() bool { return r.DiscordChannel != "" }

// openDeliveries opens the ticket's threads on both sides, where the
// ticket was routed, and welcomes the client in theirs, in their
// language (lang).
func (r *Relay) openDeliveries(t *core.Ticket, client *core.User, clientDiscordID string, lang i18n.Locale) []*core.Delivery {
	var out []*core.Delivery
	if r.discordOn() {
		parent := r.discordChannelOf(t)
		out = append(out,
			delivery(t, KindDiscordOpenThread, core.PlatformDiscord, DiscordOpenThreadPayload{
				TicketID: t.ID, Number: t.Number, Subject: t.Subject, Public: t.Visibility == core.TicketPublic,
				ParentID: parent, ClientDiscordID: clientDiscordID,
			}),
			delivery(t, KindDiscordNotice, core.PlatformDiscord, DiscordNoticePayload{
				TicketID: t.ID,
				Text:     neutralizeMass(i18n.T(lang, "tickets.welcome", i18n.Args{"Name": client.Name, "Number": t.Number, "Subject": t.Subject})),
			}))
	}
	if r.slackOn() {
		channel := r.slackChannelOf(t) // routed (core.Store.RouteTicketTx)
		out = append(out, delivery(t, KindSlackOpenThread, core.PlatformSlack, SlackOpenThreadPayload{TicketID: t.ID, Channel: channel}))
	}
	return out
}

// toSlack relays a Discord message to the ticket's Slack thread, split at
// Slack's limit; attachments are listed under the last part and uploaded
// by a slack.files delivery queued after it, which then completes the
// message (its ✅).
// src, when known, is where the message was written (see MessageSource).
func (r *Relay) toSlack(t *core.Ticket, m *core.Message, avatar string, src *MessageSource) []*core.Delivery {
	if !r.slackOn() {
		return nil
	}
	parts := SplitText(DiscordToSlack(m.Body), SlackTextLimit)
	files := len(m.Attachments) > 0
	out := make([]*core.Delivery, len(parts), len(parts)+1)
	for i, p := range parts {
		pl := SlackPostPayload{TicketID: t.ID, MessageID: m.ID, AuthorName: m.AuthorName, AvatarURL: avatar, Text: p, Part: i, Parts: len(parts)}
		if i == len(parts)-1 {
			pl.Attachments, pl.FilesFollow = m.Attachments, files
			if !files {
				pl.Source = src
			}
		}
		out[i] = delivery(t, KindSlackPost, core.PlatformSlack, pl)
		out[i].MessageID = &m.ID
	}
	if files {
		d := delivery(t, KindSlackFiles, core.PlatformSlack, SlackFilesPayload{
			TicketID: t.ID, MessageID: m.ID, Files: m.Attachments, Parts: len(parts), LastText: parts[len(parts)-1], Source: src,
		})
		d.MessageID = &m.ID
		out = append(out, d)
	}
	return out
}

// discordBody is a message's text for Discord, without its attachments:
// converted from Slack when it came from there, mentions neutralised.
func discordBody(m *core.Message) string {
	if m.SourcePlatform == core.PlatformSlack {
		return SlackToDiscord(m.Body)
	}
	return neutralizeMass(discordRoleMention.ReplaceAllString(m.Body, "@"+zwsp+"role"))
}

// discordParts splits a message's text for Discord. Its attachments are
// uploaded with the last part (files true): the text has no links, and
// the last part leaves room for the link of every attachment, in case
// none can be uploaded (an empty part is added when it cannot). When the
// links could not fit in one part whatever the text, the attachments
// travel as links appended to the text, as before uploads (files false).
func discordParts(m *core.Message) (parts []string, files bool) {
	body, links := discordBody(m), AttachmentLinks(m.Attachments)
	if len(m.Attachments) == 0 || utf8.RuneCountInString(links) > DiscordTextLimit {
		return SplitText(body+links, DiscordTextLimit), false
	}
	parts = SplitText(body, DiscordTextLimit)
	if last := parts[len(parts)-1]; utf8.RuneCountInString(last)+utf8.RuneCountInString(links) > DiscordTextLimit {
		parts = append(parts, "")
	}
	return parts, true
}

// toDiscord posts a message in the ticket's Discord thread through the
// webhook, split at Discord's limit, its attachments uploaded with the
// last part (see discordParts). copy marks a client's first message
// copied from the support channel.
// src is as in toSlack.
func (r *Relay) toDiscord(t *core.Ticket, m *core.Message, avatar string, copy bool, src *MessageSource) []*core.Delivery {
	if !r.discordOn() {
		return nil
	}
	parts, files := discordParts(m)
	out := make([]*core.Delivery, len(parts))
	for i, p := range parts {
		pl := DiscordPostPayload{
			TicketID: t.ID, MessageID: m.ID, AuthorName: m.AuthorName, AvatarURL: avatar, Text: p, Part: i, Parts: len(parts), Copy: copy,
		}
		if i == len(parts)-1 {
			pl.Source = src
			if files {
				pl.Files = m.Attachments
			}
		}
		out[i] = delivery(t, KindDiscordPost, core.PlatformDiscord, pl)
		out[i].MessageID = &m.ID
	}
	return out
}
