package slack

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// Slack delivers an event again under the same event_id when it got no
// timely answer (a retry), and has been seen sending one message under
// several event_ids. New messages are keyed by their ts alone; only a
// refusal is recorded under its event_id, so that a retry does not
// explain it again.

// redeliver sends ev again as Slack's retry number n and checks that it
// was acknowledged.
func (e *relayEnv) redeliver(ev *slacktest.EventCallback, n int) {
	e.t.Helper()
	d, err := e.fake.HTTP().Event(context.Background(), ev, slacktest.Retry(n, "http_timeout"))
	if err != nil || !d.OK() {
		e.t.Fatalf("redelivery of %s: %v %+v", ev.EventID, err, d)
	}
}

// explained counts the ephemeral messages user got in the ticket's
// thread.
func (e *relayEnv) explained(user string) int {
	n := 0
	for _, eph := range e.fake.State().Ephemerals() {
		if eph.User == user && eph.Channel == e.staffCh && eph.ThreadTS == e.cardTS {
			n++
		}
	}
	return n
}

// member adds a Slack user who is a member of the staff channel.
func (e *relayEnv) member(u slacktest.User) slacktest.User {
	e.t.Helper()
	u = e.fake.State().AddUser(u)
	if err := e.fake.State().Join(e.staffCh, u.ID); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// explainLog is a log handler counting the explanations the adapter
// starts: it logs "reply not relayed" before each, while it handles the
// event, so the count is final once the event is answered.
type explainLog struct {
	mu      sync.Mutex
	started int
}

// Enabled takes every level: the explanations are logged at info.
func (h *explainLog) Enabled(context.Context, slog.Level) bool { return true }

// Handle counts the records that start an explanation.
func (h *explainLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "reply not relayed" {
		h.mu.Lock()
		h.started++
		h.mu.Unlock()
	}
	return nil
}

// WithAttrs returns h: attributes do not matter to the count.
func (h *explainLog) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup returns h, as WithAttrs.
func (h *explainLog) WithGroup(string) slog.Handler { return h }

// count returns how many explanations were started.
func (h *explainLog) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started
}

// countExplanations makes the adapter's log count the explanations it
// starts (before any event is sent).
func (e *relayEnv) countExplanations() *explainLog {
	h := &explainLog{}
	e.a.log = slog.New(h)
	return h
}

// waitExplanationsPosted waits until every explanation started reached
// Slack (chat.postEphemeral, answered or not): they are posted after the
// event is answered.
func (e *relayEnv) waitExplanationsPosted(h *explainLog) {
	e.t.Helper()
	e.fake.WaitFor(e.t, func(st *slacktest.State) bool { return len(st.Calls("chat.postEphemeral")) >= h.count() })
	if n, want := len(e.fake.State().Calls("chat.postEphemeral")), h.count(); n != want {
		e.t.Fatalf("%d chat.postEphemeral calls for %d explanations", n, want)
	}
}

// eventSeen reports whether the product recorded eventID.
func (e *relayEnv) eventSeen(eventID string) bool {
	e.t.Helper()
	seen, err := e.st.EventSeen(context.Background(), core.PlatformSlack, eventID)
	if err != nil {
		e.t.Fatal(err)
	}
	return seen
}

