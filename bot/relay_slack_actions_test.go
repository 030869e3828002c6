package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

func TestTicketCardButtons(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := NewRouter(st, nil)
		relay := &Relay{Store: st, SlackChannel: "C0STAFF", DiscordChannel: "100"}
		RegisterTicketActions(r, relay)
		if _, err := st.CreateUser(ctx, core.NewUser{Login: "sam", Name: "Sam Staff", Role: core.RoleStaff, SlackID: "U0SAM0001"}); err != nil {
			t.Fatal(err)
		}
		client := coretest.MustUser(t, st, "carl", core.RoleClient)
		tk, err := st.OpenTicket(ctx, client, "Printer", "")
		if err != nil {
			t.Fatal(err)
		}
		sam := Actor{Platform: core.PlatformSlack, UserID: "U0SAM0001"}
		id := strconv.FormatInt(tk.ID, 10)
		status := func() string {
			got, err := st.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status
		}
		kinds := func() []string {
			ds, err := st.TicketDeliveries(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.Kind)
			}
			return out
		}

		rep := r.Action(ctx, sam, ActionTicketClose, id)
		if status() != core.TicketClosed || !strings.Contains(rep.Text, "#1 Printer closed") {
			t.Fatalf("close: %q, status %s", rep.Text, status())
		}
		want := []string{KindDiscordNotice, KindDiscordStatus, KindSlackNotice, KindSlackCard}
		if got := kinds(); !slices.Equal(got, want) {
			t.Fatalf("close queued %v; want %v", got, want)
		}
		if rep := r.Action(ctx, sam, ActionTicketClose, id); !strings.Contains(rep.Text, "already closed") || len(kinds()) != 4 {
			t.Errorf("second close: %q, %d deliveries", rep.Text, len(kinds()))
		}
		if rep := r.Action(ctx, sam, ActionTicketReopen, id); status() != core.TicketOpen || !strings.Contains(rep.Text, "reopened") {
			t.Errorf("reopen: %q, status %s", rep.Text, status())
		}
		if got := kinds()[4:]; !slices.Equal(got, []string{KindDiscordStatus, KindDiscordNotice, KindSlackNotice, KindSlackCard}) {
			t.Errorf("reopen queued %v", got)
		}

		for _, bad := range []struct{ action, value, want string }{
			{ActionTicketClose, "abc", "does not name a ticket"},
			{ActionTicketClose, "999999", "No such ticket"},
			{"ticket.frobnicate", id, "no longer works"},
		} {
			if rep := r.Action(ctx, sam, bad.action, bad.value); !strings.Contains(rep.Text, bad.want) {
				t.Errorf("%s %s: %q; want %q", bad.action, bad.value, rep.Text, bad.want)
			}
		}
		// Someone who is not staff is refused by the router; nothing moves.
		if rep := r.Action(ctx, Actor{Platform: core.PlatformSlack, UserID: "U0NOBODY1"}, ActionTicketClose, id); rep.Text != i18n.T(i18n.EN, Refusal) || status() != core.TicketOpen {
			t.Errorf("stranger: %q, status %s", rep.Text, status())
		}
	})
}
