package main

import (
	"slices"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// TestRelaySlackCatchUpAtStart: staff replies written while jayaya serve
// was stopped (Slack's events never reached it) reach the client once, in
// order, after the next start, on both engines.
func TestRelaySlackCatchUpAtStart(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{core.EnginePostgres, core.EngineSQLite} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRelayWorld(t, engine)
			ts := w.openByMessage(1, "My printer is on fire")
			w.staffSays(ts, w.staff.ID, "Before")
			w.settle()
			w.proc.stop(t)

			for _, text := range []string{"While away 1", "While away 2"} {
				if _, err := w.slack.State().PostAsUser(slacktest.UserPost{User: w.staff.ID, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: text}); err != nil {
					t.Fatal(err)
				}
			}
			w.proc = w.start(w.dbURL)
			want := []string{"Sam Staff: Before", "Sam Staff: While away 1", "Sam Staff: While away 2"}
			// Queued together, they may leave as one post, a line each.
			w.waitDiscord("the replies written while stopped", func() bool { return len(postLines(w.relayedToDiscord(ts))) >= len(want) })
			w.settle()
			if got := postLines(w.relayedToDiscord(ts)); !slices.Equal(got, want) {
				t.Fatalf("Discord thread has %q, want %q", got, want)
			}
		})
	}
}
