package core

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Storage helpers of the ticket relay (package bot): message lookups and
// changes that must compose inside the relay's transactions.

// MessageByID returns a message by ID. Errors: ENOTFOUND.
func (s *Store) MessageByID(ctx context.Context, id int64) (*Message, error) {
	return messageWhere(ctx, s.DB, "id = ?", id)
}

// MessageByIDTx is MessageByID inside the caller's transaction. Errors:
// ENOTFOUND.
func (s *Store) MessageByIDTx(ctx context.Context, tx bun.IDB, id int64) (*Message, error) {
	return messageWhere(ctx, tx, "id = ?", id)
}

// MessageBySourceTx is MessageBySource inside the caller's transaction.
// Errors: ENOTFOUND.
func (s *Store) MessageBySourceTx(ctx context.Context, tx bun.IDB, platform, sourceID string) (*Message, error) {
	return messageWhere(ctx, tx, "source_platform = ? AND source_id = ?", platform, sourceID)
}

// AppendMessageTarget adds a part ID to the comma-separated IDs a message
// got on the platform it was relayed to (split messages have several).
func (s *Store) AppendMessageTarget(ctx context.Context, tx bun.IDB, messageID int64, targetID string) error {
	res, err := tx.NewUpdate().Model((*Message)(nil)).
		Set("target_id = CASE WHEN target_id IS NULL OR target_id = '' THEN ? ELSE target_id || ',' || ? END", targetID, targetID).
		Where("id = ?", messageID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return E(ENOTFOUND, "core.message.not_found")
	}
	return nil
}

// EditMessageTx records a message's new text and when it was edited; it
// reports false when the message is deleted or already has that text.
// Errors: EINVALID (a body too long or with control characters).
func (s *Store) EditMessageTx(ctx context.Context, tx bun.IDB, messageID int64, body string) (bool, error) {
	if len([]rune(body)) > MaxMessageLen {
		return false, InvalidN("body", "core.message.too_long", MaxMessageLen)
	}
	body, err := plainText("body", "core.field.message", body)
	if err != nil {
		return false, err
	}
	res, err := tx.NewUpdate().Model((*Message)(nil)).Set("body = ?", body).Set("edited_at = ?", s.now()).
		Where("id = ? AND deleted_at IS NULL AND body <> ?", messageID, body).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteMessageTx marks a message deleted (its text is kept for the
// record); it reports false when it already was.
func (s *Store) DeleteMessageTx(ctx context.Context, tx bun.IDB, messageID int64) (bool, error) {
	res, err := tx.NewUpdate().Model((*Message)(nil)).Set("deleted_at = ?", s.now()).
		Where("id = ? AND deleted_at IS NULL", messageID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// TicketTx returns a ticket inside the caller's transaction. Errors:
// ENOTFOUND.
func (s *Store) TicketTx(ctx context.Context, tx bun.IDB, id int64) (*Ticket, error) {
	return ticketWhere(ctx, tx, "id = ?", id)
}

// IsParticipant reports whether user takes part in ticket.
func (s *Store) IsParticipant(ctx context.Context, tx bun.IDB, ticketID, userID int64) (bool, error) {
	if tx == nil {
		tx = s.DB
	}
	n, err := tx.NewSelect().Model((*TicketParticipant)(nil)).Where("ticket_id = ? AND user_id = ?", ticketID, userID).Count(ctx)
	return n > 0, err
}

// DoneRemoteID returns the remote ID of the latest completed delivery of
// kind for a message, "" when there is none.
func (s *Store) DoneRemoteID(ctx context.Context, tx bun.IDB, messageID int64, kind string) (string, error) {
	if tx == nil {
		tx = s.DB
	}
	var ids []string
	err := tx.NewSelect().Model((*Delivery)(nil)).Column("remote_id").
		Where("message_id = ? AND kind = ? AND status = ?", messageID, kind, DeliveryDone).
		OrderExpr("id DESC").Limit(1).Scan(ctx, &ids)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}

// CountMessageDeliveries counts a message's deliveries of kind, whatever
// their status.
func (s *Store) CountMessageDeliveries(ctx context.Context, tx bun.IDB, messageID int64, kind string) (int, error) {
	if tx == nil {
		tx = s.DB
	}
	n, err := tx.NewSelect().Model((*Delivery)(nil)).Where("message_id = ? AND kind = ?", messageID, kind).Count(ctx)
	return int(n), err
}

// ParkDeliveryTx is ParkDelivery inside the caller's transaction, so that
// what parking causes (a ⚠️ reaction) is queued atomically with it.
func (s *Store) ParkDeliveryTx(ctx context.Context, tx bun.IDB, id int64, worker, reason string) (bool, error) {
	return s.finishDelivery(ctx, tx, id, worker, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("status = ?", DeliveryParked).Set("last_error = ?", truncate(reason, 1000))
	})
}

// DiscordTicketThread is an open ticket's Discord thread and the newest
// Discord message ID the relay stored from it.
type DiscordTicketThread struct {
	TicketID int64
	ThreadID string
	// LastSeenID is the greatest Discord source ID stored for the ticket
	// (any channel), "" when none.
	LastSeenID string
}

// OpenDiscordThreads lists the open tickets that have a Discord thread,
// with the newest Discord message ID stored from each (snowflakes compare
// by length, then text).
func (s *Store) OpenDiscordThreads(ctx context.Context) ([]DiscordTicketThread, error) {
	var tickets []*Ticket
	if err := s.DB.NewSelect().Model(&tickets).Where("status = ? AND discord_thread_id IS NOT NULL", TicketOpen).
		OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]DiscordTicketThread, 0, len(tickets))
	for _, t := range tickets {
		last, err := s.newestSourceID(ctx, t.ID, PlatformDiscord, "", time.Time{})
		if err != nil {
			return nil, err
		}
		out = append(out, DiscordTicketThread{TicketID: t.ID, ThreadID: *t.DiscordThreadID, LastSeenID: last})
	}
	return out, nil
}

// SlackTicketThread is an open ticket's Slack thread and the newest Slack
// message ts the relay stored for the ticket from its channel.
type SlackTicketThread struct {
	TicketID  int64
	ChannelID string
	ThreadTS  string
	// LastSeenTS is the greatest ts of the Slack messages stored for
	// the ticket from ChannelID (before the time OpenSlackThreads was
	// given), "" when none.
	LastSeenTS string
}

// OpenSlackThreads lists the open tickets that have a Slack thread, with
// the newest Slack ts stored for each before storedBefore (zero: ever).
// Slack timestamps are decimal seconds with a fixed six-digit fraction
// ("1700000000.000100"), so they compare numerically by length, then
// text, as snowflakes do.
//
// storedBefore lets a catch-up ignore what live events stored once they
// flowed again: a reply stored live just after a restart must not hide
// older replies written while nothing was received.
func (s *Store) OpenSlackThreads(ctx context.Context, storedBefore time.Time) ([]SlackTicketThread, error) {
	var tickets []*Ticket
	if err := s.DB.NewSelect().Model(&tickets).
		Where("status = ? AND slack_channel_id IS NOT NULL AND slack_thread_ts IS NOT NULL", TicketOpen).
		OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]SlackTicketThread, 0, len(tickets))
	for _, t := range tickets {
		if *t.SlackChannelID == "" || *t.SlackThreadTS == "" {
			continue
		}
		last, err := s.newestSlackTS(ctx, t.ID, *t.SlackChannelID, storedBefore)
		if err != nil {
			return nil, err
		}
		out = append(out, SlackTicketThread{TicketID: t.ID, ChannelID: *t.SlackChannelID, ThreadTS: *t.SlackThreadTS, LastSeenTS: last})
	}
	return out, nil
}

