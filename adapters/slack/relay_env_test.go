package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// relayEnv is the Slack adapter wired to the relay on a real database,
// served over HTTP to a fake Slack, with one open ticket whose Slack thread
// exists.
type relayEnv struct {
	t       *testing.T
	st      *core.Store
	fake    *slacktest.Server
	a       *Adapter
	relay   *bot.Relay
	ui      *fakeUI
	staffCh string
	staff   slacktest.User // registered staff
	other   slacktest.User // not registered
	ticket  *core.Ticket
	cardTS  string
	srv     *httptest.Server
}

// fakeUI records what the adapter hands to the bot's router.
type fakeUI struct {
	actions chan string
}

func (f *fakeUI) Command(ctx context.Context, a bot.Actor, text string) bot.Reply {
	return bot.Reply{Text: "pong: " + text}
}

func (f *fakeUI) Action(ctx context.Context, a bot.Actor, action, value string) bot.Reply {
	f.actions <- action + "=" + value
	return bot.Reply{}
}

func (f *fakeUI) Submit(ctx context.Context, a bot.Actor, formID, meta string, values map[string][]string) bot.FormResult {
	return bot.FormResult{}
}

func (f *fakeUI) LocaleOf(ctx context.Context, a bot.Actor) i18n.Locale { return i18n.EN }

func newRelayEnv(t *testing.T, st *core.Store, cfgs ...func(*Config)) *relayEnv {
	t.Helper()
	return newRelayEnvWith(t, st, func(*slacktest.Config) {}, cfgs...)
}

// newRelayEnvWith is newRelayEnv with the fake Slack's configuration
// adjusted by fake (its scopes, say).
func newRelayEnvWith(t *testing.T, st *core.Store, fake func(*slacktest.Config), cfgs ...func(*Config)) *relayEnv {
	t.Helper()
	ctx := context.Background()
	e := &relayEnv{t: t, st: st, ui: &fakeUI{actions: make(chan string, 10)}}
	fcfg := slacktest.Config{WaitTimeout: 15 * time.Second}
	fake(&fcfg)
	e.fake = slacktest.New(t, fcfg)
	e.staff = e.fake.State().AddUser(slacktest.User{ID: "U0STAFF01", Name: "sam", RealName: "Sam Staff"})
	e.other = e.fake.State().AddUser(slacktest.User{ID: "U0OTHER01", Name: "oz"})
	e.staffCh = e.fake.State().AddChannel(slacktest.Channel{Name: "staff", Members: []string{e.staff.ID, e.other.ID}}).ID

	fc := e.fake.Config()
	cfg := Config{BotToken: fc.BotToken, SigningSecret: fc.SigningSecret, StaffChannel: e.staffCh,
		APIURL: e.fake.APIURL(), PublicURL: "http://jayaya.test"}
	for _, f := range cfgs {
		f(&cfg)
	}
	log := slog.New(slog.DiscardHandler)
	e.a = New(cfg, st, e.ui, log)
	e.relay = &bot.Relay{Store: st, Log: log, SlackChannel: e.staffCh, DiscordChannel: "D0SUPPORT"}
	e.a.SetRelay(e.relay)
	r := chi.NewRouter()
	e.a.Routes(r)
	e.a.FileRoutes(r)
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	e.fake.SetProductURL(e.srv.URL)
	e.a.cfg.PublicURL = e.srv.URL

	if _, err := st.CreateUser(ctx, core.NewUser{Login: "sam", Name: "Sam Staff", Role: core.RoleStaff, SlackID: e.staff.ID}); err != nil {
		t.Fatal(err)
	}
	client, err := st.CreateUser(ctx, core.NewUser{Login: "carl", Name: "Carl Client", Role: core.RoleClient, DiscordID: "111111111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ticket, err = st.OpenTicket(ctx, client, "Printer on fire", ""); err != nil {
		t.Fatal(err)
	}
	// The card, as slack.open_thread posts it.
	e.cardTS, err = e.a.Deliver(ctx, e.delivery(bot.KindSlackOpenThread, bot.SlackOpenThreadPayload{TicketID: e.ticket.ID, Channel: e.staffCh}))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetTicketThreads(ctx, nil, e.ticket.ID, "222222222222222222", e.staffCh, e.cardTS); err != nil {
		t.Fatal(err)
	}
	return e
}

// delivery builds an outbox row of kind with payload, as the worker hands
// it over on a first attempt.
func (e *relayEnv) delivery(kind string, payload any) *core.Delivery {
	b, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	id := e.nextID()
	return &core.Delivery{ID: id, Stream: bot.TicketStream(e.ticket.ID, core.PlatformSlack), Kind: kind,
		Platform: core.PlatformSlack, Payload: string(b), Status: core.DeliveryPending, Attempts: 1, CreatedAt: time.Now()}
}

var deliverySeq atomic.Int64

// nextID numbers hand-made deliveries far above the database's own, so
// that their metadata never matches a delivery the worker sends.
func (e *relayEnv) nextID() int64 { return 1<<40 + deliverySeq.Add(1) }

// key is how the relay identifies a staff channel message (core.SourceKey).
func (e *relayEnv) key(ts string) string { return core.SourceKey(core.PlatformSlack, e.staffCh, ts) }

// messages returns the ticket's stored messages.
func (e *relayEnv) messages() []*core.Message {
	e.t.Helper()
	ms, err := e.st.TicketMessages(context.Background(), e.ticket.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// deliveryKinds returns the kinds of the ticket's outbox rows, in order.
func (e *relayEnv) deliveryKinds() []string {
	e.t.Helper()
	ds, err := e.st.TicketDeliveries(context.Background(), e.ticket.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Kind)
	}
	return out
}
