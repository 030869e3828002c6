package slacktest_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// runSocketClient runs slack-go's Socket Mode client against the fake until
// the test ends, handing every event to handle.
func runSocketClient(t *testing.T, w *workspace, handle func(*socketmode.Client, socketmode.Event), opts ...socketmode.Option) {
	t.Helper()
	smc := socketmode.New(w.api, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	ran, drained := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ran)
		_ = smc.RunContext(ctx)
	}()
	go func() {
		defer close(drained)
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-smc.Events:
				handle(smc, evt)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-ran
		<-drained
	})
}

func TestSocketModeEventsAPI(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	parent, _ := postThread(t, w, 0)
	got := make(chan *slackevents.MessageEvent, 1)

	// Deliver before the product connects: the envelope waits for it.
	type result struct {
		m   slacktest.Message
		d   *slacktest.Delivery
		err error
	}
	res := make(chan result, 1)
	go func() {
		m, d, err := w.srv.Socket().PostAsUser(t.Context(), slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, ThreadTS: parent, Text: "hi"})
		res <- result{m, d, err}
	}()
	runSocketClient(t, w, func(smc *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeEventsAPI {
			return
		}
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent); ok {
			got <- ev
		}
		_ = smc.Ack(*evt.Request)
	})

	r := <-res
	if r.err != nil {
		t.Fatal(r.err)
	}
	ev := <-got
	if ev.ThreadTimeStamp != parent || ev.TimeStamp != r.m.TS || ev.User != w.alice.ID {
		t.Errorf("event = %+v", ev)
	}
	if r.d.EnvelopeID == "" || r.d.Attempts != 1 || !r.d.OK() {
		t.Errorf("delivery = %+v", r.d)
	}
	if n := w.srv.State().SocketConnections(); n != 1 {
		t.Errorf("%d open connections", n)
	}
}

