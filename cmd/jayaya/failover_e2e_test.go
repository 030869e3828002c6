package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// Failover end to end: two replicas on one PostgreSQL database between
// the fake Slack and the fake Discord. None of these tests could pass by
// waiting for a lease to run out: leases last 30 s, every wait here at
// most 20 s (waitTimeout). They run one at a time, before the package's
// parallel tests: two of them at once on a busy two-core machine once
// missed the held post's retry within that bound.

// failoverWorld starts replica a (which takes the Discord gateway) and
// then b (standing by), opens ticket #1 and sends staff's Slack events to
// b.
func failoverWorld(t *testing.T, extra map[string]string) (w *relayWorld, a, b *replica, ts ticketSides) {
	t.Helper()
	w = setupRelayWorld(t, core.EnginePostgres)
	a = w.startReplica(extra)
	w.waitDiscord("the first replica's gateway session", func() bool {
		return w.discord.GatewayStats().Connected && len(w.discord.Commands(w.guild)) > 0
	})
	b = w.startReplica(extra)
	waitFor(t, "a holding the gateway, b standing by", func() bool { return a.holdsGateway(t) && !b.holdsGateway(t) }, a, b)
	w.slack.SetProductURL("http://" + b.addr)
	ts = w.openByMessage(1, "Failover")
	w.wantSlack(ts, []string{clientName(w.client) + ": Failover"})
	return w, a, b, ts
}

// postHeldByA has the client write three messages while Slack is down, so
// that a (the gateway holder, which stores them and leases the ticket's
// Slack stream) combines them into one post once Slack is back; that
// post reaches Slack but its answer is held by a's proxy. It returns the
// lines expected in the Slack thread.
func postHeldByA(t *testing.T, w *relayWorld, a *replica, ts ticketSides) []string {
	t.Helper()
	client := clientName(w.client)
	w.slack.SetOutage("chat.postMessage", true)
	failed := w.failedPosts()
	for _, text := range []string{"one", "two", "three"} {
		w.clientSays(ts, text)
	}
	w.waitSlack(func(*slacktest.State) bool { return w.failedPosts() > failed })
	swallowed := a.slack.SwallowNextPost()
	w.slack.SetOutage("chat.postMessage", false)
	select {
	case <-swallowed:
	case <-time.After(waitTimeout):
		t.Fatalf("no post after the outage:\n%s", a.logs.String())
	}
	return []string{client + ": Failover", client + ": one", client + ": two", client + ": three"}
}

// goesOn checks that both directions still flow, each message once.
func goesOn(t *testing.T, w *relayWorld, ts ticketSides, wantSlack []string, tag string) []string {
	t.Helper()
	w.clientSays(ts, "client "+tag)
	w.staffSays(ts, w.staff.ID, "staff "+tag)
	wantSlack = append(wantSlack, clientName(w.client)+": client "+tag)
	w.wantSlack(ts, wantSlack)
	return wantSlack
}

// TestFailoverKilledLeaseholder: the replica holding the gateway and the
// ticket's Slack stream posts a combined message and is killed before it
// records it. The other replica takes the gateway at once and the
// stream's lease once the dead one's heartbeat is stale; it finds the
// combined post on Slack and posts nothing twice; the conversation goes
// on through it.
func TestFailoverKilledLeaseholder(t *testing.T) {
	w, a, b, ts := failoverWorld(t, nil)
	want := postHeldByA(t, w, a, ts)
	lookBacks := threadLookBacks(w.slack.State())
	a.db.Cut() // kill -9: nothing more reaches the database
	a.cancel()
	a.slack.Release()
	a.wait(t)

	w.wantSlack(ts, want)
	want = goesOn(t, w, ts, want, "after the kill")
	w.wantDiscord(ts, []string{"Sam Staff: staff after the kill"})
	w.settle()
	w.wantSlack(ts, want)
	if threadLookBacks(w.slack.State()) == lookBacks {
		t.Error("the taken-over post did not look for its earlier attempt")
	}
	m := scrapeMetrics(t, b.addr)
	if m["jayaya_outbox_leases_taken_over_total"] < 1 || m[`jayaya_gateway_held{platform="discord"}`] != 1 || m["jayaya_replicas_alive"] != 1 {
		t.Errorf("survivor's metrics: taken over %v, gateway held %v, replicas alive %v",
			m["jayaya_outbox_leases_taken_over_total"], m[`jayaya_gateway_held{platform="discord"}`], m["jayaya_replicas_alive"])
	}
	if m[fmt.Sprintf(`jayaya_gateway_holder{platform="discord",replica=%q}`, b.name)] != 1 {
		t.Errorf("the survivor %s is not shown holding the gateway", b.name)
	}
}

