package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// sourceRig is a relay rig whose ticket has both threads, with no worker
// running: what the relay queues waits in the outbox until send starts
// one.
type sourceRig struct {
	*relayRig
	ticket *core.Ticket
}

func newSourceRig(t *testing.T) *sourceRig {
	t.Helper()
	st := coretest.MustOpenPostgres(t)
	r := newRelayRig(t, st)
	stop := runWorker(t, r.worker)
	open := r.open(t, "D-OPEN", "My printer is on fire")
	waitIdle(t, st)
	stop()
	tk, err := st.Ticket(context.Background(), open.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.DiscordThreadID == nil || tk.SlackThreadTS == nil {
		t.Fatalf("threads not recorded: %+v", tk)
	}
	return &sourceRig{relayRig: r, ticket: tk}
}

// clientSays relays a client's message written in the ticket's Discord
// thread.
func (r *sourceRig) clientSays(t *testing.T, id, text string) *core.Message {
	t.Helper()
	res, err := r.relay.Inbound(context.Background(), bot.InboundMessage{
		Platform: core.PlatformDiscord, SourceID: id, ChannelID: *r.ticket.DiscordThreadID, ThreadID: *r.ticket.DiscordThreadID,
		AuthorPlatformID: "100000000000000001", AuthorName: "Client C", Text: text,
	})
	if err != nil || res.Outcome != bot.Stored {
		t.Fatalf("client message %s: %v %v", id, res.Outcome, err)
	}
	return res.Message
}

// staffReplies relays a staff reply in the ticket's Slack thread.
func (r *sourceRig) staffReplies(t *testing.T, ts, text string) *core.Message {
	t.Helper()
	res := r.staffSays(t, r.ticket, ts, text)
	if res.Outcome != bot.Stored {
		t.Fatalf("staff reply %s: %v", ts, res.Outcome)
	}
	return res.Message
}

// send runs a new worker for the rig's senders and hooks until the
// outbox is idle.
func (r *sourceRig) send(t *testing.T) {
	t.Helper()
	w := outbox.NewWorker(r.st, quietLog(), r.slack, r.discord)
	w.Register(completionHooksOnly(r.relay)...)
	w.NoListen = true
	stop := runWorker(t, w)
	waitIdle(t, r.st)
	stop()
}

// deliveriesOf returns the deliveries of kind queued for message m, in
// order.
func (r *sourceRig) deliveriesOf(t *testing.T, m *core.Message, kind string) []*core.Delivery {
	t.Helper()
	ds, err := r.st.TicketDeliveries(context.Background(), m.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	var out []*core.Delivery
	for _, d := range ds {
		if d.Kind == kind && d.MessageID != nil && *d.MessageID == m.ID {
			out = append(out, d)
		}
	}
	return out
}

// postSources returns the Source of each post queued for m (KindSlackPost
// or KindDiscordPost), in part order.
func postSources(t *testing.T, r *sourceRig, m *core.Message, kind string) []*bot.MessageSource {
	t.Helper()
	var out []*bot.MessageSource
	for _, d := range r.deliveriesOf(t, m, kind) {
		switch kind {
		case bot.KindSlackPost:
			p, err := bot.DecodePayload[bot.SlackPostPayload](d)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Source)
		case bot.KindDiscordPost:
			p, err := bot.DecodePayload[bot.DiscordPostPayload](d)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Source)
		}
	}
	return out
}

