package core

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// MaxMessageLen bounds the text of one stored message (in characters);
// platforms' own limits are handled by splitting when relaying.
const MaxMessageLen = 40000

// SourceKey is how a message is identified on the platform it came from,
// as stored in Message.SourceID and looked up by MessageBySource. A
// Discord snowflake is unique across Discord: the key is id and channel
// is not part of it. A Slack ts is unique only within its channel (two
// messages posted in two channels in the same microsecond share it): the
// key is "channel:ts", such as "C123:1712345678.000100", and "" when the
// channel or the ts is missing, which RecordMessage refuses and
// MessageBySource never finds.
func SourceKey(platform, channel, id string) string {
	if platform != PlatformSlack {
		return id
	}
	if channel == "" || id == "" || strings.Contains(channel, ":") || strings.Contains(id, ":") {
		return ""
	}
	return channel + ":" + id
}

// SplitSlackSourceID returns the channel and ts of a Slack message's
// SourceID (SourceKey); ok is false when id has no channel.
func SplitSlackSourceID(id string) (channel, ts string, ok bool) {
	channel, ts, ok = strings.Cut(id, ":")
	if !ok || channel == "" || ts == "" {
		return "", "", false
	}
	return channel, ts, true
}

// RecordMessage stores an inbound message and its outbox deliveries in one
// transaction. A message whose (SourcePlatform, SourceID) is already stored
// is a redelivery: nothing changes and duplicate is true. SourceID is the
// message's SourceKey: on Slack its channel and ts. Deliveries get the
// new message's ID. The author's name and the attachments' names are
// cleaned (CleanName): they come from the platforms and are shown beside
// other text. Errors: EINVALID (no source, a Slack source without its
// channel, a body too long or with control characters: relays clean what
// they receive first, CleanText).
func (s *Store) RecordMessage(ctx context.Context, m *Message, deliveries ...*Delivery) (duplicate bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		duplicate, err = s.RecordMessageTx(ctx, tx, m, deliveries...)
		return err
	})
	return duplicate, err
}

// RecordMessageTx is RecordMessage inside the caller's transaction.
func (s *Store) RecordMessageTx(ctx context.Context, tx bun.IDB, m *Message, deliveries ...*Delivery) (duplicate bool, err error) {
	if m.SourcePlatform == "" || m.SourceID == "" {
		return false, InvalidE("source", "core.message.source_missing")
	}
	if _, _, ok := SplitSlackSourceID(m.SourceID); m.SourcePlatform == PlatformSlack && !ok {
		return false, InvalidE("source", "core.message.source_missing")
	}
	if len([]rune(m.Body)) > MaxMessageLen {
		return false, InvalidN("body", "core.message.too_long", MaxMessageLen)
	}
	if m.Body, err = plainText("body", "core.field.message", m.Body); err != nil {
		return false, err
	}
	m.AuthorName = CleanName(m.AuthorName)
	if strings.TrimSpace(m.AuthorName) == "" {
		m.AuthorName = "unknown"
	}
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	if slices.ContainsFunc(m.Attachments, func(a Attachment) bool { return CleanName(a.Name) != a.Name }) {
		atts := slices.Clone(m.Attachments)
		for i := range atts {
			atts[i].Name = CleanName(atts[i].Name)
		}
		m.Attachments = atts
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.now()
	}
	res, err := tx.NewInsert().Model(m).On("CONFLICT (source_platform, source_id) DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return true, nil
	}
	if m.ID == 0 {
		// SQLite may not return the ID on an ON CONFLICT insert.
		if err := tx.NewSelect().Model((*Message)(nil)).Column("id").
			Where("source_platform = ? AND source_id = ?", m.SourcePlatform, m.SourceID).Scan(ctx, &m.ID); err != nil {
			return false, err
		}
	}
	for _, d := range deliveries {
		d.MessageID = &m.ID
		if d.TicketID == nil {
			d.TicketID = &m.TicketID
		}
	}
	return false, s.EnqueueTx(ctx, tx, deliveries...)
}

// MessageBySource finds a message by the platform it came from and its
// SourceKey there (on Slack, "channel:ts"). Errors: ENOTFOUND.
func (s *Store) MessageBySource(ctx context.Context, platform, sourceID string) (*Message, error) {
	return messageWhere(ctx, s.DB, "source_platform = ? AND source_id = ?", platform, sourceID)
}

// MessagesByTarget returns the messages of a ticket relayed as the one
// platform message targetID (several when their posts were coalesced),
// oldest first, deleted ones included.
func (s *Store) MessagesByTarget(ctx context.Context, ticketID int64, targetID string) ([]*Message, error) {
	var out []*Message
	err := s.DB.NewSelect().Model(&out).Where("ticket_id = ? AND target_id = ?", ticketID, targetID).OrderExpr("id").Scan(ctx)
	return out, err
}

func messageWhere(ctx context.Context, db bun.IDB, where string, args ...any) (*Message, error) {
	m := new(Message)
	err := selectOneWhere(ctx, db, m, where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.message.not_found")
	}
	return m, err
}

// SetMessageTarget records the ID a message got on the other platform.
func (s *Store) SetMessageTarget(ctx context.Context, tx bun.IDB, messageID int64, targetID string) error {
	if tx == nil {
		tx = s.DB
	}
	_, err := tx.NewUpdate().Model((*Message)(nil)).Set("target_id = ?", targetID).Where("id = ?", messageID).Exec(ctx)
	return err
}

// TicketMessages returns a ticket's messages in order.
func (s *Store) TicketMessages(ctx context.Context, ticketID int64) ([]*Message, error) {
	var out []*Message
	return out, s.DB.NewSelect().Model(&out).Where("ticket_id = ?", ticketID).OrderExpr("id").Scan(ctx)
}

// SeenEvent records a platform event ID and reports whether it was already
// recorded (a redelivery), inside the caller's transaction.
func (s *Store) SeenEvent(ctx context.Context, tx bun.IDB, platform, eventID string) (bool, error) {
	if tx == nil {
		tx = s.DB
	}
	res, err := tx.NewInsert().Model(&InboundEvent{Platform: platform, EventID: eventID, CreatedAt: s.now()}).
		On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 0, nil
}

// AdoptBareSlackSourceIDs gives the Slack messages still stored under a
// bare ts (rows older than migration 090 whose ticket had no Slack
// channel) the default staff channel, which every ticket thread lived in
// before tickets spread over several: their SourceKey becomes
// "channel:ts". A bare ts whose key is already taken is left as it is.
// It returns how many rows it changed; it runs at start, and again is a
// no-op. Errors: EINVALID (channel is no Slack channel ID).
func (s *Store) AdoptBareSlackSourceIDs(ctx context.Context, channel string) (int64, error) {
	if _, err := slackChannelField(channel); err != nil {
		return 0, err
	}
	res, err := s.DB.NewUpdate().Model((*Message)(nil)).
		Set("source_id = ? || ':' || source_id", channel).
		Where("source_platform = ?", PlatformSlack).
		Where("source_id NOT LIKE ?", "%:%").
		Where("NOT EXISTS (SELECT 1 FROM messages AS o WHERE o.source_platform = ? AND o.source_id = ? || ':' || message.source_id)", PlatformSlack, channel).
		Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
