package main

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// TestRelaySlackRedeliveriesPostOnce: a staff reply whose event Slack
// delivers twice under one event_id and twice under another (as it has
// been seen to) reaches the client as one Discord webhook post, on both
// engines.
func TestRelaySlackRedeliveriesPostOnce(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{core.EnginePostgres, core.EngineSQLite} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRelayWorld(t, engine)
			ctx := context.Background()
			sl := w.slack.HTTP()
			ts := w.openByMessage(1, "My printer is on fire")

			reply, d, err := sl.PostAsUser(ctx, slacktest.UserPost{User: w.staff.ID, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: "Sent once"})
			if err != nil || !d.OK() {
				t.Fatalf("post: %v %+v", err, d)
			}
			again := w.slack.Reissue(d.Event)
			for i, ev := range []*slacktest.EventCallback{d.Event, again, again} {
				if d2, err := sl.Event(ctx, ev, slacktest.Retry(i+1, "http_timeout")); err != nil || !d2.OK() {
					t.Fatalf("redelivery %d: %v %+v", i+1, err, d2)
				}
			}

			// A later reply goes down the ticket's Discord stream after
			// anything the redeliveries could have queued: once it is
			// posted, a second copy would be too (or share its post, a
			// line each).
			barrier := w.staffSays(ts, w.staff.ID, "Barrier")
			w.waitDiscord("the later reply on Discord", func() bool {
				for _, m := range postLines(w.relayedToDiscord(ts)) {
					if m == "Sam Staff: Barrier" {
						return true
					}
				}
				return false
			})
			posts := 0
			for _, m := range postLines(w.relayedToDiscord(ts)) {
				if m == "Sam Staff: Sent once" {
					posts++
				}
			}
			if posts != 1 {
				t.Fatalf("the reply was posted %d times on Discord, want 1: %q", posts, w.relayedToDiscord(ts))
			}

			m, err := w.st.MessageBySource(ctx, core.PlatformSlack, core.SourceKey(core.PlatformSlack, w.staffCh, reply.TS))
			if err != nil {
				t.Fatal(err)
			}
			ds, err := w.st.TicketDeliveries(ctx, ts.ID)
			if err != nil {
				t.Fatal(err)
			}
			queued := 0
			for _, x := range ds {
				if x.Kind == bot.KindDiscordPost && x.MessageID != nil && *x.MessageID == m.ID {
					queued++
				}
			}
			if queued != 1 {
				t.Fatalf("%d Discord posts queued for the reply, want 1", queued)
			}
			// ✅ on the reply, or on the barrier: delivered up to there
			// (of two ✅ queued together only the newest is sent).
			w.waitSlack(func(st *slacktest.State) bool {
				m, _ := st.Message(w.staffCh, reply.TS)
				b, _ := st.Message(w.staffCh, barrier.TS)
				return hasReaction(m, "white_check_mark") || hasReaction(b, "white_check_mark")
			})
		})
	}
}
