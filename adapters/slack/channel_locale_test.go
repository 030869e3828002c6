package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox/outboxtest"
)

// TestChannelLanguage: through slack-go against the fake Slack, a
// ticket routed to a staff channel set to French gets a French card and
// French lines in its thread, while a ticket in the default channel,
// which has no language of its own, stays in JAYAYA_LOCALE (English).
func TestChannelLanguage(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRoutingRig(t, st)
		if _, err := st.SetChannelLocaleAs(ctx, core.Actor{}, "", r.keyCh, "fr"); err != nil {
			t.Fatal(err)
		}
		fr := r.open(t, "Facture manquante") // Henri's company is routed to keyCh
		res, err := r.relay.OpenTicket(ctx, bot.InboundOpen{Platform: core.PlatformDiscord,
			ClientPlatformUserID: "111111111111111111", Subject: "Printer jammed"}) // Carl: no rule, the default channel
		if err != nil || res.Outcome != bot.Stored {
			t.Fatalf("open: %v %v", res.Outcome, err)
		}
		outboxtest.WaitIdle(t, st)
		en, err := st.Ticket(ctx, res.Ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *fr.SlackChannelID != r.keyCh || en.SlackChannelID == nil || *en.SlackChannelID != r.staffCh {
			t.Fatalf("tickets in %v and %v, want %s and %s", *fr.SlackChannelID, en.SlackChannelID, r.keyCh, r.staffCh)
		}
		wantCard := func(tk *core.Ticket, text string, has []string, hasNot ...string) {
			t.Helper()
			m, blocks := r.card(t, tk)
			if !strings.HasPrefix(m.Text, text) {
				t.Errorf("ticket #%d: card text %q, want it to start with %q", tk.Number, m.Text, text)
			}
			for _, s := range has {
				if !strings.Contains(blocks, s) {
					t.Errorf("ticket #%d: card lacks %q:\n%s", tk.Number, s, blocks)
				}
			}
			for _, s := range hasNot {
				if strings.Contains(blocks, s) {
					t.Errorf("ticket #%d: card has %q:\n%s", tk.Number, s, blocks)
				}
			}
		}
		wantCard(fr, "Billet #", []string{"*Statut*", "Ouvert", "*Entreprises*"}, "Status", "Open")
		wantCard(en, "Ticket #", []string{"*Status*", "Open"}, "Statut", "Ouvert")

		for _, tk := range []*core.Ticket{fr, en} {
			if _, err := r.relay.SetStatus(ctx, tk.ID, core.TicketClosed, nil); err != nil {
				t.Fatal(err)
			}
		}
		outboxtest.WaitIdle(t, st)
		wantCard(fr, "Billet #", []string{"Fermé"}, "Closed")
		wantCard(en, "Ticket #", []string{"Closed"}, "Fermé")
		notice := func(tk *core.Ticket) string {
			t.Helper()
			var lines []string
			for _, m := range r.fake.State().Messages(*tk.SlackChannelID) {
				if m.ThreadTS == *tk.SlackThreadTS && m.TS != m.ThreadTS {
					lines = append(lines, m.Text)
				}
			}
			return strings.Join(lines, "\n")
		}
		if got := notice(fr); !strings.Contains(got, "a été fermé par JayayaCRM") {
			t.Errorf("French channel's thread: %q, want the closing line in French", got)
		}
		if got := notice(en); !strings.Contains(got, "was closed by JayayaCRM") {
			t.Errorf("default channel's thread: %q, want the closing line in English", got)
		}
	})
}
