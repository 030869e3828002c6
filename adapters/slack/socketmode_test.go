package slack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestSocketMode: over Socket Mode, events, slash commands and button
// presses reach the same handlers as over HTTP; an event is acknowledged
// once stored, an event that cannot be stored is not acknowledged (Slack
// sends it again), and a dropped connection reconnects and catches up
// what was written meanwhile.
func TestSocketMode(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st, func(c *Config) { c.AppToken = "xapp-fake-app-token" })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.a.RunSocketMode(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("RunSocketMode: %v", err)
			}
		})
		sock := e.fake.Socket()

		reply, d, err := sock.PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: e.staffCh, ThreadTS: e.cardTS, Text: "over the socket"})
		if err != nil || !d.OK() || d.Late() {
			t.Fatalf("event: %v %+v", err, d)
		}
		if ms := e.messages(); len(ms) != 1 || ms[0].SourceID != e.key(reply.TS) {
			t.Fatalf("stored: %+v", ms)
		}

		d, err = sock.Command(ctx, slacktest.Command{UserID: e.staff.ID, ChannelID: e.staffCh, Command: "/crm", Text: "help"})
		if err != nil || !strings.Contains(string(d.Body), "pong: help") {
			t.Fatalf("command: %v %+v", err, d)
		}

		if _, err := sock.BlockAction(ctx, slacktest.BlockAction{UserID: e.staff.ID, ChannelID: e.staffCh, MessageTS: e.cardTS,
			ActionID: "ticket.close", BlockID: "ticket_actions", Value: "1"}); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-e.ui.actions:
			if got != "ticket.close=1" {
				t.Errorf("action: %q", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("button never reached the bot")
		}

		// A database failure: no ack.
		if _, err := st.DB.ExecContext(ctx, "ALTER TABLE messages RENAME TO messages_away"); err != nil {
			t.Fatal(err)
		}
		short, stop := context.WithTimeout(ctx, 2*time.Second)
		_, _, err = sock.PostAsUser(short, slacktest.UserPost{User: e.staff.ID, Channel: e.staffCh, ThreadTS: e.cardTS, Text: "unstored"})
		stop()
		if err == nil {
			t.Fatal("an event that could not be stored was acknowledged")
		}
		if _, err := st.DB.ExecContext(ctx, "ALTER TABLE messages_away RENAME TO messages"); err != nil {
			t.Fatal(err)
		}

		// The connection drops; the next event goes over the new one.
		connects := e.fake.State().SocketConnects()
		e.fake.DropSocket()
		if _, d, err := sock.PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: e.staffCh, ThreadTS: e.cardTS, Text: "after the drop"}); err != nil || !d.OK() {
			t.Fatalf("after drop: %v %+v", err, d)
		}
		if e.fake.State().SocketConnects() <= connects {
			t.Error("no reconnection")
		}
		// The reconnection catches up: the reply whose event was never
		// acknowledged is read back from the thread.
		var bodies []string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			ms := e.messages()
			slices.SortFunc(ms, func(a, b *core.Message) int { return strings.Compare(a.SourceID, b.SourceID) })
			bodies = bodies[:0]
			for _, m := range ms {
				bodies = append(bodies, m.Body)
			}
			if len(bodies) >= 3 || time.Now().After(deadline) {
				break
			}
		}
		if strings.Join(bodies, "|") != "over the socket|unstored|after the drop" {
			t.Errorf("stored: %q", bodies)
		}
		// Once: after the reconnection, not at the first connection.
		if n := len(catchUpCalls(e.fake.State())); n != 1 {
			t.Errorf("%d catch-up reads of the thread, want 1", n)
		}
	})
}
