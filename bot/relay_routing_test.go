package bot_test

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// acceptChannels stands in for Slack's channel check in the relay's tests
// (the real one is the Slack adapter's, tested against the fake Slack).
type acceptChannels struct{}

func (acceptChannels) CheckPostable(_ context.Context, id string) (string, error) { return "ch", nil }

const (
	supportFirst   = "100000000000000010" // the first DISCORD_SUPPORT_CHANNEL
	supportBilling = "100000000000000011"
)

// routedRig is a relay rig with two Discord support channels, a rule for
// the billing one, and one overflow channel.
func routedRig(t *testing.T, st *core.Store) *relayRig {
	t.Helper()
	r := newRelayRig(t, st)
	r.relay.DiscordChannel = supportFirst
	r.relay.DiscordChannels = []string{supportFirst, supportBilling}
	r.relay.SlackOverflow = []string{"C0OVER"}
	r.relay.Overflow = core.OverflowPolicy{Quiet: 1}
	r.relay.Metrics = bot.NewMetrics(nil)
	st.SlackChannels = acceptChannels{}
	if _, err := st.CreateRoutingRuleAs(context.Background(), core.Actor{}, core.RoutingRuleInput{DiscordChannel: supportBilling, SlackChannel: "C0BILLING"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// openFrom opens a ticket by a message in a Discord channel, or by
// /ticket (sourceID "") naming channel.
func (r *relayRig) openFrom(t *testing.T, channel, sourceID string) bot.Result {
	t.Helper()
	in := bot.InboundOpen{Platform: core.PlatformDiscord, ClientPlatformUserID: "100000000000000001", Subject: "Invoice"}
	if sourceID == "" {
		in.Channel = channel
	} else {
		in.First = &bot.InboundMessage{Platform: core.PlatformDiscord, SourceID: sourceID, ChannelID: channel,
			AuthorPlatformID: "100000000000000001", Text: "Where is my invoice?"}
	}
	res, err := r.relay.OpenTicket(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// openPayloads returns the open_thread payloads queued for a ticket.
func openPayloads(t *testing.T, st *core.Store, ticketID int64) (bot.DiscordOpenThreadPayload, bot.SlackOpenThreadPayload) {
	t.Helper()
	ds, err := st.TicketDeliveries(context.Background(), ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var dp bot.DiscordOpenThreadPayload
	var sp bot.SlackOpenThreadPayload
	for _, d := range ds {
		switch d.Kind {
		case bot.KindDiscordOpenThread:
			dp = payload[bot.DiscordOpenThreadPayload](t, sent{ID: d.ID, Kind: d.Kind, Payload: d.Payload})
		case bot.KindSlackOpenThread:
			sp = payload[bot.SlackOpenThreadPayload](t, sent{ID: d.ID, Kind: d.Kind, Payload: d.Payload})
		}
	}
	return dp, sp
}

// TestRelayRoutesNewTickets: a ticket opened from a Discord support
// channel lives under it on Discord and goes to the channel its rule
// names on Slack; a ticket opened elsewhere lives under the first
// support channel; tickets without a rule fill the default channel, then
// overflow; the threads are recorded where they were routed, and
// /metrics counts each route.
func TestRelayRoutesNewTickets(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := routedRig(t, st)
		cases := []struct {
			name, channel, source string
			parent, slack         string
		}{
			{"message in the billing channel", supportBilling, "D-1", supportBilling, "C0BILLING"},
			{"/ticket in the billing channel", supportBilling, "", supportBilling, "C0BILLING"},
			{"message in the first channel", supportFirst, "D-2", supportFirst, "CSTAFF"},
			{"/ticket elsewhere: default full, overflow", "100000000000000099", "", supportFirst, "C0OVER"},
		}
		var tickets []*core.Ticket
		for _, c := range cases {
			res := r.openFrom(t, c.channel, c.source)
			if res.Outcome != bot.Stored {
				t.Fatalf("%s: outcome %v", c.name, res.Outcome)
			}
			dp, sp := openPayloads(t, st, res.Ticket.ID)
			if dp.ParentID != c.parent || sp.Channel != c.slack {
				t.Errorf("%s: Discord parent %q, Slack channel %q; want %q, %q", c.name, dp.ParentID, sp.Channel, c.parent, c.slack)
			}
			tickets = append(tickets, res.Ticket)
		}
		r.start(t)
		waitIdle(t, st)
		for i, tk := range tickets {
			th, err := st.TicketThreadsOf(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if th.SlackChannelID != cases[i].slack || th.SlackThreadTS == "" || th.DiscordChannelID != cases[i].parent {
				t.Errorf("%s: threads %+v", cases[i].name, th)
			}
		}
		reg := r.relay.Metrics.Registry()
		for route, want := range map[string]float64{core.RuleDiscord: 2, core.RouteOverflow: 2, core.RuleCompany: 0} {
			if got := mustValue(t, reg, "jayaya_tickets_routed_total", map[string]string{"route": route}); got != want {
				t.Errorf("tickets routed by %s = %v, want %v", route, got, want)
			}
		}
	})
}

// TestRelayRoutedOpeningRedelivered: the first message of a ticket
// delivered again (a gateway replay, a catch-up) opens nothing more and
// routes nothing more.
func TestRelayRoutedOpeningRedelivered(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := routedRig(t, st)
		first := r.openFrom(t, supportBilling, "D-1")
		again := r.openFrom(t, supportBilling, "D-1")
		if again.Outcome != bot.Duplicate || again.Ticket.ID != first.Ticket.ID {
			t.Fatalf("redelivery: %v ticket %v, want Duplicate of #%d", again.Outcome, again.Ticket, first.Ticket.Number)
		}
		list, err := st.ListTickets(ctx, core.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("%d tickets, want 1", len(list))
		}
		ds, err := st.TicketDeliveries(ctx, first.Ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		opens := 0
		for _, d := range ds {
			if d.Kind == bot.KindSlackOpenThread {
				opens++
			}
		}
		if opens != 1 {
			t.Fatalf("%d slack.open_thread deliveries, want 1", opens)
		}
		if got := mustValue(t, r.relay.Metrics.Registry(), "jayaya_tickets_routed_total", map[string]string{"route": core.RuleDiscord}); got != 1 {
			t.Fatalf("routed count %v, want 1", got)
		}
	})
}
