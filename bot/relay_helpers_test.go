package bot_test

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
	"github.com/jayaya/jayayacrm/core/outbox/outboxtest"
)

// The recording sender, shared with the other package's tests.
type (
	sent      = outboxtest.Sent
	recSender = outboxtest.RecSender
)

// Shared with the outbox's own tests (outboxtest).
var (
	quietLog  = outboxtest.QuietLog
	waitFor   = outboxtest.WaitFor
	waitIdle  = outboxtest.WaitIdle
	runWorker = outboxtest.RunWorker
)

// mustCreateUser creates a user linked to platform IDs.
func mustCreateUser(t *testing.T, st *core.Store, login, role, slackID, discordID string) *core.User {
	t.Helper()
	u, err := st.CreateUser(context.Background(), core.NewUser{Login: login, Name: login + " Name", Role: role, SlackID: slackID, DiscordID: discordID})
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

// relayRig is a relay with recording senders for both platforms and a
// worker sending to them.
type relayRig struct {
	st      *core.Store
	relay   *bot.Relay
	slack   *recSender
	discord *recSender
	worker  *outbox.Worker
	client  *core.User
	staff   *core.User
}

func newRelayRig(t *testing.T, st *core.Store) *relayRig {
	t.Helper()
	r := &relayRig{st: st, slack: &recSender{Name: core.PlatformSlack}, discord: &recSender{Name: core.PlatformDiscord}}
	r.relay = &bot.Relay{Store: st, Log: quietLog(), SlackChannel: "CSTAFF", DiscordChannel: "D-SUPPORT"}
	r.worker = outbox.NewWorker(st, quietLog(), r.slack, r.discord)
	r.worker.Register(r.relay.Kinds()...) // as jayaya serve wires them
	r.worker.NoListen = true
	r.relay.Outbox = r.worker
	r.client = mustCreateUser(t, st, "client", core.RoleClient, "", "100000000000000001")
	r.staff = mustCreateUser(t, st, "staff", core.RoleStaff, "U0STAFF1", "")
	return r
}

// start runs the worker until the test ends.
func (r *relayRig) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.worker.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// open opens a ticket by a Discord message and returns it.
func (r *relayRig) open(t *testing.T, sourceID, text string) bot.Result {
	t.Helper()
	res, err := r.relay.OpenTicket(context.Background(), bot.InboundOpen{
		Platform: core.PlatformDiscord, ClientPlatformUserID: "100000000000000001", Subject: "Printer on fire",
		First: &bot.InboundMessage{Platform: core.PlatformDiscord, SourceID: sourceID, ChannelID: "D-SUPPORT",
			AuthorPlatformID: "100000000000000001", AuthorName: "Client C", Text: text},
	})
	if err != nil || res.Outcome != bot.Stored {
		t.Fatalf("open ticket: %v %v", res.Outcome, err)
	}
	return res
}

// staffSays relays a Slack reply in the ticket's thread.
func (r *relayRig) staffSays(t *testing.T, tk *core.Ticket, ts, text string) bot.Result {
	t.Helper()
	cur, err := r.st.Ticket(context.Background(), tk.ID)
	if err != nil || cur.SlackThreadTS == nil {
		t.Fatalf("ticket #%d has no Slack thread yet (%v)", tk.Number, err)
	}
	res, err := r.relay.Inbound(context.Background(), bot.InboundMessage{
		Platform: core.PlatformSlack, SourceID: ts, ChannelID: "CSTAFF", ThreadID: *cur.SlackThreadTS,
		AuthorPlatformID: "U0STAFF1", AuthorName: "Sam Staff", Text: text,
	})
	if err != nil {
		t.Fatalf("staff reply: %v", err)
	}
	return res
}

// payload decodes a recorded payload.
func payload[T any](t *testing.T, s sent) T {
	t.Helper()
	v, err := bot.DecodePayload[T](&core.Delivery{ID: s.ID, Kind: s.Kind, Payload: s.Payload})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
