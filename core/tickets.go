package core

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// TicketFilter selects tickets in ListTickets. ParticipantID limits to the
// tickets a user takes part in; VisibleTo (a client) limits to the tickets a
// client may read: their own and public ones.
type TicketFilter struct {
	ParticipantID *int64
	VisibleTo     *int64
	Status        *string
	Limit         int
}

func ticketSubject(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	return text("subject", "core.field.subject", s, 90, true)
}

// nextCounter increments a named counter and returns its new value. The row
// update serialises concurrent callers on both engines.
func nextCounter(ctx context.Context, tx bun.IDB, name string) (int64, error) {
	var v int64
	err := tx.NewRaw("INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value", name).Scan(ctx, &v)
	return v, err
}

// OpenTicket opens a ticket for client opener, who becomes its first
// participant. visibility is "private" (default when empty) or "public".
// Errors: EINVALID, EFORBIDDEN (not an active user).
func (s *Store) OpenTicket(ctx context.Context, opener *User, subject, visibility string) (*Ticket, error) {
	var t *Ticket
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		t, err = s.OpenTicketTx(ctx, tx, opener, subject, visibility)
		return err
	})
	return t, err
}

// OpenTicketTx is OpenTicket inside the caller's transaction, so that the
// ticket, its first message and their deliveries commit together.
func (s *Store) OpenTicketTx(ctx context.Context, tx bun.IDB, opener *User, subject, visibility string) (*Ticket, error) {
	if opener == nil || opener.DisabledAt != nil {
		return nil, E(EFORBIDDEN, "core.ticket.opener_required")
	}
	subj, err := ticketSubject(subject)
	if err != nil {
		return nil, err
	}
	switch visibility {
	case "":
		visibility = TicketPrivate
	case TicketPrivate, TicketPublic:
	default:
		return nil, InvalidE("visibility", "core.ticket.visibility_invalid", i18n.Args{"Value": visibility})
	}
	now := s.now()
	t := &Ticket{Subject: subj, Status: TicketOpen, Visibility: visibility, OpenerID: &opener.ID, CreatedAt: now, UpdatedAt: now}
	if t.Number, err = nextCounter(ctx, tx, "ticket"); err != nil {
		return nil, err
	}
	if _, err := tx.NewInsert().Model(t).Returning("id").Exec(ctx); err != nil {
		return nil, err
	}
	if err := addParticipant(ctx, tx, t.ID, opener.ID, now); err != nil {
		return nil, err
	}
	return t, nil
}

func addParticipant(ctx context.Context, tx bun.IDB, ticketID, userID int64, now time.Time) error {
	_, err := tx.NewRaw("INSERT INTO ticket_participants (ticket_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", ticketID, userID, now).Exec(ctx)
	return err
}