func TestSocketModeAckPayloads(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	runSocketClient(t, w, func(smc *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			_ = smc.Ack(*evt.Request, map[string]string{"text": "ok: " + cmd.Text + " by " + cmd.UserName})
		case socketmode.EventTypeInteractive:
			_ = smc.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"subject": "Required"}))
		}
	})
	ctx := t.Context()

	d, err := w.srv.Socket().Command(ctx, slacktest.Command{UserID: w.alice.ID, ChannelID: w.staff.ID, Command: "/crm", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	var reply slack.Msg
	if err := d.JSON(&reply); err != nil || reply.Text != "ok: help by alice" {
		t.Errorf("ack payload = %q (%v)", d.Body, err)
	}

	view, err := w.api.OpenViewContext(ctx, d.TriggerID, ticketModal("New ticket"))
	if err != nil {
		t.Fatal(err)
	}
	d, err = w.srv.Socket().SubmitView(ctx, slacktest.ViewSubmission{ViewID: view.ID})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := d.ViewResponse(); err != nil || resp.Errors["subject"] != "Required" {
		t.Errorf("view response = %+v (%v)", resp, err)
	}
}

func TestSocketModeRedeliversAfterDrop(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	var seen atomic.Int32
	retry := make(chan int, 1)
	runSocketClient(t, w, func(smc *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeEventsAPI {
			return
		}
		if seen.Add(1) == 1 {
			w.srv.DropSocket() // lost before the ack
			return
		}
		retry <- evt.Request.RetryAttempt
		_ = smc.Ack(*evt.Request)
	})

	_, d, err := w.srv.Socket().PostAsUser(t.Context(), slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, Text: "hello?"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Attempts != 2 || <-retry != 1 {
		t.Errorf("delivered in %d attempts, want 2 (one retry)", d.Attempts)
	}
	if n := w.srv.State().SocketConnects(); n != 2 {
		t.Errorf("%d connections, want a reconnect", n)
	}
}

func TestSocketModeDisconnectMessage(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	runSocketClient(t, w, func(smc *socketmode.Client, evt socketmode.Event) {
		if evt.Request != nil && evt.Type == socketmode.EventTypeEventsAPI {
			_ = smc.Ack(*evt.Request)
		}
	})
	w.srv.WaitFor(t, func(st *slacktest.State) bool { return st.SocketConnections() == 1 })

	if n := w.srv.DisconnectSocket("refresh_requested"); n != 1 {
		t.Fatalf("told %d connections", n)
	}
	w.srv.WaitFor(t, func(st *slacktest.State) bool { return st.SocketConnects() == 2 && st.SocketConnections() == 1 })
	if _, d, err := w.srv.Socket().PostAsUser(t.Context(), slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, Text: "still there?"}); err != nil || d.Attempts != 1 {
		t.Errorf("after reconnecting: %v, %+v", err, d)
	}
	if calls := w.srv.State().Calls("apps.connections.open"); len(calls) != 2 {
		t.Errorf("apps.connections.open called %d times", len(calls))
	}
}

func TestSocketModePingsKeepTheConnection(t *testing.T) {
	// slack-go drops a connection that hears no ping for its ping interval.
	w := newWorkspace(t, slacktest.Config{PingInterval: 20 * time.Millisecond})
	runSocketClient(t, w, func(*socketmode.Client, socketmode.Event) {}, socketmode.OptionPingInterval(100*time.Millisecond))
	w.srv.WaitFor(t, func(st *slacktest.State) bool { return st.SocketConnections() == 1 })

	<-time.After(500 * time.Millisecond) // five of the client's ping intervals
	if n := w.srv.State().SocketConnects(); n != 1 {
		t.Errorf("%d connections in 500ms, want the first one kept alive", n)
	}
}

// TestSocketModeSpreadsAcrossConnections: with two connections open (two
// replicas of the app), envelopes go over each in turn, as Slack sends
// each to one of them; an event left unacknowledged goes again, after the
// ack timeout, over the other connection, marked as a retry.
func TestSocketModeSpreadsAcrossConnections(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{AckTimeout: 300 * time.Millisecond})
	type got struct {
		client int
		text   string
		retry  int
		reason string
	}
	seen := make(chan got, 20)
	for i := range 2 {
		runSocketClient(t, w, func(smc *socketmode.Client, evt socketmode.Event) {
			if evt.Type != socketmode.EventTypeEventsAPI {
				return
			}
			ev := evt.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
			seen <- got{i, ev.Text, evt.Request.RetryAttempt, evt.Request.RetryReason}
			if ev.Text == "ignored once" && evt.Request.RetryAttempt == 0 {
				return // never acknowledged
			}
			_ = smc.Ack(*evt.Request)
		})
	}
	w.srv.State().WaitFor(t, func(st *slacktest.State) bool { return st.SocketConnections() == 2 })
	clients := map[int]int{}
	for _, text := range []string{"one", "two", "three", "four"} {
		if _, d, err := w.srv.Socket().PostAsUser(t.Context(), slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, Text: text}); err != nil || d.Attempts != 1 {
			t.Fatalf("%s: %+v %v", text, d, err)
		}
		g := <-seen
		clients[g.client]++
	}
	if clients[0] != 2 || clients[1] != 2 {
		t.Errorf("envelopes per connection %v, want 2 and 2", clients)
	}
	if spread := w.srv.SocketSpread(); len(spread) != 2 || spread[0] != 2 || spread[1] != 2 {
		t.Errorf("SocketSpread = %v", spread)
	}

	start := time.Now()
	_, d, err := w.srv.Socket().PostAsUser(t.Context(), slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, Text: "ignored once"})
	if err != nil || d.Attempts != 2 {
		t.Fatalf("unacknowledged event: %+v %v; want delivered on the second attempt", d, err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("retried after %s, before the ack timeout", waited)
	}
	first, second := <-seen, <-seen
	if first.client == second.client || first.retry != 0 || second.retry != 1 || second.reason != "timeout" {
		t.Errorf("first %+v, retry %+v: want the retry over the other connection, retry_attempt 1, reason timeout", first, second)
	}
}
