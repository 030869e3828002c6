package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// runFor runs the rig's worker until the returned stop is called.
func (r *relayRig) runFor(t *testing.T) (stop func()) { return runWorker(t, r.worker) }

// sentOf returns the sends of kind after the first skip of them.
func sentOf(s *recSender, kind string, skip int) []sent {
	var out []sent
	for _, x := range s.Sent() {
		if x.Kind == kind {
			out = append(out, x)
		}
	}
	if skip > len(out) {
		return nil
	}
	return out[skip:]
}

// Staff replies queued while the relay could not send leave as one
// Discord post, one per line; each message records that post as its
// copy, gets its ✅ (only the newest is sent: "delivered up to here"), and
// an edit or deletion of one of them rewrites the shared post; deleting
// the last one deletes it.
func TestQueuedPostsOfOneAuthorLeaveAsOne(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		// As on Discord, an edit keeps the IDs of the posts it edits.
		r.discord.Remote = func(d *core.Delivery) string {
			if d.Kind != bot.KindDiscordEdit || d.MessageID == nil {
				return ""
			}
			m, err := st.MessageByID(ctx, *d.MessageID)
			if err != nil || m.TargetID == nil {
				return ""
			}
			return *m.TargetID
		}
		open := r.open(t, "D-1", "hello")
		stop := r.runFor(t)
		waitIdle(t, st)
		stop()
		posts := len(sentOf(r.discord, bot.KindDiscordPost, 0))
		reacts := len(sentOf(r.slack, bot.KindSlackReact, 0))
		var tss []string
		for i := 1; i <= 5; i++ {
			ts := fmt.Sprintf("2000.000%d", i)
			tss = append(tss, ts)
			r.staffSays(t, open.Ticket, ts, fmt.Sprintf("line %d", i))
		}
		r.start(t)
		waitIdle(t, st)

		got := sentOf(r.discord, bot.KindDiscordPost, posts)
		if len(got) != 1 {
			t.Fatalf("%d Discord posts for 5 queued replies, want 1", len(got))
		}
		p := payload[bot.DiscordPostPayload](t, got[0])
		if want := "line 1\nline 2\nline 3\nline 4\nline 5"; p.Text != want || len(p.Merged) != 4 {
			t.Fatalf("combined post %q (%d merged), want %q", p.Text, len(p.Merged), want)
		}
		for _, ts := range tss {
			m, err := st.MessageBySource(ctx, core.PlatformSlack, "CSTAFF:"+ts)
			if err != nil || m.TargetID == nil || *m.TargetID != got[0].RemoteID {
				t.Fatalf("message %s: target %v (%v), want %s", ts, m.TargetID, err, got[0].RemoteID)
			}
		}
		rs := sentOf(r.slack, bot.KindSlackReact, reacts)
		if len(rs) != 1 || payload[bot.SlackReactPayload](t, rs[0]).TS != tss[4] {
			t.Fatalf("✅ sent %d times (%+v), want once on the newest reply", len(rs), rs)
		}

		edits := len(sentOf(r.discord, bot.KindDiscordEdit, 0))
		step := func(what string, do func() (bot.Result, error), kind, text string) {
			t.Helper()
			if res, err := do(); err != nil || res.Outcome != bot.Stored {
				t.Fatalf("%s: %v %v", what, res.Outcome, err)
			}
			waitIdle(t, st)
			last := r.discord.Sent()[len(r.discord.Sent())-1]
			if last.Kind != kind {
				t.Fatalf("%s: last Discord send %s, want %s", what, last.Kind, kind)
			}
			if kind == bot.KindDiscordEdit {
				if e := payload[bot.DiscordEditPayload](t, last); e.Text != text {
					t.Fatalf("%s: post edited to %q, want %q", what, e.Text, text)
				}
			}
		}
		edit := func(ts, text string) func() (bot.Result, error) {
			return func() (bot.Result, error) {
				return r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: ts, Text: text})
			}
		}
		del := func(ts string) func() (bot.Result, error) {
			return func() (bot.Result, error) { return r.relay.Delete(ctx, core.PlatformSlack, "CSTAFF", ts) }
		}
		step("edit line 3", edit(tss[2], "line three"), bot.KindDiscordEdit, "line 1\nline 2\nline three\nline 4\nline 5")
		step("delete line 1", del(tss[0]), bot.KindDiscordEdit, "line 2\nline three\nline 4\nline 5")
		step("delete line 5", del(tss[4]), bot.KindDiscordEdit, "line 2\nline three\nline 4")
		step("delete line 2", del(tss[1]), bot.KindDiscordEdit, "line three\nline 4")
		step("delete line 3", del(tss[2]), bot.KindDiscordEdit, "line 4")
		step("delete line 4", del(tss[3]), bot.KindDiscordDelete, "")
		if n := len(sentOf(r.discord, bot.KindDiscordEdit, edits)); n != 5 {
			t.Fatalf("%d edits of the shared post, want 5", n)
		}
	})
}

