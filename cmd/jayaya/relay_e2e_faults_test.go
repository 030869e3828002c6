package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// The relay under faults, on PostgreSQL. Each case ends by checking the
// exact final state: every message present once, in order.

// wantSlack checks the relayed client messages in a ticket's Slack thread,
// exactly.
func (w *relayWorld) wantSlack(ts ticketSides, want []string) {
	w.t.Helper()
	want = postLines(want)
	w.waitSlack(func(*slacktest.State) bool { return len(postLines(w.relayedToSlack(ts))) >= len(want) })
	if got := postLines(w.relayedToSlack(ts)); !slices.Equal(got, want) {
		w.t.Fatalf("Slack thread, line by line:\n got %q\nwant %q", got, want)
	}
}

// wantDiscord checks the relayed staff replies in a ticket's Discord
// thread, exactly.
func (w *relayWorld) wantDiscord(ts ticketSides, want []string) {
	w.t.Helper()
	want = postLines(want)
	w.waitDiscord(fmt.Sprintf("%d replies on Discord", len(want)), func() bool { return len(postLines(w.relayedToDiscord(ts))) >= len(want) })
	if got := postLines(w.relayedToDiscord(ts)); !slices.Equal(got, want) {
		w.t.Fatalf("Discord thread, line by line:\n got %q\nwant %q", got, want)
	}
}

// settle waits until the outbox has nothing pending.
func (w *relayWorld) settle() {
	w.t.Helper()
	w.waitDB("an empty outbox", func(ctx context.Context) bool {
		st, err := w.st.OutboxStats(ctx)
		return err == nil && st.Pending == 0
	})
}

// TestRelay429Storm: Slack and Discord both answer 429 to a burst of
// posts; every message still arrives once, in order, when the platforms
// said it could.
func TestRelay429Storm(t *testing.T) {
	t.Parallel()
	w := newRelayWorld(t, core.EnginePostgres)
	ts := w.openByMessage(1, "Storm")
	client := clientName(w.client)
	w.wantSlack(ts, []string{client + ": Storm"})

	lookBacks := threadLookBacks(w.slack.State())
	discordReads := w.discord.CountRequests("GET", "/channels/{channel}/messages")
	w.slack.RateLimit("chat.postMessage", 6, time.Second)
	w.discord.RateLimitNext("POST", "/webhooks/{webhook}/{token}", 6, time.Second)
	wantS, wantD := []string{client + ": Storm"}, []string(nil)
	for i := range 5 {
		w.clientSays(ts, fmt.Sprintf("client %d", i))
		w.staffSays(ts, w.staff.ID, fmt.Sprintf("staff %d", i))
		wantS = append(wantS, fmt.Sprintf("%s: client %d", client, i))
		wantD = append(wantD, fmt.Sprintf("Sam Staff: staff %d", i))
	}
	w.wantSlack(ts, wantS)
	w.wantDiscord(ts, wantD)
	limited := 0
	for _, c := range w.slack.State().Calls("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	if limited != 6 {
		t.Errorf("Slack answered %d 429s; want the 6 injected", limited)
	}
	w.settle()
	w.wantSlack(ts, wantS)
	w.wantDiscord(ts, wantD)
	// A 429 means nothing was posted: the retries do not look for an
	// earlier copy.
	if n := threadLookBacks(w.slack.State()) - lookBacks; n != 0 {
		t.Errorf("%d Slack look-backs after 429s, want none", n)
	}
	if n := w.discord.CountRequests("GET", "/channels/{channel}/messages") - discordReads; n != 0 {
		t.Errorf("%d Discord look-backs after 429s, want none", n)
	}
}

// TestRelayParkedWarns: the ticket's Slack thread was deleted, so the
// client's message can never reach staff: its delivery is parked (not
// retried) and the client sees ⚠️ on it.
func TestRelayParkedWarns(t *testing.T) {
	t.Parallel()
	w := newRelayWorld(t, core.EnginePostgres)
	ts := w.openByMessage(1, "Parked")
	w.wantSlack(ts, []string{clientName(w.client) + ": Parked"})
	if err := w.slack.State().DeleteThread(w.staffCh, ts.SlackTS); err != nil {
		t.Fatal(err)
	}
	m := w.clientSays(ts, "anyone there?")
	w.waitDiscord("⚠️ on the client's message", func() bool {
		got, ok := w.discord.Message(ts.ThreadID, m.ID)
		return ok && discordReacted(got, "⚠️")
	})
	ds, err := w.st.TicketDeliveries(context.Background(), ts.ID)
	if err != nil {
		t.Fatal(err)
	}
	parked := 0
	for _, d := range ds {
		if d.Status == core.DeliveryParked {
			parked++
			if d.Kind != "slack.post" || d.Attempts != 1 {
				t.Errorf("parked %s after %d attempts", d.Kind, d.Attempts)
			}
		}
	}
	if parked != 1 {
		t.Errorf("%d parked deliveries; want 1", parked)
	}
}

