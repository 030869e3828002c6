package core_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestOverflowChoose: the policy as a pure function of a load snapshot.
func TestOverflowChoose(t *testing.T) {
	over := []string{"C1", "C2", "C3"}
	cases := []struct {
		name   string
		policy core.OverflowPolicy
		active map[string]int
		want   string
	}{
		{"empty", core.OverflowPolicy{}, nil, "C0"},
		{"default under the default quiet threshold", core.OverflowPolicy{}, map[string]int{"C0": 2}, "C0"},
		{"default at the threshold: the emptiest, first in the list", core.OverflowPolicy{}, map[string]int{"C0": 3}, "C1"},
		{"lowest load wins", core.OverflowPolicy{}, map[string]int{"C0": 5, "C1": 4, "C2": 1, "C3": 2}, "C2"},
		{"tie between overflow: the earlier", core.OverflowPolicy{}, map[string]int{"C0": 5, "C1": 2, "C2": 1, "C3": 1}, "C2"},
		{"tie with the default: the default", core.OverflowPolicy{}, map[string]int{"C0": 3, "C1": 3, "C2": 3, "C3": 3}, "C0"},
		{"quiet threshold of one", core.OverflowPolicy{Quiet: 1}, map[string]int{"C0": 1}, "C1"},
		{"higher quiet threshold", core.OverflowPolicy{Quiet: 10}, map[string]int{"C0": 9, "C1": 0}, "C0"},
		{"channels not in the lists do not matter", core.OverflowPolicy{}, map[string]int{"C0": 3, "C1": 1, "C2": 1, "C3": 1, "C9": 0}, "C1"},
	}
	for _, c := range cases {
		if got := c.policy.Choose("C0", over, c.active); got != c.want {
			t.Errorf("%s: Choose = %s, want %s", c.name, got, c.want)
		}
	}
	if got := (core.OverflowPolicy{}).Choose("C0", nil, map[string]int{"C0": 99}); got != "C0" {
		t.Errorf("no overflow channels: Choose = %s, want the default", got)
	}
}

// TestOverflowRouting: tickets without a rule stay in the default channel
// while it holds fewer than three active tickets, then go where the
// fewest are; closed tickets and tickets idle for longer than the window
// do not count, a message makes a ticket active again, and tickets routed
// by a rule count in their channel.
func TestOverflowRouting(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		w := newRoutingWorld(t, st)
		stranger := coretest.MustUser(t, st, "zed", core.RoleClient)
		slack := &core.SlackRouting{Default: "C00", Overflow: []string{"C01", "C02"}}
		var got []string
		var tickets []*core.Ticket
		open := func(u *core.User) {
			tk, route := w.open(t, u, "", slack)
			got = append(got, route.SlackChannel)
			tickets = append(tickets, tk)
		}
		for range 6 {
			open(stranger)
		}
		if want := "C00 C00 C00 C01 C02 C01"; strings.Join(got, " ") != want {
			t.Fatalf("placements = %s, want %s", strings.Join(got, " "), want)
		}
		// A rule sends Henri's ticket to C02: it counts there.
		w.rule(t, core.RoutingRuleInput{Company: "Dupont & Fils", SlackChannel: "C02"})
		open(w.client)
		active, err := st.ActiveTickets(ctx, []string{"C00", "C01", "C02"}, clock.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"C00": 3, "C01": 2, "C02": 2}; fmt.Sprint(active) != fmt.Sprint(want) {
			t.Fatalf("active = %v, want %v", active, want)
		}
		got = nil
		open(stranger)
		if got[0] != "C01" {
			t.Fatalf("with C01 and C02 at 2 and C00 at 3: %s, want C01", got[0])
		}
		// Closing a ticket of the default frees a place there.
		if _, err := st.SetTicketStatus(ctx, nil, tickets[0].ID, core.TicketClosed); err != nil {
			t.Fatal(err)
		}
		got = nil
		open(stranger)
		if got[0] != "C00" {
			t.Fatalf("after closing one of C00's: %s, want C00", got[0])
		}
		// Half an hour later every ticket is idle; one of C01's gets a
		// message and is active again.
		clock.Advance(31 * time.Minute)
		m := &core.Message{TicketID: tickets[3].ID, AuthorName: "Zed", Body: "still there?", SourcePlatform: core.PlatformDiscord, SourceID: "1"}
		if _, err := st.RecordMessageTx(ctx, st.DB, m); err != nil {
			t.Fatal(err)
		}
		active, err = st.ActiveTickets(ctx, []string{"C00", "C01", "C02"}, clock.Now().Add(-core.DefaultActiveWindow))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"C01": 1}; fmt.Sprint(active) != fmt.Sprint(want) {
			t.Fatalf("active after the window = %v, want %v", active, want)
		}
		got = nil
		for range 4 {
			open(stranger)
		}
		if want := "C00 C00 C00 C02"; strings.Join(got, " ") != want {
			t.Fatalf("placements after the window = %s, want %s", strings.Join(got, " "), want)
		}
	})
}

