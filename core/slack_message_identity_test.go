package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestSourceKey(t *testing.T) {
	tests := []struct {
		name, platform, channel, id, want string
	}{
		{"slack", core.PlatformSlack, "C123", "1712345678.000100", "C123:1712345678.000100"},
		{"slack without channel", core.PlatformSlack, "", "1712345678.000100", ""},
		{"slack without ts", core.PlatformSlack, "C123", "", ""},
		{"slack ts with a colon", core.PlatformSlack, "C123", "C9:1.0", ""},
		{"discord ignores the channel", core.PlatformDiscord, "222", "333", "333"},
	}
	for _, tt := range tests {
		if got := core.SourceKey(tt.platform, tt.channel, tt.id); got != tt.want {
			t.Errorf("%s: SourceKey = %q, want %q", tt.name, got, tt.want)
		}
	}
	if ch, ts, ok := core.SplitSlackSourceID("C123:1712345678.000100"); !ok || ch != "C123" || ts != "1712345678.000100" {
		t.Errorf("SplitSlackSourceID = %q %q %v", ch, ts, ok)
	}
	for _, bad := range []string{"1712345678.000100", ":1.0", "C1:", ""} {
		if _, _, ok := core.SplitSlackSourceID(bad); ok {
			t.Errorf("SplitSlackSourceID(%q) accepted", bad)
		}
	}
}

// slackTicket opens a ticket whose Slack thread is in channel.
func slackTicket(t *testing.T, st *core.Store, client *core.User, channel, discordThread string) *core.Ticket {
	t.Helper()
	ctx := context.Background()
	tk, err := st.OpenTicket(ctx, client, "Help in "+channel, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetTicketThreads(ctx, nil, tk.ID, discordThread, channel, "1700000000.000001"); err != nil {
		t.Fatal(err)
	}
	if tk, err = st.Ticket(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestSlackMessagesKeyedByChannelAndTS: two Slack messages of two
// channels that share a ts are two messages; each is found by its own
// key and its redelivery is a duplicate; a Slack source without its
// channel is refused and writes nothing; each ticket's catch-up starts
// after the newest ts of its own channel.
func TestSlackMessagesKeyedByChannelAndTS(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		sam := coretest.MustUser(t, st, "sam", core.RoleStaff)
		a := slackTicket(t, st, carl, "CAAA", "100000000000000001")
		b := slackTicket(t, st, carl, "CBBBBBB", "100000000000000002")
		const ts = "1700000005.000100"
		rec := func(tk *core.Ticket, sourceID, body string) (*core.Message, bool, error) {
			m := &core.Message{TicketID: tk.ID, AuthorID: &sam.ID, AuthorName: "Sam", Body: body,
				SourcePlatform: core.PlatformSlack, SourceID: sourceID}
			dup, err := st.RecordMessage(ctx, m, &core.Delivery{Stream: "s", Kind: "discord.post", Platform: core.PlatformDiscord})
			return m, dup, err
		}
		ma, dup, err := rec(a, core.SourceKey(core.PlatformSlack, "CAAA", ts), "in A")
		if err != nil || dup {
			t.Fatalf("A: dup %v, %v", dup, err)
		}
		mb, dup, err := rec(b, core.SourceKey(core.PlatformSlack, "CBBBBBB", ts), "in B")
		if err != nil || dup {
			t.Fatalf("B, same ts in another channel: dup %v, %v", dup, err)
		}
		if _, dup, err := rec(b, core.SourceKey(core.PlatformSlack, "CBBBBBB", ts), "in B again"); err != nil || !dup {
			t.Fatalf("B redelivered: dup %v, %v", dup, err)
		}
		for _, c := range []struct {
			key  string
			want int64
		}{{"CAAA:" + ts, ma.ID}, {"CBBBBBB:" + ts, mb.ID}} {
			if got, err := st.MessageBySource(ctx, core.PlatformSlack, c.key); err != nil || got.ID != c.want {
				t.Errorf("MessageBySource(%s) = %v, %v; want message %d", c.key, got, err, c.want)
			}
		}
		if _, err := st.MessageBySource(ctx, core.PlatformSlack, ts); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a bare ts found a message: %v", err)
		}

		stats, _ := st.OutboxStats(ctx)
		if _, _, err := rec(a, ts, "bare"); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("bare Slack ts: %v, want EINVALID", err)
		}
		after, _ := st.OutboxStats(ctx)
		if ms, _ := st.TicketMessages(ctx, a.ID); len(ms) != 1 || after.Pending != stats.Pending {
			t.Errorf("a refused message changed the store: %d messages in A, %d pending deliveries (was %d)", len(ms), after.Pending, stats.Pending)
		}

		// A later message in A only: B's catch-up still starts at ts.
		if _, _, err := rec(a, core.SourceKey(core.PlatformSlack, "CAAA", "1700000009.000000"), "later in A"); err != nil {
			t.Fatal(err)
		}
		threads, err := st.OpenSlackThreads(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		last := map[int64]string{}
		for _, th := range threads {
			last[th.TicketID] = th.LastSeenTS
		}
		if last[a.ID] != "1700000009.000000" || last[b.ID] != ts {
			t.Errorf("newest ts per ticket: A %q, B %q; want 1700000009.000000 and %s", last[a.ID], last[b.ID], ts)
		}
	})
}

// migrateDownThrough undoes migrations until name is undone.
func migrateDownThrough(t *testing.T, st *core.Store, name string) {
	t.Helper()
	for {
		undone, err := st.MigrateDown(context.Background())
		if err != nil {
			t.Fatalf("down: %v", err)
		}
		if undone == "" {
			t.Fatalf("%s never undone", name)
		}
		if undone == name {
			return
		}
	}
}

