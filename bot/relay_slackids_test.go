package bot_test

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestRelaySlackMessageIsChannelAndTS: two tickets in two Slack channels
// get staff replies of one same ts (a ts is unique only within its
// channel). Both are stored and relayed, once each; a redelivery of
// either is a Duplicate of its own message; an edit and a deletion
// follow the message of their channel only. An edit or deletion of a
// Slack message without its channel is refused and changes nothing.
func TestRelaySlackMessageIsChannelAndTS(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := routedRig(t, st)
		a := r.openFrom(t, supportBilling, "200000000000000001").Ticket
		b := r.openFrom(t, supportFirst, "200000000000000002").Ticket
		r.start(t)
		waitIdle(t, st)
		var err error
		if a, err = st.Ticket(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if b, err = st.Ticket(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if a.SlackThreadTS == nil || b.SlackThreadTS == nil || *a.SlackChannelID == *b.SlackChannelID {
			t.Fatalf("tickets in Slack channels %v and %v, want two threads in two channels", *a.SlackChannelID, *b.SlackChannelID)
		}
		const ts = "1700000100.000001"
		say := func(tk *core.Ticket, text string) bot.Result {
			t.Helper()
			res, err := r.relay.Inbound(ctx, bot.InboundMessage{Platform: core.PlatformSlack, SourceID: ts,
				ChannelID: *tk.SlackChannelID, ThreadID: *tk.SlackThreadTS, AuthorPlatformID: "U0STAFF1", Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		ra, rb := say(a, "for A"), say(b, "for B")
		if ra.Outcome != bot.Stored || rb.Outcome != bot.Stored || ra.Message.ID == rb.Message.ID {
			t.Fatalf("replies sharing a ts: %v and %v, want two stored messages", ra.Outcome, rb.Outcome)
		}
		for _, c := range []struct {
			tk   *core.Ticket
			want int64
		}{{a, ra.Message.ID}, {b, rb.Message.ID}} {
			if again := say(c.tk, "redelivered"); again.Outcome != bot.Duplicate || again.Message.ID != c.want {
				t.Fatalf("redelivery in ticket #%d: %v, message %d; want a Duplicate of %d", c.tk.Number, again.Outcome, again.Message.ID, c.want)
			}
		}
		waitIdle(t, st)
		posts := map[string]int64{}
		for _, s := range sentOf(r.discord, bot.KindDiscordPost, 0) {
			if p := payload[bot.DiscordPostPayload](t, s); !p.Copy {
				if _, dup := posts[p.Text]; dup {
					t.Errorf("%q posted twice on Discord", p.Text)
				}
				posts[p.Text] = p.TicketID
			}
		}
		if posts["for A"] != a.ID || posts["for B"] != b.ID || len(posts) != 2 {
			t.Fatalf("Discord posts (text → ticket) %v, want for A → %d and for B → %d", posts, a.ID, b.ID)
		}

		// Without its channel a Slack message is nobody's.
		if _, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, SourceID: ts, Text: "lost"}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("edit without channel: %v, want EINVALID", err)
		}
		if _, err := r.relay.Delete(ctx, core.PlatformSlack, "", ts); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("delete without channel: %v, want EINVALID", err)
		}
		for _, m := range []*core.Message{ra.Message, rb.Message} {
			got, err := st.MessageByID(ctx, m.ID)
			if err != nil || got.Body != m.Body || got.EditedAt != nil || got.DeletedAt != nil {
				t.Fatalf("a refused edit or deletion changed message %d: %+v %v", m.ID, got, err)
			}
		}

		edited, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: *a.SlackChannelID, SourceID: ts, Text: "for A, edited"})
		if err != nil || edited.Outcome != bot.Stored || edited.Message.ID != ra.Message.ID {
			t.Fatalf("edit in A's channel: %v %v, message %v; want A's reply edited", edited.Outcome, err, edited.Message)
		}
		deleted, err := r.relay.Delete(ctx, core.PlatformSlack, *b.SlackChannelID, ts)
		if err != nil || deleted.Outcome != bot.Stored || deleted.Message.ID != rb.Message.ID {
			t.Fatalf("delete in B's channel: %v %v, message %v; want B's reply deleted", deleted.Outcome, err, deleted.Message)
		}
		waitIdle(t, st)
		ea := sentOf(r.discord, bot.KindDiscordEdit, 0)
		if len(ea) != 1 || payload[bot.DiscordEditPayload](t, ea[0]).MessageID != ra.Message.ID {
			t.Fatalf("Discord edits %+v, want one, of A's reply", ea)
		}
		db := sentOf(r.discord, bot.KindDiscordDelete, 0)
		var deletes []int64
		for _, s := range db {
			if p := payload[bot.DiscordDeletePayload](t, s); p.MessageID != 0 {
				deletes = append(deletes, p.MessageID)
			}
		}
		if len(deletes) != 1 || deletes[0] != rb.Message.ID {
			t.Fatalf("Discord deletions of relayed messages %v, want only B's reply %d", deletes, rb.Message.ID)
		}
		gotA, _ := st.MessageByID(ctx, ra.Message.ID)
		gotB, _ := st.MessageByID(ctx, rb.Message.ID)
		if gotA.Body != "for A, edited" || gotA.DeletedAt != nil || gotB.Body != "for B" || gotB.DeletedAt == nil || gotB.EditedAt != nil {
			t.Fatalf("stored: A %q deleted %v; B %q deleted %v edited %v", gotA.Body, gotA.DeletedAt, gotB.Body, gotB.DeletedAt, gotB.EditedAt)
		}
	})
}