// TestRelaySlackOutageCrashRestart: Slack is down while the client writes
// three messages; as it comes back the product posts the first one and is
// killed before it can record that (its database connections cut, its
// context cancelled, the post's answer never delivered). A fresh process on
// the same database sends what is pending: the first message is not posted
// twice, and all three arrive in order.
func TestRelaySlackOutageCrashRestart(t *testing.T) {
	t.Parallel()
	w := setupRelayWorld(t, core.EnginePostgres)
	viaProxy, proxy := coretest.ProxyURL(t, w.dbURL)
	w.viaProxy = true
	w.proc = w.start(viaProxy)

	ts := w.openByMessage(1, "Outage")
	client := clientName(w.client)
	w.wantSlack(ts, []string{client + ": Outage"})

	w.slack.SetOutage("chat.postMessage", true)
	failedBefore := w.failedPosts()
	for _, text := range []string{"one", "two", "three"} {
		w.clientSays(ts, text)
	}
	w.waitSlack(func(*slacktest.State) bool { return w.failedPosts() > failedBefore })

	swallowed := w.slackAPI.SwallowNextPost()
	w.slack.SetOutage("chat.postMessage", false)
	select {
	case <-swallowed:
	case <-time.After(waitTimeout):
		t.Fatalf("no post after the outage:\n%s", w.proc.logs.String())
	}
	// kill -9: the database goes away first, so nothing more is recorded.
	proxy.Cut()
	w.proc.cancel()
	w.slackAPI.Release()
	w.proc.wait(t)
	// The post the crash interrupted carries "one", and "two" and
	// "three" too when they were queued before its first attempt.
	atCrash := postLines(w.relayedToSlack(ts))
	if len(atCrash) < 2 || !slices.Equal(atCrash, []string{client + ": Outage", client + ": one", client + ": two", client + ": three"}[:len(atCrash)]) {
		t.Fatalf("at the crash Slack has %q", atCrash)
	}

	// The new process takes over the killed worker's leases once its
	// heartbeat is stale (2 s), long before they would run out (30 s).
	lookups := threadLookBacks(w.slack.State())
	w.proc = w.start(w.dbURL)
	want := []string{client + ": Outage", client + ": one", client + ": two", client + ": three"}
	w.wantSlack(ts, want)
	w.settle()
	w.wantSlack(ts, want)
	if threadLookBacks(w.slack.State()) == lookups {
		t.Error("the retried post did not look for its earlier attempt")
	}
	// ✅ on the newest client message: delivered up to there (the ✅ of
	// earlier ones may be skipped when they queue up).
	var newest *discordgo.Message
	for _, m := range w.discord.Messages(ts.ThreadID) {
		if m.WebhookID == "" && m.Author.ID == w.client.ID {
			newest = m
		}
	}
	if newest == nil || newest.Content != "three" || !discordReacted(newest, "✅") {
		t.Errorf("the newest client message %+v has no ✅", newest)
	}
}

// threadLookBacks counts the conversations.replies calls of deliveries
// looking for their earlier posts (they ask for message metadata; the
// catch-up at start reads threads without it).
func threadLookBacks(st *slacktest.State) int {
	n := 0
	for _, c := range st.Calls("conversations.replies") {
		if c.Params.Get("include_all_metadata") == "1" {
			n++
		}
	}
	return n
}

// failedPosts counts chat.postMessage calls Slack refused with a 5xx.
func (w *relayWorld) failedPosts() int {
	n := 0
	for _, c := range w.slack.State().Calls("chat.postMessage") {
		if c.Status >= 500 {
			n++
		}
	}
	return n
}

// TestRelayGatewayFaults: a dropped gateway connection resumes and the
// message written meanwhile is replayed and relayed once; an invalidated
// session identifies afresh and the messages written while it was gone are
// fetched (catch-up) and relayed once, in order.
func TestRelayGatewayFaults(t *testing.T) {
	t.Parallel()
	w := newRelayWorld(t, core.EnginePostgres)
	ts := w.openByMessage(1, "Gateway")
	client := clientName(w.client)
	w.wantSlack(ts, []string{client + ": Gateway"})

	resumes := w.discord.GatewayStats().Resumes
	w.discord.DropGateway()
	w.clientSays(ts, "while dropped")
	w.wantSlack(ts, []string{client + ": Gateway", client + ": while dropped"})
	if got := w.discord.GatewayStats().Resumes; got <= resumes {
		t.Errorf("no RESUME after the drop (%d)", got)
	}

	identifies := w.discord.GatewayStats().Identifies
	w.discord.DropGateway()
	w.discord.InvalidateSession(false)
	w.clientSays(ts, "while gone 1")
	w.clientSays(ts, "while gone 2")
	want := []string{client + ": Gateway", client + ": while dropped", client + ": while gone 1", client + ": while gone 2"}
	w.wantSlack(ts, want)
	if got := w.discord.GatewayStats().Identifies; got <= identifies {
		t.Errorf("no fresh IDENTIFY after the invalidation (%d)", got)
	}
	w.settle()
	w.wantSlack(ts, want)
}