// TestFailoverPausedLeaseholder: the same, but the replica is paused
// (its connections stay open, as under SIGSTOP) rather than killed. The
// other replica ends its gateway session's database session and takes
// over; when the paused one resumes, the answer to its post finally
// comes, its recording is refused (the lease is gone) and it sends
// nothing twice; it then works on as a standby.
func TestFailoverPausedLeaseholder(t *testing.T) {
	w, a, b, ts := failoverWorld(t, nil)
	want := postHeldByA(t, w, a, ts)
	a.db.Freeze()
	w.wantSlack(ts, want)
	want = goesOn(t, w, ts, want, "while paused")
	w.wantDiscord(ts, []string{"Sam Staff: staff while paused"})
	if !b.holdsGateway(t) {
		t.Error("the standby did not take the gateway from the paused replica")
	}

	// Resumed: the answer to its post arrives; recording it is refused.
	a.db.Thaw()
	a.slack.PassHeld()
	waitFor(t, "the resumed replica refused to record the post taken over", func() bool {
		return strings.Contains(a.logs.String(), "delivery lease lost before its outcome was recorded")
	}, a, b)
	waitFor(t, "the paused replica back, standing by", func() bool {
		m := scrapeMetrics(t, b.addr)
		return m["jayaya_replicas_alive"] == 2 && !a.holdsGateway(t)
	}, a, b)
	// Staff's events now reach the replica that was paused.
	w.slack.SetProductURL("http://" + a.addr)
	want = goesOn(t, w, ts, want, "after the pause")
	w.wantDiscord(ts, []string{"Sam Staff: staff while paused", "Sam Staff: staff after the pause"})
	w.settle()
	w.wantSlack(ts, want)
	w.wantDiscord(ts, []string{"Sam Staff: staff while paused", "Sam Staff: staff after the pause"})
}

// TestFailoverRejoinAndHandover: after a replica is killed, a new one
// joins without the survivor restarting; it stands by for the gateway and
// sends its share (the staff replies it receives). When the survivor
// stops cleanly, the newcomer takes the gateway over.
func TestFailoverRejoinAndHandover(t *testing.T) {
	w, a, b, ts := failoverWorld(t, nil)
	client := clientName(w.client)
	want := []string{client + ": Failover"}
	a.kill(t)
	want = goesOn(t, w, ts, want, "one")

	c := w.startReplica(nil)
	waitFor(t, "the new replica alive", func() bool { return scrapeMetrics(t, b.addr)["jayaya_replicas_alive"] == 2 }, b, c)
	if c.holdsGateway(t) || !b.holdsGateway(t) {
		t.Fatal("the new replica took the gateway from a live holder")
	}
	w.slack.SetProductURL("http://" + c.addr)
	want = goesOn(t, w, ts, want, "two")
	staff := []string{"Sam Staff: staff one", "Sam Staff: staff two"}
	w.wantDiscord(ts, staff)
	// The new replica sends its share: a reply it receives is leased by
	// the transaction that queues it, unless the ticket's Discord stream
	// is busy then (a retry, a 429 on a loaded machine), when the worker
	// that finishes the busy one may carry it. So a few more replies may
	// be needed; one of them at least must leave from the new replica.
	sent := func() bool {
		// Counted once recorded, just after the post.
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if scrapeMetrics(t, c.addr)[`jayaya_relay_deliveries_total{outcome="done",platform="discord"}`] >= 1 {
				return true
			}
		}
		return false
	}
	for i := 1; !sent(); i++ {
		if i > 5 {
			t.Fatalf("the new replica sent none of the %d staff replies it received\n%s", len(staff)-1, c.logs.String())
		}
		text := fmt.Sprintf("staff two, again %d", i)
		w.staffSays(ts, w.staff.ID, text)
		staff = append(staff, "Sam Staff: "+text)
		w.wantDiscord(ts, staff)
	}

	b.stop(t)
	waitFor(t, "the new replica holding the gateway", func() bool { return c.holdsGateway(t) }, c)
	want = goesOn(t, w, ts, want, "three")
	w.wantDiscord(ts, append(staff, "Sam Staff: staff three"))
	w.settle()
	w.wantSlack(ts, want)
}

