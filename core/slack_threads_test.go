package core_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestOpenSlackThreads: only open tickets with a Slack thread are listed,
// each with the numerically greatest Slack ts stored for it (not the
// greatest string: "1700000000.000010" > "1700000000.000009" >
// "999999999.999999"); Discord messages do not count; "" when none; with
// storedBefore, messages stored from then on do not count.
func TestOpenSlackThreads(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		open := func(subject, channel, ts string) *core.Ticket {
			t.Helper()
			tk, err := st.OpenTicket(ctx, carl, subject, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetTicketThreads(ctx, nil, tk.ID, "", channel, ts); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		record := func(tk *core.Ticket, platform, id string) {
			t.Helper()
			if platform == core.PlatformSlack {
				id = core.SourceKey(platform, "C0STAFF", id)
			}
			if _, err := st.RecordMessage(ctx, &core.Message{TicketID: tk.ID, AuthorName: "x", Body: "b",
				SourcePlatform: platform, SourceID: id}); err != nil {
				t.Fatal(err)
			}
		}
		withReplies := open("With replies", "C0STAFF", "999999999.000001")
		record(withReplies, core.PlatformSlack, "999999999.999999")
		record(withReplies, core.PlatformSlack, "1700000000.000010")
		record(withReplies, core.PlatformSlack, "1700000000.000009")
		record(withReplies, core.PlatformDiscord, "99999999999999999999")
		empty := open("No Slack message yet", "C0STAFF", "1700000001.000001")
		record(empty, core.PlatformDiscord, "123456789012345678")
		open("No Slack thread", "", "")
		closed := open("Closed", "C0STAFF", "1700000002.000001")
		record(closed, core.PlatformSlack, "1700000002.000002")
		if _, err := st.SetTicketStatus(ctx, nil, closed.ID, core.TicketClosed); err != nil {
			t.Fatal(err)
		}

		// Stored later (live, after the product came back): counted only
		// when asked about everything stored.
		restart := clock.Now().Add(time.Minute)
		clock.Advance(time.Hour)
		record(withReplies, core.PlatformSlack, "1700000000.000011")
		record(empty, core.PlatformSlack, "1700000001.000002")

		for _, tc := range []struct {
			name   string
			before time.Time
			last   [2]string
		}{
			{"ever", time.Time{}, [2]string{"1700000000.000011", "1700000001.000002"}},
			{"before the restart", restart, [2]string{"1700000000.000010", ""}},
		} {
			got, err := st.OpenSlackThreads(ctx, tc.before)
			if err != nil {
				t.Fatal(err)
			}
			want := []core.SlackTicketThread{
				{TicketID: withReplies.ID, ChannelID: "C0STAFF", ThreadTS: "999999999.000001", LastSeenTS: tc.last[0]},
				{TicketID: empty.ID, ChannelID: "C0STAFF", ThreadTS: "1700000001.000001", LastSeenTS: tc.last[1]},
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: OpenSlackThreads = %+v\nwant %+v", tc.name, got, want)
			}
		}
	})
}
