package discord_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord"
	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

const waitTimeout = 15 * time.Second

// closers tracks adapters finishing in the background: discordgo's Close
// sleeps a second, which would otherwise serialise the tests.
var closers sync.WaitGroup

func TestMain(m *testing.M) {
	code := m.Run()
	closers.Wait()
	os.Exit(code)
}

func testLog() *slog.Logger {
	if os.Getenv("JAYAYA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// slackSend is one delivery the stand-in Slack sender performed.
type slackSend struct {
	ID      int64
	Kind    string
	Payload string
	TS      string
}

// slackRec stands in for the Slack adapter's Sender (tested by its own
// package): it records slack.* deliveries and answers with a ts.
type slackRec struct {
	mu    sync.Mutex
	sends []slackSend
}

func (s *slackRec) Platform() string { return core.PlatformSlack }

func (s *slackRec) Deliver(_ context.Context, d *core.Delivery) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := fmt.Sprintf("1700000000.%06d", d.ID)
	s.sends = append(s.sends, slackSend{ID: d.ID, Kind: d.Kind, Payload: d.Payload, TS: ts})
	return ts, nil
}

// of returns the recorded sends of one kind.
func (s *slackRec) of(kind string) []slackSend {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []slackSend
	for _, x := range s.sends {
		if x.Kind == kind {
			out = append(out, x)
		}
	}
	return out
}

// postTexts returns the texts of slack.post sends, in order.
func (s *slackRec) postTexts(t *testing.T) []string {
	var out []string
	for _, x := range s.of(bot.KindSlackPost) {
		out = append(out, decode[bot.SlackPostPayload](t, x.Kind, x.Payload).Text)
	}
	return out
}

func decode[T any](t *testing.T, kind, raw string) T {
	t.Helper()
	v, err := bot.DecodePayload[T](&core.Delivery{Kind: kind, Payload: raw})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rig is the product's Discord side end to end: a fake Discord, a real
// store, the relay, the Discord adapter (real discordgo) and a delivery
// worker sending discord.* through the adapter and slack.* to slackRec.
type rig struct {
	srv    *discordtest.Server
	st     *core.Store
	relay  *bot.Relay
	slack  *slackRec
	ad     *discord.Adapter
	worker *outbox.Worker
	seed   discordtest.Seed

	// supports, when set before startAdapter, are every support channel
	// (the seed's first).
	supports []string

	client     *discordgo.User // registered client
	clientUser *core.User
	staff      *core.User

	stopAdapter func()
	stopWorker  func()
	// next is the worker startWorker runs: made by startAdapter, before
	// the adapter runs, so that the relay's Outbox is set once, before
	// any gateway event reads it.
	next *outbox.Worker
	// workerRuns is whether r.worker runs (startWorker until stopWorker).
	workerRuns bool
	// poolSize is each support channel's webhook pool
	// (bot.Relay.DiscordWebhooks; 0 for the default).
	poolSize     int
	pacer        *bot.Pacer
	answerWithin time.Duration
}

func newRig(t *testing.T, st *core.Store) *rig {
	t.Helper()
	return newPoolRig(t, st, 0)
}

// newPoolRig is newRig with a webhook pool of poolSize per support
// channel (0: the default).
func newPoolRig(t *testing.T, st *core.Store, poolSize int) *rig {
	t.Helper()
	return newRigWith(t, st, rigOptions{poolSize: poolSize})
}

// rigOptions vary a rig from newRig's.
type rigOptions struct {
	poolSize int                // see rig.poolSize
	limits   discordtest.Limits // the fake's rate limits
	pacer    *bot.Pacer         // the adapter's pacer (none by default)
	// answerWithin is the adapter's AnswerWithin (0: the default).
	answerWithin time.Duration
}

// newRigWith is newRig with opts.
func newRigWith(t *testing.T, st *core.Store, opts rigOptions) *rig {
	t.Helper()
	srv := discordtest.Start(t, discordtest.Config{HeartbeatInterval: 200 * time.Millisecond, Limits: opts.limits})
	r := &rig{srv: srv, st: st, slack: &slackRec{}, seed: srv.Seed(), poolSize: opts.poolSize, pacer: opts.pacer, answerWithin: opts.answerWithin}
	r.client = r.member(t, "carol")
	var err error
	r.clientUser, err = st.CreateUser(context.Background(), core.NewUser{Login: "carol", Name: "Carol Client", Role: core.RoleClient, DiscordID: r.client.ID})
	if err != nil {
		t.Fatal(err)
	}
	r.staff, err = st.CreateUser(context.Background(), core.NewUser{Login: "sam", Name: "Sam Staff", Role: core.RoleStaff, SlackID: "U0STAFF1"})
	if err != nil {
		t.Fatal(err)
	}
	r.startAdapter(t)
	r.startWorker(t)
	return r
}

// member adds a Discord user to the guild.
func (r *rig) member(t *testing.T, name string) *discordgo.User {
	t.Helper()
	u := r.srv.AddUser(name)
	if err := r.srv.AddMember(r.seed.GuildID, u.ID); err != nil {
		t.Fatal(err)
	}
	return u
}

// startAdapter runs a new adapter (a fresh process's) until stopAdapter.
func (r *rig) startAdapter(t *testing.T) {
	t.Helper()
	r.relay = &bot.Relay{Store: r.st, Log: testLog(), SlackChannel: "CSTAFF", DiscordChannel: r.seed.ChannelID, DiscordChannels: r.supports, DiscordWebhooks: r.poolSize}
	ad, err := discord.New(discord.Config{Token: r.srv.Token(), GuildID: r.seed.GuildID, SupportChannel: r.seed.ChannelID,
		SupportChannels: r.supports, APIURL: r.srv.URL(), Pacer: r.pacer, AnswerWithin: r.answerWithin}, r.relay, testLog())
	if err != nil {
		t.Fatal(err)
	}
	r.ad = ad
	// A running worker keeps delivering (a restarted adapter beside
	// it); otherwise the next one is made now, sending through ad.
	if r.workerRuns {
		r.relay.Outbox = r.worker
	} else {
		w := outbox.NewWorker(r.st, testLog(), r.slack, ad)
		w.Register(completionHooksOnly(r.relay)...)
		w.Poll = 100 * time.Millisecond
		r.next = w
		r.relay.Outbox = w
	}
	before := r.srv.GatewayStats().Identifies
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	closers.Add(1)
	go func() {
		defer closers.Done()
		defer close(done)
		if err := ad.Run(ctx); err != nil {
			t.Errorf("adapter: %v", err)
		}
	}()
	var once sync.Once
	r.stopAdapter = func() {
		once.Do(func() {
			cancel()
			// Once the fake has seen the close frame, discordgo holds its
			// lock until closed, so nothing reconnects; Run ends later.
			r.srv.WaitFor(func() bool { return !r.srv.GatewayStats().Connected }, 3*time.Second)
		})
	}
	t.Cleanup(r.stopAdapter)
	ok := r.srv.WaitFor(func() bool {
		st := r.srv.GatewayStats()
		return st.Identifies > before && st.Heartbeats > 0 && len(r.srv.Commands(r.seed.GuildID)) == 3
	}, waitTimeout)
	if !ok {
		t.Fatalf("adapter did not connect and register commands: %+v", r.srv.GatewayStats())
	}
}

// startWorker runs the delivery worker the last startAdapter made (the
// relay's Outbox) until stopWorker.
func (r *rig) startWorker(t *testing.T) {
	t.Helper()
	if r.next == nil {
		t.Fatal("startWorker needs a startAdapter before it")
	}
	w := r.next
	r.next = nil
	r.worker = w
	r.workerRuns = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	var once sync.Once
	r.stopWorker = func() {
		once.Do(func() {
			cancel()
			<-done
			r.workerRuns = false
		})
	}
	t.Cleanup(r.stopWorker)
}

// eventually polls cond (database and fake state together) until it
// holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// idle waits until nothing is pending in the outbox.
func (r *rig) idle(t *testing.T) {
	t.Helper()
	eventually(t, "an idle outbox", func() bool {
		s, err := r.st.OutboxStats(context.Background())
		return err == nil && s.Pending == 0
	})
}

// say posts a message as a Discord user.
func (r *rig) say(t *testing.T, channelID, authorID, text string) *discordgo.Message {
	t.Helper()
	m, err := r.srv.SendUserMessage(discordtest.UserMessage{ChannelID: channelID, AuthorID: authorID, Content: text})
	if err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
	return m
}

// sayStored posts a message as a Discord user and waits until the relay
// stored it and its deliveries went out.
func (r *rig) sayStored(t *testing.T, channelID, authorID, text string) *discordgo.Message {
	t.Helper()
	m := r.say(t, channelID, authorID, text)
	eventually(t, "message "+m.ID+" stored", func() bool {
		_, err := r.st.MessageBySource(context.Background(), core.PlatformDiscord, m.ID)
		return err == nil
	})
	r.idle(t)
	return m
}

// openBySlash opens a ticket with /ticket and waits for its thread.
func (r *rig) openBySlash(t *testing.T, subject, visibility string) (*core.Ticket, string) {
	t.Helper()
	opts := []*discordgo.ApplicationCommandInteractionDataOption{{Name: "subject", Type: discordgo.ApplicationCommandOptionString, Value: subject}}
	if visibility != "" {
		opts = append(opts, &discordgo.ApplicationCommandInteractionDataOption{Name: "visibility", Type: discordgo.ApplicationCommandOptionString, Value: visibility})
	}
	in, err := r.srv.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: r.seed.ChannelID, UserID: r.client.ID, Name: "ticket", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := r.answer(t, in.ID)
	return r.waitThread(t, text)
}

// answer waits for the answer to interaction id as its invoker reads it
// (at once, or deferred and then edited in).
func (r *rig) answer(t *testing.T, id string) (string, discordgo.MessageFlags) {
	t.Helper()
	var text string
	var flags discordgo.MessageFlags
	ok := r.srv.WaitFor(func() bool {
		rec, _ := r.srv.Interaction(id)
		var ok bool
		text, flags, ok = rec.Answer()
		return ok
	}, waitTimeout)
	if !ok {
		t.Fatalf("interaction %s got no answer", id)
	}
	return text, flags
}

// waitThread waits for the newest ticket's Discord thread and the
// welcome in it.
func (r *rig) waitThread(t *testing.T, context_ string) (*core.Ticket, string) {
	t.Helper()
	var tk *core.Ticket
	eventually(t, "the ticket's threads ("+context_+")", func() bool {
		ts, err := r.st.ListTickets(context.Background(), core.TicketFilter{Limit: 1})
		if err != nil || len(ts) == 0 || ts[0].DiscordThreadID == nil || ts[0].SlackThreadTS == nil {
			return false
		}
		tk = ts[0]
		return true
	})
	r.idle(t)
	return tk, *tk.DiscordThreadID
}

// staffSays relays a Slack reply in the ticket's thread as the Slack
// adapter would.
func (r *rig) staffSays(t *testing.T, tk *core.Ticket, ts, text string) bot.Result {
	t.Helper()
	cur, err := r.st.Ticket(context.Background(), tk.ID)
	if err != nil || cur.SlackThreadTS == nil {
		t.Fatalf("ticket without Slack thread: %v", err)
	}
	res, err := r.relay.Inbound(context.Background(), bot.InboundMessage{
		Platform: core.PlatformSlack, SourceID: ts, ChannelID: *cur.SlackChannelID, ThreadID: *cur.SlackThreadTS,
		AuthorPlatformID: "U0STAFF1", AuthorName: "Sam Staff", AvatarURL: "https://avatars.test/sam.png", Text: text,
	})
	if err != nil || res.Outcome != bot.Stored {
		t.Fatalf("staff reply %q: %v %v", text, res.Outcome, err)
	}
	return res
}

// webhookTexts returns the contents of webhook posts in a thread.
func (r *rig) webhookTexts(threadID string) []string {
	var out []string
	for _, m := range r.srv.Messages(threadID) {
		if m.WebhookID != "" {
			out = append(out, m.Content)
		}
	}
	return out
}

// storedTexts returns the bodies of a ticket's stored messages from a
// platform, in order.
func (r *rig) storedTexts(t *testing.T, ticketID int64, platform string) []string {
	t.Helper()
	ms, err := r.st.TicketMessages(context.Background(), ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.SourcePlatform == platform {
			out = append(out, m.Body)
		}
	}
	return out
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
