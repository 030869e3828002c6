package slack

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// openTicketIn opens another ticket whose Slack thread (its card posted)
// is in channel, and returns it with the card's ts.
func (e *relayEnv) openTicketIn(channel, login, discordID string) (*core.Ticket, string) {
	e.t.Helper()
	return e.openTicketWith(channel, login, discordID, "Ticket of "+login)
}

// bodies returns the bodies of a ticket's stored messages, by ID.
func (e *relayEnv) bodies(ticketID int64) []string {
	e.t.Helper()
	ms, err := e.st.TicketMessages(context.Background(), ticketID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Body)
	}
	return out
}

// TestSharedTSInTwoChannels: through slack-go against the fake Slack,
// staff replies of two tickets in two channels that share a ts are two
// messages, live (events over HTTP) and read back by the catch-up; an
// edit and a deletion in one channel touch that channel's message only,
// and each thread is read back after the newest ts of its own channel.
func TestSharedTSInTwoChannels(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Now())
		st.Now = clock.Now
		e := newRelayEnv(t, st)
		fs := e.fake.State()
		sl := e.fake.HTTP()
		billing := fs.AddChannel(slacktest.Channel{Name: "billing", Members: []string{e.staff.ID}}).ID
		other, otherCard := e.openTicketIn(billing, "dora", "333333333333333333")
		postIn := func(channel, thread, text string) slacktest.Message {
			t.Helper()
			m, d, err := sl.PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: channel, ThreadTS: thread, Text: text})
			if err != nil || !d.OK() {
				t.Fatalf("reply %q: %v %+v", text, err, d)
			}
			return m
		}

		shared, err := fs.ShareNextTS(e.staffCh, billing)
		if err != nil {
			t.Fatal(err)
		}
		a := postIn(e.staffCh, e.cardTS, "live A")
		b := postIn(billing, otherCard, "live B")
		if a.TS != shared || b.TS != shared {
			t.Fatalf("replies at %s and %s, want both at %s", a.TS, b.TS, shared)
		}
		if got := e.bodies(e.ticket.ID); !slices.Equal(got, []string{"live A"}) {
			t.Fatalf("ticket A stores %q", got)
		}
		if got := e.bodies(other.ID); !slices.Equal(got, []string{"live B"}) {
			t.Fatalf("ticket B stores %q, want its reply of the same ts as A's", got)
		}
		if d, err := sl.EditAsUser(ctx, billing, shared, "live B, edited"); err != nil || !d.OK() {
			t.Fatalf("edit: %v %+v", err, d)
		}
		if got := e.bodies(other.ID); !slices.Equal(got, []string{"live B, edited"}) {
			t.Fatalf("ticket B after the edit: %q", got)
		}
		if d, err := sl.DeleteAsUser(ctx, e.staffCh, shared); err != nil || !d.OK() {
			t.Fatalf("delete: %v %+v", err, d)
		}
		mA, err := st.MessageBySource(ctx, core.PlatformSlack, e.key(shared))
		if err != nil {
			t.Fatal(err)
		}
		mB, err := st.MessageBySource(ctx, core.PlatformSlack, core.SourceKey(core.PlatformSlack, billing, shared))
		if err != nil {
			t.Fatal(err)
		}
		if mA.Body != "live A" || mA.EditedAt != nil || mA.DeletedAt == nil || mB.EditedAt == nil || mB.DeletedAt != nil {
			t.Fatalf("A %q edited %v deleted %v; B %q edited %v deleted %v; want A deleted only, B edited only",
				mA.Body, mA.EditedAt, mA.DeletedAt, mB.Body, mB.EditedAt, mB.DeletedAt)
		}

		b2 := postIn(billing, otherCard, "live B2")

		// While away: A's thread gets a reply first, then both share a ts.
		clock.Advance(time.Hour)
		away := func(channel, thread, text string) slacktest.Message {
			t.Helper()
			m, err := fs.PostAsUser(slacktest.UserPost{User: e.staff.ID, Channel: channel, ThreadTS: thread, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		away(e.staffCh, e.cardTS, "away A first")
		shared2, err := fs.ShareNextTS(e.staffCh, billing)
		if err != nil {
			t.Fatal(err)
		}
		if a3, b3 := away(e.staffCh, e.cardTS, "away A"), away(billing, otherCard, "away B"); a3.TS != shared2 || b3.TS != shared2 {
			t.Fatalf("away replies at %s and %s, want %s", a3.TS, b3.TS, shared2)
		}
		for range 2 { // the second catch-up finds everything stored
			e.catchUp()
			if got, want := e.bodies(e.ticket.ID), []string{"live A", "away A first", "away A"}; !slices.Equal(got, want) {
				t.Fatalf("ticket A stores %q, want %q", got, want)
			}
			if got, want := e.bodies(other.ID), []string{"live B, edited", "live B2", "away B"}; !slices.Equal(got, want) {
				t.Fatalf("ticket B stores %q, want %q", got, want)
			}
		}
		if got, want := e.relayed(other.ID), []string{"live B", "live B2", "away B"}; !slices.Equal(got, want) {
			t.Fatalf("ticket B's discord.post deliveries %q, want %q", got, want)
		}
		oldest := map[string]string{}
		for _, c := range catchUpCalls(fs)[:2] {
			oldest[c.Params.Get("channel")] = c.Params.Get("oldest")
		}
		if oldest[e.staffCh] != shared || oldest[billing] != b2.TS {
			t.Fatalf("first catch-up read from %v, want A after %s and B after %s, each its own newest", oldest, shared, b2.TS)
		}
	})
}
