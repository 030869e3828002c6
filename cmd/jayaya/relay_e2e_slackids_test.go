package main

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// TestRelaySlackTSSharedAcrossChannels: a Slack ts is unique only within
// its channel. Two tickets in two Slack channels get staff replies that
// share one ts: each reaches its client once; Slack's redeliveries of
// either event (same event_id, a new one) post nothing more; an edit of
// one changes only its own Discord copy, and a deletion of the other
// removes only its own. A message stored by an earlier version under a
// bare ts, in a ticket without a Slack channel, gets the staff channel
// when serve starts. On both engines, through the whole binary.
func TestRelaySlackTSSharedAcrossChannels(t *testing.T) {
	for _, engine := range []string{core.EnginePostgres, core.EngineSQLite} {
		t.Run(engine, func(t *testing.T) {
			w := setupRelayWorld(t, engine)
			ctx := context.Background()
			fs := w.slack.State()
			sl := w.slack.HTTP()
			key := fs.AddChannel(slacktest.Channel{Name: "key-accounts", Members: []string{w.staff.ID}}).ID
			mustRun(t, w.env(w.dbURL), "", "route", "add", "--company", "Acme Corp", "--slack-channel", key)
			dora := w.discord.AddUser("dora")
			if err := w.discord.AddMember(w.guild, dora.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := w.st.CreateUser(ctx, core.NewUser{Login: "dora", Name: "Dora Client", Role: core.RoleClient, DiscordID: dora.ID}); err != nil {
				t.Fatal(err)
			}
			// Stored by an earlier version: a bare ts, in a ticket that
			// has no Slack channel; serve gives it the staff channel.
			old, err := w.st.OpenTicket(ctx, w.clientU, "Before routing", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.st.DB.NewInsert().Model(&core.Message{TicketID: old.ID, AuthorName: "Sam Staff", Body: "old reply",
				Attachments: []core.Attachment{}, SourcePlatform: core.PlatformSlack, SourceID: "1600000000.000001",
				CreatedAt: old.CreatedAt}).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			w.proc = w.start(w.dbURL)
			if m, err := w.st.MessageBySource(ctx, core.PlatformSlack, w.staffCh+":1600000000.000001"); err != nil || m.TicketID != old.ID {
				t.Fatalf("the bare ts was not given the staff channel at start: %v", err)
			}

			acme := w.openByMessage(2, "Acme's printer is on fire")
			if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: dora.ID, Content: "My scanner is stuck"}); err != nil {
				t.Fatal(err)
			}
			other := w.waitTicket(3)
			if *acme.SlackChannelID != key || *other.SlackChannelID != w.staffCh {
				t.Fatalf("tickets in %s and %s, want %s and %s", *acme.SlackChannelID, *other.SlackChannelID, key, w.staffCh)
			}

			// The clients' first messages reach the Slack threads first:
			// the shared ts goes to the staff replies, not to them.
			w.waitSlack(func(st *slacktest.State) bool {
				for _, ts := range []ticketSides{acme, other} {
					if th := st.Thread(*ts.SlackChannelID, ts.SlackTS); len(th) < 2 {
						return false
					}
				}
				return true
			})
			shared, err := fs.ShareNextTS(key, w.staffCh)
			if err != nil {
				t.Fatal(err)
			}
			reply := func(channel string, ts ticketSides, text string) (slacktest.Message, *slacktest.Delivery) {
				t.Helper()
				m, d, err := sl.PostAsUser(ctx, slacktest.UserPost{User: w.staff.ID, Channel: channel, ThreadTS: ts.SlackTS, Text: text})
				if err != nil || !d.OK() {
					t.Fatalf("staff reply %q: %v %+v", text, err, d)
				}
				return m, d
			}
			r1, d1 := reply(key, acme, "Unplug it")
			r2, d2 := reply(w.staffCh, other, "Open the lid")
			if r1.TS != shared || r2.TS != shared {
				t.Fatalf("replies at %s and %s, want both at %s", r1.TS, r2.TS, shared)
			}
			copies := func(ts ticketSides, line string) int {
				n := 0
				for _, m := range postLines(w.relayedToDiscord(ts)) {
					if m == "Sam Staff: "+line {
						n++
					}
				}
				return n
			}
			w.waitDiscord("both replies on Discord", func() bool {
				return copies(acme, "Unplug it") > 0 && copies(other, "Open the lid") > 0
			})

			// Redeliveries: Slack's retry of each event, and each
			// message under a new event_id.
			for _, ev := range []*slacktest.EventCallback{d1.Event, d2.Event, w.slack.Reissue(d1.Event), w.slack.Reissue(d2.Event)} {
				if d, err := sl.Event(ctx, ev, slacktest.Retry(1, "http_timeout")); err != nil || !d.OK() {
					t.Fatalf("redelivery: %v %+v", err, d)
				}
			}
			// A later reply in each ticket leaves after anything the
			// redeliveries could have queued in its Discord stream.
			reply(key, acme, "Barrier one")
			reply(w.staffCh, other, "Barrier two")
			w.waitDiscord("the later replies on Discord", func() bool {
				return copies(acme, "Barrier one") == 1 && copies(other, "Barrier two") == 1
			})
			if n1, n2 := copies(acme, "Unplug it"), copies(other, "Open the lid"); n1 != 1 || n2 != 1 {
				t.Fatalf("replies posted %d and %d times on Discord, want once each: %q, %q", n1, n2,
					w.relayedToDiscord(acme), w.relayedToDiscord(other))
			}
			if n := copies(acme, "Open the lid") + copies(other, "Unplug it"); n != 0 {
				t.Fatalf("%d replies reached the other ticket's client", n)
			}

			// An edit in the key-accounts channel follows its own message.
			if d, err := sl.EditAsUser(ctx, key, shared, "Unplug it now"); err != nil || !d.OK() {
				t.Fatalf("edit: %v %+v", err, d)
			}
			w.waitDiscord("the edit on the Acme ticket's copy", func() bool { return copies(acme, "Unplug it now") == 1 })
			// A deletion in the staff channel removes its own copy only.
			if d, err := sl.DeleteAsUser(ctx, w.staffCh, shared); err != nil || !d.OK() {
				t.Fatalf("delete: %v %+v", err, d)
			}
			w.waitDiscord("the deletion of the other ticket's copy", func() bool { return copies(other, "Open the lid") == 0 })
			reply(w.staffCh, other, "Barrier three")
			reply(key, acme, "Barrier four")
			w.waitDiscord("the last replies on Discord", func() bool {
				return copies(other, "Barrier three") == 1 && copies(acme, "Barrier four") == 1
			})
			if copies(acme, "Unplug it now") != 1 || copies(other, "Unplug it now") != 0 || copies(other, "Barrier two") != 1 {
				t.Fatalf("after the edit and the deletion: Acme %q, other %q", w.relayedToDiscord(acme), w.relayedToDiscord(other))
			}

			// The store agrees: one message each, the edit and the
			// deletion on the right one.
			stored := func(ts ticketSides, body string) *core.Message {
				t.Helper()
				ms, err := w.st.TicketMessages(ctx, ts.ID)
				if err != nil {
					t.Fatal(err)
				}
				var found *core.Message
				for _, m := range ms {
					if m.Body == body {
						if found != nil {
							t.Fatalf("ticket #%d stores %q twice", ts.Number, body)
						}
						found = m
					}
				}
				if found == nil {
					t.Fatalf("ticket #%d does not store %q", ts.Number, body)
				}
				return found
			}
			if m := stored(acme, "Unplug it now"); m.DeletedAt != nil || m.EditedAt == nil {
				t.Errorf("Acme's reply: edited %v, deleted %v; want edited, not deleted", m.EditedAt, m.DeletedAt)
			}
			if m := stored(other, "Open the lid"); m.DeletedAt == nil || m.EditedAt != nil {
				t.Errorf("other reply: edited %v, deleted %v; want deleted, not edited", m.EditedAt, m.DeletedAt)
			}
		})
	}
}