// TestOverflowConcurrentOpenings: 24 tickets opened at once over the
// default and 7 overflow channels end 3 per channel: each opening sees
// the ones placed before it (the ticket counter orders them).
func TestOverflowConcurrentOpenings(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		w := newRoutingWorld(t, st)
		slack := &core.SlackRouting{Default: "C0", Overflow: []string{"C1", "C2", "C3", "C4", "C5", "C6", "C7"}}
		var clients []*core.User
		for i := range 24 {
			clients = append(clients, coretest.MustUser(t, st, fmt.Sprintf("client%02d", i), core.RoleClient))
		}
		var mu sync.Mutex
		count := map[string]int{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, u := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, route, err := w.tryOpen(u, "", slack)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				count[route.SlackChannel]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		var spread []string
		for ch, n := range count {
			spread = append(spread, fmt.Sprintf("%s=%d", ch, n))
		}
		sort.Strings(spread)
		if want := "C0=3 C1=3 C2=3 C3=3 C4=3 C5=3 C6=3 C7=3"; strings.Join(spread, " ") != want {
			t.Fatalf("spread = %s, want %s", strings.Join(spread, " "), want)
		}
	})
}

// TestRerouteTicket: a ticket whose routed channel cannot take its thread
// moves to the default channel once, keeps the reason, and is not moved
// after its thread exists; the thread's recording keeps the stored
// channel.
func TestRerouteTicket(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		w := newRoutingWorld(t, st)
		w.rule(t, core.RoutingRuleInput{Company: "Dupont & Fils", SlackChannel: "C0KEY"})
		tk, _ := w.open(t, w.client, "", &core.SlackRouting{Default: "C0STAFF"})
		moved, err := st.RerouteTicket(ctx, tk.ID, "C0KEY", "C0STAFF", "is_archived")
		if err != nil || !moved {
			t.Fatalf("reroute: moved=%v err=%v", moved, err)
		}
		if moved, err := st.RerouteTicket(ctx, tk.ID, "C0KEY", "C0STAFF", "is_archived"); err != nil || moved {
			t.Fatalf("second reroute: moved=%v err=%v, want no change", moved, err)
		}
		// The thread's recording names the payload's channel (the rule's):
		// the stored one stays.
		if err := st.SetTicketThreads(ctx, nil, tk.ID, "", "C0KEY", "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		got, err := st.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got.SlackChannelID != "C0STAFF" || *got.SlackFallbackFrom != "C0KEY" || *got.SlackFallbackReason != "is_archived" {
			t.Fatalf("ticket: channel %s, from %v, reason %v", *got.SlackChannelID, *got.SlackFallbackFrom, *got.SlackFallbackReason)
		}
		if moved, err := st.RerouteTicket(ctx, tk.ID, "C0STAFF", "C0OTHER", "is_archived"); err != nil || moved {
			t.Fatalf("reroute after the thread opened: moved=%v err=%v", moved, err)
		}
		th, err := st.TicketThreadsOf(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if th.SlackChannelID != "C0STAFF" {
			t.Fatalf("threads = %+v", th)
		}
	})
}