// AddParticipant records that user takes part in ticket; it reports whether
// they were new to it.
func (s *Store) AddParticipant(ctx context.Context, tx bun.IDB, ticketID, userID int64) (bool, error) {
	if tx == nil {
		tx = s.DB
	}
	res, err := tx.NewRaw("INSERT INTO ticket_participants (ticket_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", ticketID, userID, s.now()).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// KnownParticipant reports whether this process saw user's participation
// in ticket committed (NoteParticipant): participants are never removed,
// so the relay then skips AddParticipant for their next messages.
func (s *Store) KnownParticipant(ticketID, userID int64) bool {
	s.threadsMu.Lock()
	defer s.threadsMu.Unlock()
	return s.participants[[2]int64{ticketID, userID}]
}

// NoteParticipant remembers that user's participation in ticket is
// committed. Call it only after the transaction that ran AddParticipant
// committed.
func (s *Store) NoteParticipant(ticketID, userID int64) {
	s.threadsMu.Lock()
	defer s.threadsMu.Unlock()
	if s.participants == nil || len(s.participants) >= maxCachedThreads {
		s.participants = map[[2]int64]bool{}
	}
	s.participants[[2]int64{ticketID, userID}] = true
}

// Participants returns the users taking part in a ticket, by join time.
func (s *Store) Participants(ctx context.Context, ticketID int64) ([]*User, error) {
	var out []*User
	err := s.DB.NewSelect().Model(&out).
		Join("JOIN ticket_participants AS tp ON tp.user_id = ?TableAlias.id").
		Where("tp.ticket_id = ?", ticketID).OrderExpr("tp.joined_at, ?TableAlias.id").Scan(ctx)
	return out, err
}

// SetTicketStatus opens or closes a ticket and reports whether it changed.
// Errors: ENOTFOUND, EINVALID.
func (s *Store) SetTicketStatus(ctx context.Context, tx bun.IDB, ticketID int64, status string) (bool, error) {
	if tx == nil {
		tx = s.DB
	}
	if status != TicketOpen && status != TicketClosed {
		return false, InvalidE("status", "core.ticket.status_invalid")
	}
	now := s.now()
	q := tx.NewUpdate().Model((*Ticket)(nil)).Set("status = ?", status).Set("updated_at = ?", now).
		Where("id = ?", ticketID).Where("status <> ?", status)
	if status == TicketClosed {
		q = q.Set("closed_at = ?", now)
	} else {
		q = q.Set("closed_at = NULL")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return true, nil
	}
	if _, err := ticketWhere(ctx, tx, "id = ?", ticketID); err != nil {
		return false, err
	}
	return false, nil
}

// SetTicketThreads records the platform addresses of a ticket's threads;
// empty values are left alone. A Slack channel the ticket already has
// (routed at opening, RouteTicketTx) is kept: the thread was opened
// there.
func (s *Store) SetTicketThreads(ctx context.Context, tx bun.IDB, ticketID int64, discordThreadID, slackChannelID, slackThreadTS string) error {
	if tx == nil {
		tx = s.DB
	}
	q := tx.NewUpdate().Model((*Ticket)(nil)).Set("updated_at = ?", s.now()).Where("id = ?", ticketID)
	if discordThreadID != "" {
		q = q.Set("discord_thread_id = ?", discordThreadID)
	}
	if slackChannelID != "" && slackThreadTS != "" {
		q = q.Set("slack_channel_id = coalesce(slack_channel_id, ?)", slackChannelID).Set("slack_thread_ts = ?", slackThreadTS)
	}
	_, err := q.Exec(ctx)
	return err
}

func ticketWhere(ctx context.Context, db bun.IDB, where string, args ...any) (*Ticket, error) {
	t := new(Ticket)
	err := selectOneWhere(ctx, db, t, where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.ticket.not_found")
	}
	return t, err
}

// Ticket returns a ticket by ID. Errors: ENOTFOUND.
func (s *Store) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	return ticketWhere(ctx, s.DB, "id = ?", id)
}

// TicketByNumber returns a ticket by its human number. Errors: ENOTFOUND.
func (s *Store) TicketByNumber(ctx context.Context, number int64) (*Ticket, error) {
	t, err := ticketWhere(ctx, s.DB, "number = ?", number)
	if ErrorCode(err) == ENOTFOUND {
		return nil, E(ENOTFOUND, "core.ticket.number_not_found", i18n.Args{"Number": number})
	}
	return t, err
}

// TicketByDiscordThread returns the ticket of a Discord thread. Errors: ENOTFOUND.
func (s *Store) TicketByDiscordThread(ctx context.Context, threadID string) (*Ticket, error) {
	return ticketWhere(ctx, s.DB, "discord_thread_id = ?", threadID)
}

// TicketBySlackThread returns the ticket of a Slack thread. Errors: ENOTFOUND.
func (s *Store) TicketBySlackThread(ctx context.Context, channelID, threadTS string) (*Ticket, error) {
	return ticketWhere(ctx, s.DB, "slack_channel_id = ? AND slack_thread_ts = ?", channelID, threadTS)
}