// newestSlackTS returns the greatest ts of the ticket's Slack messages
// written in channel (their SourceKey starts "channel:") and stored before
// before (zero: ever), or "" when there is none.
func (s *Store) newestSlackTS(ctx context.Context, ticketID int64, channel string, before time.Time) (string, error) {
	id, err := s.newestSourceID(ctx, ticketID, PlatformSlack, channel+":", before)
	if err != nil || id == "" {
		return "", err
	}
	_, ts, _ := SplitSlackSourceID(id)
	return ts, nil
}

// newestSourceID returns the greatest source ID of the ticket's messages
// from platform that start with prefix ("": any) and were stored before
// before (zero: ever), comparing by length, then text (numeric order for
// Discord snowflakes), or "" when there is none.
func (s *Store) newestSourceID(ctx context.Context, ticketID int64, platform, prefix string, before time.Time) (string, error) {
	var ids []string
	q := s.DB.NewSelect().Model((*Message)(nil)).Column("source_id").
		Where("ticket_id = ? AND source_platform = ?", ticketID, platform)
	if prefix != "" {
		q = q.Where("substr(source_id, 1, ?) = ?", len(prefix), prefix)
	}
	if !before.IsZero() {
		q = q.Where("created_at < ?", before.UTC())
	}
	err := q.OrderExpr("LENGTH(source_id) DESC, source_id DESC").Limit(1).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// RecordedTargets reports which of ids a ticket's messages already record
// as their copies on the other platform (their target IDs): posts whose
// sending was recorded. It reads the ticket's messages (messages_ticket_idx),
// for the rare look-back after an attempt whose outcome is unknown.
func (s *Store) RecordedTargets(ctx context.Context, ticketID int64, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var targets []string
	err := s.DB.NewSelect().Model((*Message)(nil)).Column("target_id").
		Where("ticket_id = ? AND target_id IS NOT NULL AND target_id <> ''", ticketID).Scan(ctx, &targets)
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, t := range targets {
		for _, id := range strings.Split(t, ",") {
			if want[id] {
				out[id] = true
			}
		}
	}
	return out, err
}