// sourceIDs returns the source IDs of a ticket's messages, in order.
func sourceIDs(t *testing.T, st *core.Store, ticketID int64) []string {
	t.Helper()
	var ids []string
	if err := st.DB.NewSelect().Model((*core.Message)(nil)).Column("source_id").Where("ticket_id = ?", ticketID).
		OrderExpr("id").Scan(context.Background(), &ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestSlackMessageIdentityMigration: migration 090 gives the bare ts of
// older Slack messages their ticket's channel (Discord IDs untouched),
// and going down takes it off again; a message whose ticket has no Slack
// channel stays bare until AdoptBareSlackSourceIDs gives it the default
// channel, once. A bad channel is refused and changes nothing.
func TestSlackMessageIdentityMigration(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		sam := coretest.MustUser(t, st, "sam", core.RoleStaff)
		a := slackTicket(t, st, carl, "CAAA", "100000000000000001")
		lone, err := st.OpenTicket(ctx, carl, "No Slack thread", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []*core.Message{
			{TicketID: a.ID, AuthorID: &sam.ID, AuthorName: "Sam", Body: "staff", SourcePlatform: core.PlatformSlack, SourceID: "CAAA:1700000001.000001"},
			{TicketID: a.ID, AuthorID: &carl.ID, AuthorName: "Carl", Body: "client", SourcePlatform: core.PlatformDiscord, SourceID: "200000000000000001"},
		} {
			if _, err := st.RecordMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}

		migrateDownThrough(t, st, "090_slack_message_identity")
		if got := sourceIDs(t, st, a.ID); len(got) != 2 || got[0] != "1700000001.000001" || got[1] != "200000000000000001" {
			t.Fatalf("after going down: %q, want the bare ts and the Discord ID", got)
		}
		// Stored by an older version: a bare ts in a ticket without a
		// Slack channel.
		if _, err := st.DB.NewInsert().Model(&core.Message{TicketID: lone.ID, AuthorName: "Sam", Body: "old",
			Attachments: []core.Attachment{}, SourcePlatform: core.PlatformSlack, SourceID: "1700000000.000009",
			CreatedAt: a.CreatedAt}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sourceIDs(t, st, a.ID); len(got) != 2 || got[0] != "CAAA:1700000001.000001" || got[1] != "200000000000000001" {
			t.Fatalf("after going up: %q, want the ticket's channel on the Slack ts only", got)
		}
		if got := sourceIDs(t, st, lone.ID); len(got) != 1 || got[0] != "1700000000.000009" {
			t.Fatalf("ticket without channel after going up: %q, want the bare ts", got)
		}

		for _, bad := range []string{"", "general", "CAAA:1"} {
			if _, err := st.AdoptBareSlackSourceIDs(ctx, bad); core.ErrorCode(err) != core.EINVALID {
				t.Errorf("AdoptBareSlackSourceIDs(%q): %v, want EINVALID", bad, err)
			}
		}
		if got := sourceIDs(t, st, lone.ID); got[0] != "1700000000.000009" {
			t.Fatalf("a refused adoption changed %q", got)
		}
		if n, err := st.AdoptBareSlackSourceIDs(ctx, "CDEFAULT"); err != nil || n != 1 {
			t.Fatalf("adopt: %d, %v; want 1 row", n, err)
		}
		if got := sourceIDs(t, st, lone.ID); got[0] != "CDEFAULT:1700000000.000009" {
			t.Fatalf("adopted: %q", got)
		}
		if got := sourceIDs(t, st, a.ID); got[0] != "CAAA:1700000001.000001" || got[1] != "200000000000000001" {
			t.Fatalf("adoption touched keyed rows: %q", got)
		}
		if n, err := st.AdoptBareSlackSourceIDs(ctx, "CDEFAULT"); err != nil || n != 0 {
			t.Fatalf("adopt again: %d, %v; want nothing", n, err)
		}
		if m, err := st.MessageBySource(ctx, core.PlatformSlack, "CDEFAULT:1700000000.000009"); err != nil || m.TicketID != lone.ID {
			t.Fatalf("adopted message not found by its key: %v", err)
		}
	})
}

// TestSlackMessageIdentityDownRefusesCollisions: two messages of two
// channels that share a ts cannot both go back to a bare ts: going down
// fails and changes nothing.
func TestSlackMessageIdentityDownRefusesCollisions(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		a := slackTicket(t, st, carl, "CAAA", "100000000000000001")
		b := slackTicket(t, st, carl, "CBBB", "100000000000000002")
		for _, tk := range []*core.Ticket{a, b} {
			m := &core.Message{TicketID: tk.ID, AuthorName: "Sam", Body: "same ts", SourcePlatform: core.PlatformSlack,
				SourceID: core.SourceKey(core.PlatformSlack, *tk.SlackChannelID, "1700000001.000001")}
			if _, err := st.RecordMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		for {
			undone, err := st.MigrateDown(ctx)
			if undone == "090_slack_message_identity" {
				t.Fatal("migration 090 went down with two channels sharing a ts")
			}
			if err != nil {
				break
			}
			if undone == "" {
				t.Fatal("never reached migration 090")
			}
		}
		if got := sourceIDs(t, st, a.ID); len(got) != 1 || got[0] != "CAAA:1700000001.000001" {
			t.Errorf("A after the refused down: %q", got)
		}
		if got := sourceIDs(t, st, b.ID); len(got) != 1 || got[0] != "CBBB:1700000001.000001" {
			t.Errorf("B after the refused down: %q", got)
		}
		list, err := st.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		applied := false
		for _, m := range list {
			if m.Name+"_"+m.Comment == "090_slack_message_identity" {
				applied = m.Applied
			}
		}
		if !applied {
			t.Error("migration 090 is not applied after its down failed")
		}
	})
}