// ListTickets returns tickets matching f, newest first.
func (s *Store) ListTickets(ctx context.Context, f TicketFilter) ([]*Ticket, error) {
	var out []*Ticket
	q := s.DB.NewSelect().Model(&out).OrderExpr("number DESC")
	if f.ParticipantID != nil {
		q = q.Where("EXISTS (SELECT 1 FROM ticket_participants tp WHERE tp.ticket_id = ticket.id AND tp.user_id = ?)", *f.ParticipantID)
	}
	if f.VisibleTo != nil {
		q = q.Where("(ticket.visibility = ? OR ticket.opener_id = ? OR EXISTS (SELECT 1 FROM ticket_participants tp WHERE tp.ticket_id = ticket.id AND tp.user_id = ?))",
			TicketPublic, *f.VisibleTo, *f.VisibleTo)
	}
	if f.Status != nil && *f.Status != "" {
		q = q.Where("ticket.status = ?", *f.Status)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return out, q.Limit(int64(limit)).Scan(ctx)
}

// CanRead reports whether user may read a ticket: staff always, a client
// when they take part, opened it, or it is public.
func (s *Store) CanRead(ctx context.Context, user *User, t *Ticket) (bool, error) {
	if user.IsStaff() {
		return true, nil
	}
	if user.DisabledAt != nil {
		return false, nil
	}
	if t.Visibility == TicketPublic || (t.OpenerID != nil && *t.OpenerID == user.ID) {
		return true, nil
	}
	n, err := s.DB.NewSelect().Model((*TicketParticipant)(nil)).Where("ticket_id = ? AND user_id = ?", t.ID, user.ID).Count(ctx)
	return n > 0, err
}

// TicketThreads is where a ticket's threads are on each platform; a field
// is "" while that thread does not exist yet.
type TicketThreads struct {
	Number          int64
	DiscordThreadID string
	SlackChannelID  string
	SlackThreadTS   string
	// DiscordChannelID is the support channel the Discord thread lives
	// under, "" for the first one (tickets older than several).
	DiscordChannelID string
	// DiscordWebhookSlot is the place of the webhook the Discord thread
	// posts through in that channel's pool: 0 for a ticket opened before
	// the pool.
	DiscordWebhookSlot int
}

// complete reports whether both threads exist (nothing about them can
// change any more).
func (t TicketThreads) complete() bool {
	return t.DiscordThreadID != "" && t.SlackChannelID != "" && t.SlackThreadTS != ""
}

// maxCachedThreads bounds the thread cache; past it the cache starts over.
const maxCachedThreads = 100_000

// TicketThreadsOf returns where a ticket's threads are. A ticket's threads
// are recorded once, when they are created, and never move, so once both
// exist they are served from memory: the relay's senders look them up for
// every message. Errors: ENOTFOUND.
func (s *Store) TicketThreadsOf(ctx context.Context, ticketID int64) (TicketThreads, error) {
	s.threadsMu.Lock()
	th, ok := s.threads[ticketID]
	s.threadsMu.Unlock()
	if ok {
		return th, nil
	}
	t, err := s.Ticket(ctx, ticketID)
	if err != nil {
		return TicketThreads{}, err
	}
	th = TicketThreads{Number: t.Number}
	if t.DiscordThreadID != nil {
		th.DiscordThreadID = *t.DiscordThreadID
	}
	if t.DiscordChannelID != nil {
		th.DiscordChannelID = *t.DiscordChannelID
	}
	if t.SlackChannelID != nil && t.SlackThreadTS != nil {
		th.SlackChannelID, th.SlackThreadTS = *t.SlackChannelID, *t.SlackThreadTS
	}
	if t.DiscordWebhookSlot != nil {
		th.DiscordWebhookSlot = *t.DiscordWebhookSlot
	}
	if th.complete() {
		s.threadsMu.Lock()
		if s.threads == nil || len(s.threads) >= maxCachedThreads {
			s.threads = map[int64]TicketThreads{}
		}
		s.threads[ticketID] = th
		s.threadsMu.Unlock()
	}
	return th, nil
}
