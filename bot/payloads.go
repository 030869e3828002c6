package bot

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Delivery kinds of the ticket relay (core.Delivery.Kind). The platform
// prefix is the target platform. Each kind's payload is the JSON of the
// struct named in its comment; decode it with DecodePayload.
const (
	// KindSlackOpenThread posts the ticket card as the root of the ticket's
	// Slack thread (SlackOpenThreadPayload). Remote ID: the card's ts. On
	// success the relay records (Channel, ts) as the ticket's Slack thread.
	KindSlackOpenThread = "slack.open_thread"
	// KindSlackPost posts a relayed message as its author (SlackPostPayload).
	// Remote ID: the posted ts.
	KindSlackPost = "slack.post"
	// KindSlackEdit edits a relayed message (SlackEditPayload).
	KindSlackEdit = "slack.edit"
	// KindSlackDelete deletes a relayed message (SlackDeletePayload).
	KindSlackDelete = "slack.delete"
	// KindSlackCard updates the ticket card in place, chat.update
	// (SlackCardPayload).
	KindSlackCard = "slack.card"
	// KindSlackReact adds a reaction to a Slack message (SlackReactPayload).
	KindSlackReact = "slack.react"
	// KindSlackNotice posts a system line in the ticket's thread
	// (SlackNoticePayload).
	KindSlackNotice = "slack.notice"
	// KindSlackDM sends a direct message to a user (DMPayload, owned by the
	// tasks/reminders task).
	KindSlackDM = "slack.dm"
	// KindSlackFiles uploads a relayed message's attachments into the
	// ticket's Slack thread, after its last slack.post in the same stream
	// (SlackFilesPayload). Remote ID: the Slack file ID of each
	// attachment, in order, comma-separated, "" for one that stayed a
	// link.
	KindSlackFiles = "slack.files"

	// KindDiscordOpenThread creates the ticket's Discord thread and adds the
	// client (DiscordOpenThreadPayload). Remote ID: the thread ID, recorded
	// as the ticket's Discord thread.
	KindDiscordOpenThread = "discord.open_thread"
	// KindDiscordPost posts a relayed message (one part of it) through the
	// channel webhook into the ticket thread (DiscordPostPayload).
	KindDiscordPost = "discord.post"
	// KindDiscordEdit edits a relayed message (DiscordEditPayload). Remote
	// ID: the message's Discord IDs after the edit, comma-separated.
	KindDiscordEdit = "discord.edit"
	// KindDiscordDelete deletes a relayed message, or a client's original
	// in the support channel (DiscordDeletePayload).
	KindDiscordDelete = "discord.delete"
	// KindDiscordReact adds a reaction to a Discord message
	// (DiscordReactPayload).
	KindDiscordReact = "discord.react"
	// KindDiscordNotice posts a system line in the ticket thread as the bot
	// (DiscordNoticePayload).
	KindDiscordNotice = "discord.notice"
	// KindDiscordStatus archives and locks the ticket thread, or reopens it
	// (DiscordStatusPayload).
	KindDiscordStatus = "discord.status"
)

// Reaction names carried in react payloads: the neutral name; each sender
// maps it to its platform's emoji (Slack "white_check_mark", "warning",
// "lock"; Discord "✅", "⚠️", "🔒").
const (
	ReactDelivered = "delivered" // ✅ the message reached the other side
	ReactParked    = "parked"    // ⚠️ its delivery can never succeed
	ReactNote      = "note"      // 🔒 an internal note, kept in Slack
)

// Platform limits on the text of one message, in characters. Longer texts
// are split into several parts, never truncated.
const (
	SlackTextLimit   = 40000
	DiscordTextLimit = 2000
)

// SlackOpenThreadPayload opens a ticket's Slack thread: the sender posts
// the ticket card (number, subject, client, companies, status,
// participants, Close/Reopen buttons, loaded from the store at send time)
// as a root message in Channel and returns its ts.
type SlackOpenThreadPayload struct {
	TicketID int64  `json:"ticket_id"`
	Channel  string `json:"channel"`
}

// SlackPostPayload is one part of a relayed message to post in the ticket's
// Slack thread (the ticket's SlackChannelID and SlackThreadTS, read at send
// time: an earlier slack.open_thread of the same stream recorded them).
// Text is ready to send: Slack's control characters (&, <, >) are escaped
// and @channel/@here/@everyone neutralised, so the sender must not escape
// it again. Attachments travel with the last part only, listed under its
// text: as links, or, with FilesFollow, by name (a slack.files delivery
// uploads them next and turns the lines of those it cannot upload into
// links).
type SlackPostPayload struct {
	TicketID    int64             `json:"ticket_id"`
	MessageID   int64             `json:"message_id"`
	AuthorName  string            `json:"author_name"`
	AvatarURL   string            `json:"avatar_url,omitempty"`
	Text        string            `json:"text"`
	Attachments []core.Attachment `json:"attachments,omitempty"`
	Part        int               `json:"part"`  // 0-based
	Parts       int               `json:"parts"` // at least 1
	// FilesFollow, on the last part, says a slack.files delivery follows
	// with the attachments: it, not this part, completes the message.
	FilesFollow bool `json:"files_follow,omitempty"`
	// Source, on the last part, is where the message was written, for
	// the ✅ once it is delivered; nil where it must be looked up.
	Source *MessageSource `json:"source,omitempty"`
	// Merged are the messages of the same author coalesced into this
	// post while it waited (mergePosts): Text carries theirs after its
	// own, one per line.
	Merged []MergedMessage `json:"merged,omitempty"`
}