// Client messages queued while Slack could not be reached leave as one
// Slack post, and their receipts on Discord as one ✅ on the newest.
func TestQueuedClientMessagesLeaveAsOneSlackPost(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		stop := r.runFor(t)
		waitIdle(t, st)
		stop()
		tk, err := st.Ticket(ctx, open.Ticket.ID)
		if err != nil || tk.DiscordThreadID == nil {
			t.Fatalf("ticket thread: %v", err)
		}
		posts := len(sentOf(r.slack, bot.KindSlackPost, 0))
		reacts := len(sentOf(r.discord, bot.KindDiscordReact, 0))
		for i := 1; i <= 3; i++ {
			res, err := r.relay.Inbound(ctx, bot.InboundMessage{
				Platform: core.PlatformDiscord, SourceID: fmt.Sprintf("90000000000000000%d", i), ChannelID: *tk.DiscordThreadID, ThreadID: *tk.DiscordThreadID,
				AuthorPlatformID: "100000000000000001", AuthorName: "Client C", Text: fmt.Sprintf("question %d", i),
			})
			if err != nil || res.Outcome != bot.Stored {
				t.Fatalf("client message %d: %v %v", i, res.Outcome, err)
			}
		}
		r.start(t)
		waitIdle(t, st)
		got := sentOf(r.slack, bot.KindSlackPost, posts)
		if len(got) != 1 || payload[bot.SlackPostPayload](t, got[0]).Text != "question 1\nquestion 2\nquestion 3" {
			t.Fatalf("Slack posts %+v, want one with the three questions", got)
		}
		rs := sentOf(r.discord, bot.KindDiscordReact, reacts)
		if len(rs) != 1 || payload[bot.DiscordReactPayload](t, rs[0]).DiscordMessageID != "900000000000000003" {
			t.Fatalf("✅ on Discord %+v, want one on the newest question", rs)
		}
	})
}

// When the budget of a post runs low, the post waits a moment for more of
// its author's messages, which then leave with it.
func TestPostLingersWhenItsBudgetRunsLow(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		posts := len(sentOf(r.discord, bot.KindDiscordPost, 0))
		// Long enough for the two replies after the first to be queued
		// while it waits, however slow the machine.
		r.relay.Linger = 3 * time.Second
		var low atomic.Int32
		r.relay.BudgetBusy = func(d *core.Delivery) (bool, time.Duration) {
			low.Add(1)
			return d.Platform == core.PlatformDiscord, 0
		}
		for i := 1; i <= 3; i++ {
			r.staffSays(t, open.Ticket, fmt.Sprintf("2000.000%d", i), fmt.Sprintf("line %d", i))
		}
		waitIdle(t, st)
		got := sentOf(r.discord, bot.KindDiscordPost, posts)
		if len(got) != 1 || payload[bot.DiscordPostPayload](t, got[0]).Text != "line 1\nline 2\nline 3" {
			t.Fatalf("%d posts (%+v), want one with the three lines", len(got), got)
		}
		if low.Load() == 0 {
			t.Fatal("the budget was never asked about")
		}
	})
}

