package core_test

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestTicketThreadsOfUnknownTicket: a ticket that does not exist is
// ENOTFOUND.
func TestTicketThreadsOfUnknownTicket(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		_, err := st.TicketThreadsOf(context.Background(), 424242)
		wantCode(t, err, core.ENOTFOUND)
	})
}

// TestTicketThreadsOfCachesOnlyCompleteLocations shows that a ticket whose
// Slack thread does not exist yet is read again on the next call, and that
// complete locations are then served from memory. In the product a
// ticket's threads are recorded once and never move; the direct UPDATE
// below does what the product never does, only to show the cache is used.
func TestTicketThreadsOfCachesOnlyCompleteLocations(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		if _, err := st.OpenTicket(ctx, carl, "First", ""); err != nil {
			t.Fatal(err)
		}
		tk, err := st.OpenTicket(ctx, carl, "Printer on fire", "")
		if err != nil {
			t.Fatal(err)
		}

		got, err := st.TicketThreadsOf(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (core.TicketThreads{Number: 2}); got != want {
			t.Fatalf("new ticket: threads = %+v, want %+v", got, want)
		}

		// Only the Discord thread: not complete, so not cached.
		if err := st.SetTicketThreads(ctx, nil, tk.ID, "123456789012345678", "", ""); err != nil {
			t.Fatal(err)
		}
		got, err = st.TicketThreadsOf(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (core.TicketThreads{Number: 2, DiscordThreadID: "123456789012345678"}); got != want {
			t.Fatalf("with a Discord thread: threads = %+v, want %+v", got, want)
		}

		// The Slack thread follows; the next call sees it.
		if err := st.SetTicketThreads(ctx, nil, tk.ID, "", "C0STAFF", "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		complete := core.TicketThreads{Number: 2, DiscordThreadID: "123456789012345678", SlackChannelID: "C0STAFF", SlackThreadTS: "1700000000.000100"}
		got, err = st.TicketThreadsOf(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != complete {
			t.Fatalf("with both threads: threads = %+v, want %+v", got, complete)
		}

		// Never done by the product: move the Slack thread underneath.
		res, err := st.DB.ExecContext(ctx, "UPDATE tickets SET slack_thread_ts = ? WHERE id = ?", "1700000000.999999", tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("direct update changed %d rows, want 1", n)
		}
		got, err = st.TicketThreadsOf(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != complete {
			t.Fatalf("complete threads read again from the row: %+v, want the cached %+v", got, complete)
		}
		// The row did change: the ticket itself is read from the database.
		row, err := st.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if row.SlackThreadTS == nil || *row.SlackThreadTS != "1700000000.999999" {
			t.Fatalf("row's slack_thread_ts = %v, want the updated value", row.SlackThreadTS)
		}
	})
}

// TestTicketThreadsOfSlackThreadFirst covers the other order of thread
// creation: a Slack thread alone is not complete either.
func TestTicketThreadsOfSlackThreadFirst(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		tk, err := st.OpenTicket(ctx, carl, "Help", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetTicketThreads(ctx, nil, tk.ID, "", "C0STAFF", "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		got, err := st.TicketThreadsOf(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (core.TicketThreads{Number: 1, SlackChannelID: "C0STAFF", SlackThreadTS: "1700000000.000100"}); got != want {
			t.Fatalf("with a Slack thread: threads = %+v, want %+v", got, want)
		}
		if err := st.SetTicketThreads(ctx, nil, tk.ID, "123456789012345678", "", ""); err != nil {
			t.Fatal(err)
		}
		got, err = st.TicketThreadsOf(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DiscordThreadID != "123456789012345678" {
			t.Fatalf("Discord thread added later not seen: %+v", got)
		}
	})
}