// MergedMessage is a relayed message whose post was coalesced into the
// post of an earlier one: the delivery queued for it (recorded done,
// merged), the message, and where it was written, for its own ✅.
type MergedMessage struct {
	DeliveryID int64          `json:"delivery_id"`
	MessageID  int64          `json:"message_id"`
	Source     *MessageSource `json:"source,omitempty"`
}

// SlackFilesPayload uploads a relayed message's attachments (Files, as on
// its last slack.post) into the ticket's Slack thread, those an earlier
// attempt uploaded excepted. A file above the upload limit, or that can
// never be downloaded, stays a link: the last posted part (Parts parts
// were queued; LastText is the last one's text) is updated to show the
// link instead of the bare name. Source is as in SlackPostPayload: the ✅
// goes there once the files are done.
type SlackFilesPayload struct {
	TicketID  int64             `json:"ticket_id"`
	MessageID int64             `json:"message_id"`
	Files     []core.Attachment `json:"files"`
	Parts     int               `json:"parts"`
	LastText  string            `json:"last_text"`
	Source    *MessageSource    `json:"source,omitempty"`
}

// MessageSource is where a relayed message was written: the channel
// (Slack channel, or Discord thread) and the platform's message ID (Slack
// ts, Discord snowflake). The relay reacts there once it is delivered.
type MessageSource struct {
	Platform  string `json:"platform"`
	ChannelID string `json:"channel_id"`
	ID        string `json:"id"`
}

// SlackEditPayload edits a message relayed to Slack: the sender updates
// each ts of TargetIDs(message) (read at send time) with the parts of Text
// split at SlackTextLimit, and returns the ts list (JoinTargetIDs) after
// the edit. Text is escaped as in SlackPostPayload.
type SlackEditPayload struct {
	TicketID  int64  `json:"ticket_id"`
	MessageID int64  `json:"message_id"`
	Text      string `json:"text"`
}

// SlackDeletePayload deletes every ts of TargetIDs(message), read at send
// time, from the ticket's Slack thread.
type SlackDeletePayload struct {
	TicketID  int64 `json:"ticket_id"`
	MessageID int64 `json:"message_id"`
}

// SlackCardPayload asks for the ticket card (the root message of the
// ticket's Slack thread) to be rebuilt from the store and updated in place.
type SlackCardPayload struct {
	TicketID int64 `json:"ticket_id"`
}

// SlackReactPayload adds Reaction (ReactDelivered, ReactParked, ReactNote)
// to the Slack message (Channel, TS). A message that no longer exists, or
// a reaction already there, counts as done.
type SlackReactPayload struct {
	TicketID  int64  `json:"ticket_id"`
	MessageID int64  `json:"message_id"`
	Channel   string `json:"channel"`
	TS        string `json:"ts"`
	Reaction  string `json:"reaction"`
}

// SlackNoticePayload posts Text (plain, already escaped) as the bot in the
// ticket's Slack thread.
type SlackNoticePayload struct {
	TicketID int64  `json:"ticket_id"`
	Text     string `json:"text"`
}

// DiscordOpenThreadPayload creates the ticket thread "#<Number> <Subject>"
// under ParentID (the support channel), private unless Public, and adds
// the client ClientDiscordID to it. The sender returns the thread ID.
type DiscordOpenThreadPayload struct {
	TicketID        int64  `json:"ticket_id"`
	Number          int64  `json:"number"`
	Subject         string `json:"subject"`
	Public          bool   `json:"public,omitempty"`
	ParentID        string `json:"parent_id"`
	ClientDiscordID string `json:"client_discord_id,omitempty"`
}