// TestFailoverSocketModeTwoReplicas: both replicas hold a Socket Mode
// connection, and the fake Slack spreads envelopes between them as Slack
// does. Every staff reply is relayed once. One replica is paused while it
// holds an envelope: Slack sends it again to the other after its ack
// timeout, and when the paused one resumes, nothing is relayed twice.
func TestFailoverSocketModeTwoReplicas(t *testing.T) {
	app := map[string]string{}
	w := setupRelayWorld(t, core.EnginePostgres)
	app["SLACK_APP_TOKEN"] = w.slack.Config().AppToken
	a := w.startReplica(app)
	w.waitDiscord("the first replica's gateway session", func() bool { return w.discord.GatewayStats().Connected })
	b := w.startReplica(app)
	w.waitSlack(func(st *slacktest.State) bool { return st.SocketConnections() == 2 })
	ts := w.openByMessage(1, "Sockets")
	sock := w.slack.Socket()
	var want []string
	for i := range 6 {
		text := fmt.Sprintf("reply %d", i)
		if _, d, err := sock.PostAsUser(context.Background(), slacktest.UserPost{User: w.staff.ID, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: text}); err != nil || !d.OK() {
			t.Fatalf("%s: %v %+v", text, err, d)
		}
		want = append(want, "Sam Staff: "+text)
	}
	w.wantDiscord(ts, want)
	if spread := w.slack.SocketSpread(); len(spread) != 2 || spread[0] == 0 || spread[1] == 0 {
		t.Fatalf("envelopes per connection %v: not spread over both replicas", spread)
	}

	// The next envelope goes to a (the fake alternates): a is paused
	// before it can store and acknowledge it.
	for w.slack.SocketSpread()[0] > w.slack.SocketSpread()[1] {
		w.staffSays(ts, w.staff.ID, "filler") // over HTTP, to b: does not move the turn
		want = append(want, "Sam Staff: filler")
	}
	a.db.Freeze()
	if _, d, err := sock.PostAsUser(context.Background(), slacktest.UserPost{User: w.staff.ID, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: "while a is paused"}); err != nil || d.Attempts < 2 {
		t.Fatalf("held envelope: %v %+v; want it acknowledged after a retry", err, d)
	}
	want = append(want, "Sam Staff: while a is paused")
	w.wantDiscord(ts, want)
	a.db.Thaw()
	waitFor(t, "the paused replica alive again", func() bool { return scrapeMetrics(t, b.addr)["jayaya_replicas_alive"] == 2 }, a, b)
	// Resumed, a either finds the reply stored (a duplicate) or, its
	// sessions ended while it was declared dead, fails to store it and
	// leaves the envelope unacknowledged: either way, once.
	w.settle()
	w.wantDiscord(ts, want)
}
