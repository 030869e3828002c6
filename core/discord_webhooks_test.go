package core_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// New tickets get the slot of their support channel's pool holding the
// fewest open tickets (the lowest on a tie); closed tickets and tickets
// of other channels or from before the pool do not count; the slot is
// part of the ticket's threads.
func TestAssignDiscordWebhookSpreadsOpenTickets(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		open := func(channel string, slots int) (*core.Ticket, int) {
			t.Helper()
			tk, err := st.OpenTicket(ctx, carl, "Help", "")
			if err != nil {
				t.Fatal(err)
			}
			slot, err := st.AssignDiscordWebhookTx(ctx, st.DB, tk.ID, channel, slots)
			if err != nil {
				t.Fatal(err)
			}
			return tk, slot
		}
		// A ticket from before the pool: no channel, no slot.
		if _, err := st.OpenTicket(ctx, carl, "Old", ""); err != nil {
			t.Fatal(err)
		}
		var tickets []*core.Ticket
		var slots []int
		for range 5 {
			tk, slot := open("D1", 3)
			tickets, slots = append(tickets, tk), append(slots, slot)
		}
		if !slices.Equal(slots, []int{0, 1, 2, 0, 1}) {
			t.Fatalf("slots %v, want 0 1 2 0 1", slots)
		}
		if _, slot := open("D2", 3); slot != 0 {
			t.Fatalf("another channel's first ticket got slot %d, want 0", slot)
		}
		// Slot 2 holds one ticket, 0 and 1 two each: closing one of slot 0
		// leaves 1-1-1, and the lowest slot wins the tie.
		if _, err := st.SetTicketStatus(ctx, nil, tickets[0].ID, core.TicketClosed); err != nil {
			t.Fatal(err)
		}
		if _, slot := open("D1", 3); slot != 0 {
			t.Fatalf("after closing, slot %d, want 0", slot)
		}
		if _, slot := open("D1", 3); slot != 2 {
			t.Fatalf("next, slot %d, want 2", slot)
		}
		th, err := st.TicketThreadsOf(ctx, tickets[4].ID)
		if err != nil || th.DiscordChannelID != "D1" || th.DiscordWebhookSlot != 1 {
			t.Fatalf("threads %+v (%v), want channel D1 slot 1", th, err)
		}
		for _, bad := range []struct {
			channel string
			slots   int
		}{{"D1", 0}, {"D1", 16}, {"", 3}} {
			_, err := st.AssignDiscordWebhookTx(ctx, st.DB, tickets[1].ID, bad.channel, bad.slots)
			wantCode(t, err, core.EINVALID)
		}
		if got, _ := st.Ticket(ctx, tickets[1].ID); *got.DiscordWebhookSlot != 1 {
			t.Fatalf("a refused assignment changed the slot to %d", *got.DiscordWebhookSlot)
		}
	})
}

// The pool's webhooks are remembered once each, deleted ones too.
func TestDiscordWebhooksAreRemembered(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		for _, w := range []struct {
			channel string
			slot    int
			id      string
		}{{"D1", 1, "W2"}, {"D1", 0, "W1"}, {"D1", 0, "W1"}, {"D2", 0, "X1"}} {
			if err := st.RecordDiscordWebhook(ctx, w.channel, w.slot, w.id); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, st.RecordDiscordWebhook(ctx, "D1", 15, "W16"), core.EINVALID)
		wantCode(t, st.RecordDiscordWebhook(ctx, "D1", 0, ""), core.EINVALID)
		if err := st.DiscordWebhookGone(ctx, "W1"); err != nil {
			t.Fatal(err)
		}
		got, err := st.DiscordWebhooks(ctx, "D1")
		if err != nil || len(got) != 2 || got[0].ID != "W1" || got[0].GoneAt == nil || got[1].ID != "W2" || got[1].GoneAt != nil {
			t.Fatalf("D1's webhooks %+v (%v), want W1 gone and W2", got, err)
		}
		if all, _ := st.DiscordWebhooks(ctx, ""); len(all) != 3 {
			t.Fatalf("%d webhooks in all, want 3", len(all))
		}
	})
}

