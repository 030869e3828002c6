package core

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The overflow policy places a ticket no rule matched. The load of a
// channel is its active tickets: open, and opened or written in within
// the last Window. Tickets are what fill a channel's budget (about one
// post a second per channel, whatever the pacing), they are counted in
// the database, so every replica sees the same figures, and a burst of
// new tickets (when post rates and the pacer's queues are still zero
// everywhere) is spread at once instead of piling into one channel.

// Overflow policy defaults.
const (
	// DefaultQuiet: the default channel keeps new tickets while it holds
	// fewer active tickets than this, so a small team is not scattered.
	DefaultQuiet = 3
	// DefaultActiveWindow: a ticket counts as active while it is open and
	// was opened or written in within this.
	DefaultActiveWindow = 30 * time.Minute
)

// OverflowPolicy chooses the Slack channel of a new ticket no rule
// matched, from the default channel and the overflow channels. Zero
// fields take the defaults above.
type OverflowPolicy struct {
	// Quiet: while the default channel holds fewer active tickets than
	// Quiet, new tickets stay in it (DefaultQuiet).
	Quiet int
	// Window is how recent a ticket's last message (or its opening) must
	// be for it to count as active (DefaultActiveWindow).
	Window time.Duration
}

func (p OverflowPolicy) quiet() int {
	if p.Quiet <= 0 {
		return DefaultQuiet
	}
	return p.Quiet
}

func (p OverflowPolicy) window() time.Duration {
	if p.Window <= 0 {
		return DefaultActiveWindow
	}
	return p.Window
}

// Choose returns the channel for a new ticket, given the active tickets
// of each channel (a channel missing from active has none): the default
// channel while it holds fewer than Quiet; otherwise the channel with the
// fewest, the earliest in the list (the default first, then overflow in
// order) on a tie. It is a pure function of its arguments.
func (p OverflowPolicy) Choose(def string, overflow []string, active map[string]int) string {
	if active[def] < p.quiet() {
		return def
	}
	best := def
	for _, ch := range overflow {
		if active[ch] < active[best] {
			best = ch
		}
	}
	return best
}

// ActiveTickets returns how many active tickets (open, and opened or
// written in since since) each of channels holds; channels without any
// are absent.
func (s *Store) ActiveTickets(ctx context.Context, channels []string, since time.Time) (map[string]int, error) {
	return s.activeTickets(ctx, s.DB, channels, 0, since)
}

// activeTickets is ActiveTickets in db, leaving out ticket except.
func (s *Store) activeTickets(ctx context.Context, db bun.IDB, channels []string, except int64, since time.Time) (map[string]int, error) {
	var rows []struct {
		Channel string `bun:"channel"`
		N       int    `bun:"n"`
	}
	err := db.NewSelect().TableExpr("tickets AS t").
		ColumnExpr("t.slack_channel_id AS channel").ColumnExpr("count(*) AS n").
		Where("t.status = ?", TicketOpen).Where("t.slack_channel_id IN (?)", bun.In(channels)).Where("t.id <> ?", except).
		Where("(t.created_at >= ? OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.created_at >= ?))", since, since).
		GroupExpr("t.slack_channel_id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Channel] = r.N
	}
	return out, nil
}
