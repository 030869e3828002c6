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

// RecordMessage stores an inbound message and its outbox deliveries in one
// transaction. A message whose (SourcePlatform, SourceID) is already stored
// is a redelivery: nothing changes and duplicate is true. Deliveries get the
// new message's ID. The author's name and the attachments' names are
// cleaned (CleanName): they come from the platforms and are shown beside
// other text. Errors: EINVALID (no source, a body too long or with
// control characters: relays clean what they receive first, CleanText).
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

// MessageBySource finds a message by the platform and ID it came from.
// Errors: ENOTFOUND.
func (s *Store) MessageBySource(ctx context.Context, platform, sourceID string) (*Message, error) {
	return messageWhere(ctx, s.DB, "source_platform = ? AND source_id = ?", platform, sourceID)
}

// MessageByTarget finds a message by the ID it got on the platform it was
// relayed to. Errors: ENOTFOUND.
func (s *Store) MessageByTarget(ctx context.Context, sourcePlatform, targetID string) (*Message, error) {
	return messageWhere(ctx, s.DB, "source_platform = ? AND target_id = ?", sourcePlatform, targetID)
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