// TestEventsRefusalExplainedOncePerMessage: a refused reply is explained
// once, keyed by its channel and ts: neither Slack's retries of one event
// (same event_id) nor the same message under a new event_id explain it
// again.
func TestEventsRefusalExplainedOncePerMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		user func(t *testing.T, e *relayEnv) string
	}{
		{"not registered", func(t *testing.T, e *relayEnv) string { return e.other.ID }},
		{"registered client", func(t *testing.T, e *relayEnv) string {
			u := e.member(slacktest.User{ID: "U0CLIENT1", Name: "cleo", RealName: "Cleo Client"})
			if _, err := e.st.CreateUser(context.Background(), core.NewUser{Login: "cleo", Name: "Cleo Client", Role: core.RoleClient, SlackID: u.ID}); err != nil {
				t.Fatal(err)
			}
			return u.ID
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
				e := newRelayEnv(t, st)
				user := tc.user(t, e)
				log := e.countExplanations()

				m, d := e.post(user, "let me in")
				if n := log.count(); n != 1 {
					t.Fatalf("%d explanations started for the first delivery, want 1", n)
				}
				if !e.eventSeen("refused:" + e.staffCh + ":" + m.TS) {
					t.Fatalf("refusal of %s not recorded", m.TS)
				}
				e.redeliver(d.Event, 1)
				e.redeliver(d.Event, 2)
				if n := log.count(); n != 1 {
					t.Fatalf("%d explanations started after Slack's retries of one event_id, want 1", n)
				}

				again := e.fake.Reissue(d.Event)
				e.redeliver(again, 1)
				e.redeliver(again, 2)
				if n := log.count(); n != 1 {
					t.Fatalf("%d explanations started after the message came under a new event_id, want 1", n)
				}

				e.waitExplanationsPosted(log)
				if n := e.explained(user); n != 1 {
					t.Fatalf("explained %d times in the thread, want 1: once per message", n)
				}
				for _, eph := range e.fake.State().Ephemerals() {
					if !strings.Contains(eph.Text, "only registered JayayaCRM staff") {
						t.Fatalf("explanation %q", eph.Text)
					}
				}
				if ms := e.messages(); len(ms) != 0 {
					t.Fatalf("refused reply stored: %+v", ms)
				}
				if ds := e.deliveryKinds(); len(ds) != 0 {
					t.Fatalf("refused reply queued %v", ds)
				}
			})
		})
	}
}

// TestEventsStaffReplyStoredOnceAcrossEventIDs: a staff reply delivered
// twice under one event_id and twice under another is stored once and
// queued for Discord once; the events of new messages are not recorded
// (the ts keys them), those of edits are.
func TestEventsStaffReplyStoredOnceAcrossEventIDs(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		log := e.countExplanations()
		reply, d := e.post(e.staff.ID, "Unplug it")
		e.redeliver(d.Event, 1)
		again := e.fake.Reissue(d.Event)
		e.redeliver(again, 1)
		e.redeliver(again, 2)

		ms := e.messages()
		if len(ms) != 1 || ms[0].SourceID != e.key(reply.TS) || ms[0].Body != "Unplug it" {
			t.Fatalf("stored %+v, want the reply once", ms)
		}
		posts := 0
		ds, err := st.TicketDeliveries(context.Background(), e.ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ds {
			if x.Kind == bot.KindDiscordPost {
				posts++
				if x.MessageID == nil || *x.MessageID != ms[0].ID {
					t.Fatalf("Discord post for message %v, want %d", x.MessageID, ms[0].ID)
				}
			}
		}
		if posts != 1 {
			t.Fatalf("%d Discord posts queued, want 1 (deliveries %v)", posts, e.deliveryKinds())
		}
		for _, id := range []string{d.Event.EventID, again.EventID} {
			if e.eventSeen(id) {
				t.Fatalf("new-message event %s recorded by event_id", id)
			}
		}

		edit, err := e.fake.HTTP().EditAsUser(context.Background(), e.staffCh, reply.TS, "Unplug it, please")
		if err != nil || !edit.OK() {
			t.Fatalf("edit: %v %+v", err, edit)
		}
		if !e.eventSeen(edit.Event.EventID) {
			t.Fatalf("edit event %s not recorded", edit.Event.EventID)
		}

		if n := log.count(); n != 0 {
			t.Fatalf("%d explanations started for a reply that was relayed", n)
		}
		e.waitExplanationsPosted(log)
		if n := e.explained(e.staff.ID); n != 0 {
			t.Fatalf("staff got %d explanations for a reply that was relayed", n)
		}
	})
}
