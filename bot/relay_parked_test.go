package bot_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

func TestWorkerParksPermanentFailureWithWarningOnSource(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		r.discord.Mu.Lock()
		r.discord.Fail = func(d *core.Delivery, call int) error {
			if d.Kind == bot.KindDiscordPost {
				return outbox.Permanent(errors.New("404 Unknown Channel"))
			}
			return nil
		}
		r.discord.Mu.Unlock()
		r.staffSays(t, open.Ticket, "4000.1", "are you there?")
		r.staffSays(t, open.Ticket, "4000.2", "hello?")
		waitIdle(t, st)
		// Two rows, or one when the second reply was queued while the
		// first waited and left with it (merged).
		stats, _ := st.OutboxStats(ctx)
		if stats.Parked != 2 && stats.Parked != 1 {
			t.Fatalf("parked %d, want 2 (or 1 carrying both)", stats.Parked)
		}
		var warned []string
		for _, s := range r.slack.Sent() {
			if p := payload[bot.SlackReactPayload](t, s); s.Kind == bot.KindSlackReact && p.Reaction == bot.ReactParked {
				warned = append(warned, p.TS)
			}
		}
		if !slices.Equal(warned, []string{"4000.1", "4000.2"}) {
			t.Fatalf("⚠️ on %v", warned)
		}
		ds, _ := st.TicketDeliveries(ctx, open.Ticket.ID)
		for _, d := range ds {
			if d.Status == core.DeliveryParked && (d.Attempts != 1 || d.LastError == "") {
				t.Fatalf("parked row retried or without reason: %+v", d)
			}
		}
	})
}
