package bot_test

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestRelayCleansControlCharacters: a client's message with a stray
// control character (a NUL, which PostgreSQL cannot store, or an escape)
// is not lost over it: the ticket opens and the message and its edit are
// stored and relayed without the character.
func TestRelayCleansControlCharacters(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		res, err := r.relay.OpenTicket(ctx, bot.InboundOpen{
			Platform: core.PlatformDiscord, ClientPlatformUserID: "100000000000000001", Subject: "Printer\x00 on fire",
			First: &bot.InboundMessage{Platform: core.PlatformDiscord, SourceID: "D-1", ChannelID: "D-SUPPORT",
				AuthorPlatformID: "100000000000000001", AuthorName: "Client\x00 C", Text: "It\x00 burns\x1b\r\nhelp"},
		})
		if err != nil || res.Outcome != bot.Stored {
			t.Fatalf("open ticket: %v %v", res.Outcome, err)
		}
		if res.Ticket.Subject != "Printer on fire" || res.Message.Body != "It burns\nhelp" || res.Message.AuthorName != "Client C" {
			t.Fatalf("stored subject %q, body %q, author %q", res.Ticket.Subject, res.Message.Body, res.Message.AuthorName)
		}

		ed, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformDiscord, SourceID: "D-1", Text: "It stopped\x00"})
		if err != nil || ed.Outcome != bot.Stored {
			t.Fatalf("edit: %v %v", ed.Outcome, err)
		}
		m, err := st.MessageBySource(ctx, core.PlatformDiscord, "D-1")
		if err != nil || m.Body != "It stopped" {
			t.Fatalf("after the edit: %+v %v", m, err)
		}
		ds, err := st.TicketDeliveries(ctx, res.Ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		edits := 0
		for _, d := range ds {
			if d.Kind == bot.KindSlackEdit {
				edits++
				if p := payload[bot.SlackEditPayload](t, sent{ID: d.ID, Kind: d.Kind, Payload: d.Payload}); p.Text != "It stopped" {
					t.Errorf("edit relayed as %q", p.Text)
				}
			}
		}
		if edits != 1 {
			t.Errorf("%d slack.edit deliveries", edits)
		}
	})
}

// TestRelayBidiControls: a client whose display name, subject or file
// name holds bidirectional controls still opens the ticket (issue 22,
// defect 6): the controls are dropped from those names, which the
// product shows beside other text; the message's own text keeps them,
// since right-to-left writers use them and the text is shown on its own.
func TestRelayBidiControls(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		const text = "The part \u202Bשלום\u202C is \u2067written\u2069 right to left"
		res, err := r.relay.OpenTicket(ctx, bot.InboundOpen{
			Platform: core.PlatformDiscord, ClientPlatformUserID: "100000000000000001", Subject: "Invoice \u202Efdp.exe",
			First: &bot.InboundMessage{Platform: core.PlatformDiscord, SourceID: "D-1", ChannelID: "D-SUPPORT",
				AuthorPlatformID: "100000000000000001", AuthorName: "\u202Enimda", Text: text,
				Attachments: []core.Attachment{{Name: "invoice\u202Efdp.exe", URL: "https://cdn.example/a"}}},
		})
		if err != nil || res.Outcome != bot.Stored {
			t.Fatalf("open ticket: %v %v", res.Outcome, err)
		}
		m := res.Message
		if res.Ticket.Subject != "Invoice fdp.exe" || m.AuthorName != "nimda" || m.Body != text ||
			len(m.Attachments) != 1 || m.Attachments[0].Name != "invoicefdp.exe" {
			t.Fatalf("stored subject %q, author %q, body %q, files %+v", res.Ticket.Subject, m.AuthorName, m.Body, m.Attachments)
		}
		stored, err := st.MessageBySource(ctx, core.PlatformDiscord, "D-1")
		if err != nil || stored.Body != text || stored.AuthorName != "nimda" {
			t.Fatalf("read back: %+v %v", stored, err)
		}
	})
}