// threeQueuedLines opens a ticket, queues three staff replies in it while
// the worker is stopped, then lets the worker send them with busy as the
// relay's BudgetBusy and a Linger that would outlast the test. It returns
// the rig and how many Discord posts were sent before the replies.
func threeQueuedLines(t *testing.T, st *core.Store, busy func(*core.Delivery) (bool, time.Duration)) (*relayRig, int) {
	t.Helper()
	r := newRelayRig(t, st)
	open := r.open(t, "D-1", "hello")
	stop := r.runFor(t)
	waitIdle(t, st)
	stop()
	posts := len(sentOf(r.discord, bot.KindDiscordPost, 0))
	r.relay.Linger = time.Hour
	r.relay.BudgetBusy = busy
	for i := 1; i <= 3; i++ {
		r.staffSays(t, open.Ticket, fmt.Sprintf("2000.000%d", i), fmt.Sprintf("line %d", i))
	}
	r.start(t)
	waitIdle(t, st)
	return r, posts
}

// A post whose budget has room leaves at once, on its own, even with
// messages of its author queued behind it: they follow one by one.
func TestPostWithRoomLeavesAtOnce(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		var asked atomic.Int32
		r, posts := threeQueuedLines(t, st, func(*core.Delivery) (bool, time.Duration) { asked.Add(1); return false, 0 })
		var got []string
		for _, s := range sentOf(r.discord, bot.KindDiscordPost, posts) {
			got = append(got, payload[bot.DiscordPostPayload](t, s).Text)
		}
		if !slices.Equal(got, []string{"line 1", "line 2", "line 3"}) {
			t.Fatalf("posts %q, want the three lines one by one", got)
		}
		if asked.Load() != 3 {
			t.Fatalf("the budget was asked %d times, want once per post", asked.Load())
		}
	})
}

// A busy budget that would hold a post for a moment anyway makes it wait
// that moment for followers, not the whole Linger.
func TestPostLingersOnlyAsLongAsItsBudgetHoldsIt(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r, posts := threeQueuedLines(t, st, func(*core.Delivery) (bool, time.Duration) { return true, 20 * time.Millisecond })
		got := sentOf(r.discord, bot.KindDiscordPost, posts)
		if len(got) != 1 || payload[bot.DiscordPostPayload](t, got[0]).Text != "line 1\nline 2\nline 3" {
			t.Fatalf("%d posts (%+v), want one with the three lines", len(got), got)
		}
	})
}

// A combined post stays within half the platform's limit (room for an
// edit): longer runs leave as several posts, in order, nothing cut.
func TestCombinedPostsStayWithinHalfTheLimit(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		stop := r.runFor(t)
		waitIdle(t, st)
		stop()
		posts := len(sentOf(r.discord, bot.KindDiscordPost, 0))
		var want []string
		for i := 1; i <= 4; i++ {
			text := fmt.Sprintf("%d%s", i, strings.Repeat("x", 399))
			want = append(want, text)
			r.staffSays(t, open.Ticket, fmt.Sprintf("2000.000%d", i), text)
		}
		r.start(t)
		waitIdle(t, st)
		var got []string
		for _, s := range sentOf(r.discord, bot.KindDiscordPost, posts) {
			text := payload[bot.DiscordPostPayload](t, s).Text
			if n := utf8.RuneCountInString(text); n > bot.DiscordTextLimit/2 {
				t.Fatalf("a combined post of %d characters", n)
			}
			got = append(got, strings.Split(text, "\n")...)
		}
		if len(sentOf(r.discord, bot.KindDiscordPost, posts)) != 2 || !slices.Equal(got, want) {
			t.Fatalf("%d posts carrying %d messages, want 2 posts carrying the 4 in order", len(sentOf(r.discord, bot.KindDiscordPost, posts)), len(got))
		}
	})
}