// DiscordPostPayload is one part of a message posted in the ticket thread
// through the support channel's webhook, under AuthorName and AvatarURL,
// mentions disabled. Copy marks the copy of a client's first message
// (posted in the support channel) into the new thread: its ID is not the
// message's target. Text is ready to send (mentions neutralised). The
// attachments go with the last part: as Files, uploaded with it, where
// the sender appends AttachmentLinks of those it cannot upload (the part
// leaves room for them); or, in payloads without Files, as links already
// in Text.
type DiscordPostPayload struct {
	TicketID   int64  `json:"ticket_id"`
	MessageID  int64  `json:"message_id"`
	AuthorName string `json:"author_name"`
	AvatarURL  string `json:"avatar_url,omitempty"`
	Text       string `json:"text"`
	Part       int    `json:"part"`
	Parts      int    `json:"parts"`
	Copy       bool   `json:"copy,omitempty"`
	// Files are the message's attachments, on the last part.
	Files []core.Attachment `json:"files,omitempty"`
	// Source and Merged are as in SlackPostPayload.
	Source *MessageSource  `json:"source,omitempty"`
	Merged []MergedMessage `json:"merged,omitempty"`
}

// DiscordEditPayload edits a message relayed to Discord: Text is split at
// DiscordTextLimit; existing parts are edited, extra parts posted, parts no
// longer needed deleted (a part carrying uploaded files is emptied
// instead). Text is ready to send. With Files (the message's
// attachments), Text has no links: the sender appends AttachmentLinks of
// those not uploaded on the message's parts.
type DiscordEditPayload struct {
	TicketID   int64             `json:"ticket_id"`
	MessageID  int64             `json:"message_id"`
	AuthorName string            `json:"author_name"`
	AvatarURL  string            `json:"avatar_url,omitempty"`
	Text       string            `json:"text"`
	Files      []core.Attachment `json:"files,omitempty"`
}

// DiscordDeletePayload deletes a message on Discord: with MessageID, every
// Discord part of that relayed message (its target IDs, in the ticket
// thread); with ChannelID and DiscordMessageID, that message (a client's
// original in the support channel, once copied into the thread). With
// BestEffort a missing permission or message is logged, not parked.
type DiscordDeletePayload struct {
	TicketID         int64  `json:"ticket_id"`
	MessageID        int64  `json:"message_id,omitempty"`
	ChannelID        string `json:"channel_id,omitempty"`
	DiscordMessageID string `json:"discord_message_id,omitempty"`
	BestEffort       bool   `json:"best_effort,omitempty"`
}

// DiscordReactPayload adds Reaction to a Discord message: (ChannelID,
// DiscordMessageID) when set; otherwise the thread copy of MessageID (the
// first message of a ticket opened from the support channel).
type DiscordReactPayload struct {
	TicketID         int64  `json:"ticket_id"`
	MessageID        int64  `json:"message_id"`
	ChannelID        string `json:"channel_id,omitempty"`
	DiscordMessageID string `json:"discord_message_id,omitempty"`
	Reaction         string `json:"reaction"`
}

// DiscordNoticePayload posts Text as the bot in the ticket thread, with a
// nonce derived from the delivery so that a retried post is not doubled.
type DiscordNoticePayload struct {
	TicketID int64  `json:"ticket_id"`
	Text     string `json:"text"`
}

// DiscordStatusPayload archives and locks the ticket thread (Closed) or
// unarchives and unlocks it.
type DiscordStatusPayload struct {
	TicketID int64 `json:"ticket_id"`
	Closed   bool  `json:"closed"`
}

// DecodePayload decodes a delivery's payload into a T. A payload that does
// not decode can never be sent: the error is permanent.
func DecodePayload[T any](d *core.Delivery) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(d.Payload), &v); err != nil {
		return v, outbox.Permanent(fmt.Errorf("delivery %d (%s): bad payload: %w", d.ID, d.Kind, err))
	}
	return v, nil
}

// mustJSON encodes a payload; the payload structs always encode.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("bot: encode payload: " + err.Error())
	}
	return string(b)
}

// TargetIDs returns the IDs a message got on the platform it was relayed
// to, one per part, in order (none when not relayed yet).
func TargetIDs(m *core.Message) []string {
	if m == nil || m.TargetID == nil || *m.TargetID == "" {
		return nil
	}
	return strings.Split(*m.TargetID, ",")
}

// JoinTargetIDs joins part IDs as stored in core.Message.TargetID.
func JoinTargetIDs(ids []string) string { return strings.Join(ids, ",") }

// TicketStream is the outbox stream of a ticket's messages to platform:
// posts, edits, deletions, notices and thread changes, in order.
func TicketStream(ticketID int64, platform string) string {
	return fmt.Sprintf("ticket:%d:%s", ticketID, platform)
}

// ReceiptStream is the outbox stream of the ✅/⚠️/🔒 reactions a ticket's
// relay puts on platform. Receipts travel in a lane of their own so that
// they never hold up a message: a platform paces reactions far slower
// than posts.
func ReceiptStream(ticketID int64, platform string) string {
	return TicketStream(ticketID, platform) + ":receipts"
}

// CardStream is the outbox stream of a ticket's Slack card updates: the
// card is rebuilt from the store at send time, so an update queued behind
// another is skipped (its Kind's Stale), and none delays a message.
func CardStream(ticketID int64) string {
	return TicketStream(ticketID, core.PlatformSlack) + ":card"
}