// rewritePayloads rewrites the payload of every post queued for m with
// edit, as another version of the relay might have queued it.
func rewritePayloads(t *testing.T, r *sourceRig, m *core.Message, kind string, edit func(map[string]any)) {
	t.Helper()
	ctx := context.Background()
	for _, d := range r.deliveriesOf(t, m, kind) {
		var p map[string]any
		if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
			t.Fatal(err)
		}
		edit(p)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.st.DB.NewUpdate().Model((*core.Delivery)(nil)).Set("payload = ?", string(b)).Where("id = ?", d.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// wantOneSlackReact checks that m got exactly one ✅ on Slack, at
// (channel, ts), and that it was sent.
func wantOneSlackReact(t *testing.T, r *sourceRig, m *core.Message, channel, ts string) {
	t.Helper()
	wantOneReact(t, r, m, bot.KindSlackReact, core.PlatformSlack, r.slack,
		bot.SlackReactPayload{TicketID: m.TicketID, MessageID: m.ID, Channel: channel, TS: ts, Reaction: bot.ReactDelivered})
}

// wantOneDiscordReact checks that m got exactly one ✅ on Discord, on
// message id in channel, and that it was sent.
func wantOneDiscordReact(t *testing.T, r *sourceRig, m *core.Message, channel, id string) {
	t.Helper()
	wantOneReact(t, r, m, bot.KindDiscordReact, core.PlatformDiscord, r.discord,
		bot.DiscordReactPayload{TicketID: m.TicketID, MessageID: m.ID, ChannelID: channel, DiscordMessageID: id, Reaction: bot.ReactDelivered})
}

// wantOneReact checks that m got exactly one reaction delivery of kind,
// with payload want, on its ticket's stream of platform, done and sent
// once by sender.
func wantOneReact[P comparable](t *testing.T, r *sourceRig, m *core.Message, kind, platform string, sender *recSender, want P) {
	t.Helper()
	reacts := r.deliveriesOf(t, m, kind)
	if len(reacts) != 1 {
		t.Fatalf("message %d: %d %s deliveries queued, want 1", m.ID, len(reacts), kind)
	}
	d := reacts[0]
	p, err := bot.DecodePayload[P](d)
	if err != nil {
		t.Fatal(err)
	}
	if p != want {
		t.Fatalf("message %d: %s %+v, want %+v", m.ID, kind, p, want)
	}
	if d.Status != core.DeliveryDone || d.Stream != bot.ReceiptStream(m.TicketID, platform) {
		t.Fatalf("message %d: %s status %s stream %s", m.ID, kind, d.Status, d.Stream)
	}
	if n := countSent(sender, d.ID); n != 1 {
		t.Fatalf("message %d: %s sent %d times", m.ID, kind, n)
	}
}

func countSent(s *recSender, id int64) int {
	n := 0
	for _, x := range s.Sent() {
		if x.ID == id {
			n++
		}
	}
	return n
}

// TestRelayDeliveredReactionFromPayloadSource: a message relayed from
// either side carries where it was written on its last part, and gets
// one ✅ there once delivered; a long one (several parts) too, after its
// last part only.
func TestRelayDeliveredReactionFromPayloadSource(t *testing.T) {
	t.Parallel()
	r := newSourceRig(t)
	thread := *r.ticket.DiscordThreadID
	client := r.clientSays(t, "D-2", "Still burning")
	short := r.staffReplies(t, "1700000001.000100", "Unplug it")
	long := r.staffReplies(t, "1700000001.000200", strings.Repeat("Step by step. ", 200)) // over 2000 characters: 2 Discord parts

	if got := postSources(t, r, client, bot.KindSlackPost); len(got) != 1 ||
		got[0] == nil || *got[0] != (bot.MessageSource{Platform: core.PlatformDiscord, ChannelID: thread, ID: "D-2"}) {
		t.Fatalf("client message's Slack post sources %+v", got)
	}
	if got := postSources(t, r, short, bot.KindDiscordPost); len(got) != 1 ||
		got[0] == nil || *got[0] != (bot.MessageSource{Platform: core.PlatformSlack, ChannelID: "CSTAFF", ID: "1700000001.000100"}) {
		t.Fatalf("staff reply's Discord post sources %+v", got)
	}
	got := postSources(t, r, long, bot.KindDiscordPost)
	if len(got) != 2 || got[0] != nil || got[1] == nil ||
		*got[1] != (bot.MessageSource{Platform: core.PlatformSlack, ChannelID: "CSTAFF", ID: "1700000001.000200"}) {
		t.Fatalf("long staff reply's Discord post sources %+v, want nil then the source", got)
	}

	r.send(t)
	wantOneDiscordReact(t, r, client, thread, "D-2")
	wantOneSlackReact(t, r, short, "CSTAFF", "1700000001.000100")
	wantOneSlackReact(t, r, long, "CSTAFF", "1700000001.000200")
	for _, m := range []*core.Message{client, short, long} {
		if n := len(r.deliveriesOf(t, m, bot.KindDiscordReact)) + len(r.deliveriesOf(t, m, bot.KindSlackReact)); n != 1 {
			t.Fatalf("message %d: %d reactions in all, want 1", m.ID, n)
		}
	}
}

// TestRelayDeliveredReactionFollowsPayloadSource: the ✅ goes where the
// payload's Source says, not where a look-up of the message would find.
// The product never queues a Source other than the message's own; one
// rewritten here shows that nothing is looked up when it is there.
func TestRelayDeliveredReactionFollowsPayloadSource(t *testing.T) {
	t.Parallel()
	r := newSourceRig(t)
	client := r.clientSays(t, "D-3", "Hello?")
	staff := r.staffReplies(t, "1700000002.000100", "Hi")
	rewritePayloads(t, r, client, bot.KindSlackPost, func(p map[string]any) {
		p["source"] = map[string]any{"platform": core.PlatformDiscord, "channel_id": "CHANNEL-FROM-PAYLOAD", "id": "ID-FROM-PAYLOAD"}
	})
	rewritePayloads(t, r, staff, bot.KindDiscordPost, func(p map[string]any) {
		p["source"] = map[string]any{"platform": core.PlatformSlack, "channel_id": "CFROMPAYLOAD", "id": "1.000001"}
	})
	r.send(t)
	wantOneDiscordReact(t, r, client, "CHANNEL-FROM-PAYLOAD", "ID-FROM-PAYLOAD")
	wantOneSlackReact(t, r, staff, "CFROMPAYLOAD", "1.000001")
}

// TestRelayDeliveredReactionWithoutPayloadSource: posts queued by an
// older version carry no Source; their ✅ is found by looking the message
// and its ticket up.
func TestRelayDeliveredReactionWithoutPayloadSource(t *testing.T) {
	t.Parallel()
	r := newSourceRig(t)
	thread := *r.ticket.DiscordThreadID
	client := r.clientSays(t, "D-4", "Anyone?")
	staff := r.staffReplies(t, "1700000003.000100", "Yes")
	long := r.staffReplies(t, "1700000003.000200", strings.Repeat("Read this. ", 250)) // 2 Discord parts
	strip := func(p map[string]any) { delete(p, "source") }
	rewritePayloads(t, r, client, bot.KindSlackPost, strip)
	rewritePayloads(t, r, staff, bot.KindDiscordPost, strip)
	rewritePayloads(t, r, long, bot.KindDiscordPost, strip)
	for _, m := range []*core.Message{client, staff, long} {
		for _, kind := range []string{bot.KindSlackPost, bot.KindDiscordPost} {
			for _, d := range r.deliveriesOf(t, m, kind) {
				if strings.Contains(d.Payload, `"source"`) {
					t.Fatalf("payload still has a source: %s", d.Payload)
				}
			}
		}
	}
	r.send(t)
	wantOneDiscordReact(t, r, client, thread, "D-4")
	wantOneSlackReact(t, r, staff, "CSTAFF", "1700000003.000100")
	wantOneSlackReact(t, r, long, "CSTAFF", "1700000003.000200")
}

// completionHooksOnly is the relay's kinds with their OnDone and OnParked
// hooks only, no Stale or Prepare: each message leaves as a post of its
// own and every receipt is sent.
func completionHooksOnly(r *bot.Relay) []outbox.Kind {
	kinds := r.Kinds()
	for i := range kinds {
		kinds[i].Stale, kinds[i].Prepare = nil, nil
	}
	return kinds
}