// The load of each Slack channel and Discord webhook: open tickets, and
// the queued posts of the kinds asked with the time of the oldest.
func TestChannelLoads(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		ticket := func(slack string, slot int) *core.Ticket {
			t.Helper()
			tk, err := st.OpenTicket(ctx, carl, "Help", "")
			if err != nil {
				t.Fatal(err)
			}
			if slack != "" {
				if err := st.SetTicketThreads(ctx, nil, tk.ID, "", slack, fmt.Sprintf("1.%06d", tk.ID)); err != nil {
					t.Fatal(err)
				}
			}
			if slot >= 0 {
				if _, err := st.AssignDiscordWebhookTx(ctx, st.DB, tk.ID, "D1", slot+1); err != nil {
					t.Fatal(err)
				}
			}
			return tk
		}
		a := ticket("C1", 0)  // slot 0
		b := ticket("C1", -1) // before the pool
		c := ticket("C2", 1)  // slot 1 (2 slots, slot 0 busy)
		closed := ticket("C2", 0)
		if _, err := st.SetTicketStatus(ctx, nil, closed.ID, core.TicketClosed); err != nil {
			t.Fatal(err)
		}
		post := func(tk *core.Ticket, platform, kind string) {
			t.Helper()
			d := &core.Delivery{Stream: "s" + kind, Kind: kind, Platform: platform, TicketID: &tk.ID, Payload: "{}"}
			if err := st.Enqueue(ctx, d); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
		}
		post(a, core.PlatformSlack, "slack.post") // 09:00:00
		post(b, core.PlatformSlack, "slack.post")
		post(b, core.PlatformSlack, "slack.react") // not a post
		post(c, core.PlatformDiscord, "discord.post")
		post(c, core.PlatformDiscord, "discord.post")
		post(a, core.PlatformDiscord, "discord.react")
		if err := st.RecordDiscordWebhook(ctx, "D1", 1, "W2"); err != nil {
			t.Fatal(err)
		}
		got, err := st.ChannelLoads(ctx, core.LoadLanes{
			SlackChannels: []string{"C1", "C3"}, DiscordChannels: []string{"D1"}, Webhooks: 3,
			SlackKinds: []string{"slack.post"}, DiscordKinds: []string{"discord.post"},
		})
		if err != nil {
			t.Fatal(err)
		}
		at := func(sec int) *time.Time { x := time.Date(2026, 12, 7, 9, 0, sec, 0, time.UTC); return &x }
		want := []core.ChannelLoad{
			{Platform: core.PlatformSlack, Channel: "C1", OpenTickets: 2, Queued: 2, OldestQueued: at(0)},
			{Platform: core.PlatformSlack, Channel: "C2", OpenTickets: 1},
			{Platform: core.PlatformSlack, Channel: "C3"},
			// The ticket from before the pool counts in the default
			// channel's slot 0.
			{Platform: core.PlatformDiscord, Channel: "D1", Webhook: 0, OpenTickets: 2},
			{Platform: core.PlatformDiscord, Channel: "D1", Webhook: 1, WebhookID: "W2", OpenTickets: 1, Queued: 2, OldestQueued: at(3)},
			{Platform: core.PlatformDiscord, Channel: "D1", Webhook: 2},
		}
		if len(got) != len(want) {
			t.Fatalf("loads %+v, want %+v", got, want)
		}
		for i := range want {
			g, w := got[i], want[i]
			sameTime := (g.OldestQueued == nil) == (w.OldestQueued == nil) && (g.OldestQueued == nil || g.OldestQueued.Equal(*w.OldestQueued))
			g.OldestQueued, w.OldestQueued = nil, nil
			if g != w || !sameTime {
				t.Fatalf("load %d: %+v (oldest %v), want %+v (oldest %v)", i, got[i], got[i].OldestQueued, want[i], want[i].OldestQueued)
			}
		}
	})
}
