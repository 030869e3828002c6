package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// The ticket relay end to end: the whole jayaya binary (run "serve",
// in-process) between the fake Slack and the fake Discord, on a real
// database. Tests act as Slack staff and Discord clients through the fakes
// and read the final state of both workspaces.

// waitTimeout bounds every wait for the relay's asynchronous work.
const waitTimeout = 20 * time.Second

// relayWorld is one fake Slack workspace, one fake Discord guild, one
// database and the jayaya process relaying between them.
type relayWorld struct {
	t      testing.TB
	engine string
	// unlimited: the fakes' rate limits are off, and so is pacing.
	unlimited bool
	slack     *slacktest.Server
	discord   *discordtest.Server
	st        *core.Store // the test's own connection, to set up and inspect
	dbURL     string

	staffCh string // SLACK_STAFF_CHANNEL
	support string // DISCORD_SUPPORT_CHANNEL
	guild   string

	staff    slacktest.User  // registered staff
	stranger slacktest.User  // a Slack member not registered
	client   *discordgo.User // registered client, of Acme
	outsider *discordgo.User // a guild member not registered
	slackAPI *slackProxy     // a pass-through to the fake Slack, used as SLACK_API_URL when viaProxy
	viaProxy bool
	proc     *jayayaProcess // the running product
	staffU   *core.User     // staff's JayayaCRM user
	clientU  *core.User     // client's JayayaCRM user
	pubURL   string         // JAYAYA_PUBLIC_URL = where the product listens
	mu       sync.Mutex
	extraEnv map[string]string
}

// newRelayWorld builds the world on engine and starts jayaya serve.
func newRelayWorld(t testing.TB, engine string) *relayWorld {
	t.Helper()
	w := setupRelayWorld(t, engine)
	w.proc = w.start(w.dbURL)
	return w
}

// setupRelayWorld builds the world on engine without starting jayaya,
// with the fakes enforcing the platforms' rate limits.
func setupRelayWorld(t testing.TB, engine string) *relayWorld {
	t.Helper()
	return setupRelayWorldWith(t, engine, false)
}

// setupRelayWorldWith is setupRelayWorld, with the fakes' rate limits
// switched off when unlimited (and the product's pacing with them).
func setupRelayWorldWith(t testing.TB, engine string, unlimited bool) *relayWorld {
	t.Helper()
	w := &relayWorld{t: t, engine: engine, unlimited: unlimited}
	w.slack = slacktest.New(t, slacktest.Config{WaitTimeout: waitTimeout, CallbackTimeout: 15 * time.Second, Unlimited: unlimited})
	w.discord = discordtest.Start(t, discordtest.Config{HeartbeatInterval: 500 * time.Millisecond, Unlimited: unlimited})
	w.slackAPI = newSlackProxy(t, w.slack.URL())

	switch engine {
	case core.EnginePostgres:
		w.dbURL = coretest.NewPostgresDatabase(t, true)
	default:
		w.dbURL = "sqlite://" + t.TempDir() + "/relay.db"
	}
	var err error
	ctx := context.Background()
	if w.st, err = core.Open(ctx, w.dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.st.Close() })
	if _, err := w.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	// Slack: the staff channel with a registered staff member and a
	// stranger.
	w.staff = w.slack.State().AddUser(slacktest.User{ID: "U0STAFF01", Name: "sam", RealName: "Sam Staff"})
	w.stranger = w.slack.State().AddUser(slacktest.User{ID: "U0STRANGE", Name: "sid", RealName: "Sid Stranger"})
	w.staffCh = w.slack.State().AddChannel(slacktest.Channel{Name: "support-staff", Members: []string{w.staff.ID, w.stranger.ID}}).ID

	// Discord: the seeded guild and channel, a client and an outsider.
	seed := w.discord.Seed()
	w.guild, w.support = seed.GuildID, seed.ChannelID
	w.client = w.discord.AddUser("carl")
	w.outsider = w.discord.AddUser("olga")
	for _, u := range []*discordgo.User{w.client, w.outsider} {
		if err := w.discord.AddMember(w.guild, u.ID); err != nil {
			t.Fatal(err)
		}
	}

	// JayayaCRM: the staff member, the client and the client's company.
	if w.staffU, err = w.st.CreateUser(ctx, core.NewUser{Login: "sam", Name: "Sam Staff", Role: core.RoleStaff, SlackID: w.staff.ID}); err != nil {
		t.Fatal(err)
	}
	if w.clientU, err = w.st.CreateUser(ctx, core.NewUser{Login: "carl", Name: "Carl Client", Role: core.RoleClient,
		DiscordID: w.client.ID, Email: "carl@acme.test"}); err != nil {
		t.Fatal(err)
	}
	printers, err := w.st.CreateInterest(ctx, "Printers", "#336699")
	if err != nil {
		t.Fatal(err)
	}
	acme, err := w.st.CreateCompany(ctx, core.CompanyInput{Name: "Acme Corp", InterestIDs: []int64{printers.ID}})
	if err != nil {
		t.Fatal(err)
	}
	carl, err := w.st.CreatePerson(ctx, core.PersonInput{FirstName: "Carl", LastName: "Client", Email: "carl@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.st.LinkPerson(ctx, acme.ID, carl.ID, "Buyer"); err != nil {
		t.Fatal(err)
	}

	w.pubURL = "http://" + freeAddr(t)
	return w
}

// freeAddr returns a loopback address nobody listens on (for JAYAYA_ADDR,
// so that JAYAYA_PUBLIC_URL can name it before the product starts).
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// env is jayaya's environment, with the database at dbURL.
func (w *relayWorld) env(dbURL string) map[string]string {
	sc := w.slack.Config()
	env := map[string]string{
		"DATABASE_URL":            dbURL,
		"JAYAYA_ADDR":             strings.TrimPrefix(w.pubURL, "http://"),
		"JAYAYA_PUBLIC_URL":       w.pubURL,
		"JAYAYA_LOG_LEVEL":        cmp.Or(os.Getenv("RELAY_E2E_LOG_LEVEL"), "info"),
		"SLACK_BOT_TOKEN":         sc.BotToken,
		"SLACK_SIGNING_SECRET":    sc.SigningSecret,
		"SLACK_STAFF_CHANNEL":     w.staffCh,
		"SLACK_API_URL":           w.slack.APIURL(),
		"DISCORD_BOT_TOKEN":       w.discord.Token(),
		"DISCORD_GUILD_ID":        w.guild,
		"DISCORD_SUPPORT_CHANNEL": w.support,
		"DISCORD_API_URL":         w.discord.URL(),
	}
	if w.unlimited {
		env["JAYAYA_PACING"] = "off"
	}
	if w.viaProxy {
		// Files staff attach keep the fake's own URLs, which slack-go
		// will then not fetch with the token: no attachments through it.
		env["SLACK_API_URL"] = w.slackAPI.URL() + "/api/"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, v := range w.extraEnv {
		env[k] = v
	}
	return env
}

// jayayaProcess is one run of "jayaya serve".
type jayayaProcess struct {
	cancel context.CancelFunc
	done   chan int
	logs   *syncBuffer
	addr   string
}

// start runs jayaya serve on dbURL and waits until it listens and its
// Discord session is ready.
func (w *relayWorld) start(dbURL string) *jayayaProcess {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &jayayaProcess{cancel: cancel, done: make(chan int, 1), logs: &syncBuffer{}}
	env := w.env(dbURL)
	go func() { p.done <- run(ctx, []string{"serve"}, envFunc(env), strings.NewReader(""), io.Discard, p.logs) }()
	w.t.Cleanup(func() { p.stop(w.t) })
	p.addr = waitListening(w.t, p.logs)
	w.slack.SetProductURL("http://" + p.addr)
	w.waitDiscord("the product's gateway session and slash commands", func() bool {
		return w.discord.GatewayStats().Connected && len(w.discord.Commands(w.guild)) > 0
	})
	return p
}

// waitListening waits for the "listening" log line and returns the
// address (waitForAddr, for benchmarks too).
func waitListening(tb testing.TB, logs *syncBuffer) string {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("server never listened: %s", logs.String())
	return ""
}

// stop cancels the run and waits for it to end cleanly (idempotent).
func (p *jayayaProcess) stop(t testing.TB) {
	p.cancel()
	if code, ok := p.wait(t); ok && code != 0 {
		t.Errorf("jayaya serve exited %d:\n%s", code, p.logs.String())
	}
}

// wait waits for the run to end and returns its exit status; ok is false
// when it had ended before (or never ends).
func (p *jayayaProcess) wait(t testing.TB) (code int, ok bool) {
	select {
	case code, ok = <-p.done:
		if ok {
			close(p.done)
		}
		return code, ok
	case <-time.After(30 * time.Second):
		t.Errorf("jayaya serve did not stop:\n%s", p.logs.String())
		return 0, false
	}
}

// waitDiscord waits for cond on the fake Discord, failing the test after
// waitTimeout.
func (w *relayWorld) waitDiscord(what string, cond func() bool) {
	w.t.Helper()
	if !w.discord.WaitFor(cond, waitTimeout) {
		w.t.Fatalf("timed out waiting for %s\nproduct log:\n%s", what, w.proc.logsOrEmpty())
	}
}

func (p *jayayaProcess) logsOrEmpty() string {
	if p == nil {
		return ""
	}
	return p.logs.String()
}

// waitSlack waits for cond on the fake Slack.
func (w *relayWorld) waitSlack(cond func(st *slacktest.State) bool) {
	w.t.Helper()
	w.slack.WaitFor(w.t, cond)
}

// waitDB polls the database (which tells nobody when it changes) until
// cond holds.
func (w *relayWorld) waitDB(what string, cond func(ctx context.Context) bool) {
	w.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(waitTimeout)
	for !cond(ctx) {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s\nproduct log:\n%s", what, w.proc.logsOrEmpty())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ticketSides is a ticket with both its threads open.
type ticketSides struct {
	*core.Ticket
	SlackTS  string // the card's ts, root of the Slack thread
	ThreadID string // the Discord thread
}

// waitTicket waits until ticket number has both threads and returns it.
func (w *relayWorld) waitTicket(number int64) ticketSides {
	w.t.Helper()
	var t *core.Ticket
	w.waitDB(fmt.Sprintf("ticket #%d's threads", number), func(ctx context.Context) bool {
		var err error
		t, err = w.st.TicketByNumber(ctx, number)
		return err == nil && t.SlackThreadTS != nil && t.DiscordThreadID != nil
	})
	return ticketSides{Ticket: t, SlackTS: *t.SlackThreadTS, ThreadID: *t.DiscordThreadID}
}

// slackReplies returns the replies of a ticket's Slack thread (card
// excluded), oldest first.
func (w *relayWorld) slackReplies(ts ticketSides) []slacktest.Message {
	th := w.slack.State().Thread(w.staffCh, ts.SlackTS)
	if len(th) == 0 {
		return nil
	}
	return th[1:]
}

// relayedToSlack returns the texts posted in the Slack thread under an
// author's name (relayed client messages) as "author: text", in order.
func (w *relayWorld) relayedToSlack(ts ticketSides) []string {
	var out []string
	for _, m := range w.slackReplies(ts) {
		if m.BotID != "" && m.Username != "" {
			out = append(out, m.Username+": "+m.Text)
		}
	}
	return out
}

// postLines returns relayed posts ("author: text") as "author: line", one
// per line: the relay sends queued messages of one author as one post, a
// line each, so the messages that arrived are compared line by line.
func postLines(posts []string) []string {
	var out []string
	for _, p := range posts {
		author, text, _ := strings.Cut(p, ": ")
		for _, line := range strings.Split(text, "\n") {
			out = append(out, author+": "+line)
		}
	}
	return out
}

// relayedToDiscord returns the webhook posts in the Discord thread as
// "author: text", in order, leaving out the copy of the client's opening
// message.
func (w *relayWorld) relayedToDiscord(ts ticketSides) []string {
	var out []string
	for _, m := range w.discord.Messages(ts.ThreadID) {
		if m.WebhookID != "" && m.Author.Username != clientName(w.client) {
			out = append(out, m.Author.Username+": "+m.Content)
		}
	}
	return out
}

// clientSays posts a client message in the ticket's Discord thread.
func (w *relayWorld) clientSays(ts ticketSides, text string) *discordgo.Message {
	w.t.Helper()
	m, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: ts.ThreadID, AuthorID: w.client.ID, Content: text})
	if err != nil {
		w.t.Fatalf("client message: %v", err)
	}
	return m
}

// staffSays posts a staff reply in the ticket's Slack thread and delivers
// its event over HTTP; the product must acknowledge it.
func (w *relayWorld) staffSays(ts ticketSides, user, text string, files ...slacktest.UserFile) slacktest.Message {
	w.t.Helper()
	m, d, err := w.slack.HTTP().PostAsUser(context.Background(), slacktest.UserPost{User: user, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: text, Files: files})
	if err != nil {
		w.t.Fatalf("staff reply: %v", err)
	}
	if !d.OK() || d.Late() {
		w.t.Fatalf("event answered %d in %s", d.Status, d.Duration)
	}
	return m
}

// openByMessage has the client open a ticket by writing in the support
// channel and waits for both threads.
func (w *relayWorld) openByMessage(number int64, text string) ticketSides {
	w.t.Helper()
	if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: w.client.ID, Content: text}); err != nil {
		w.t.Fatal(err)
	}
	return w.waitTicket(number)
}

// hasReaction reports whether the bot reacted name on a Slack message.
func hasReaction(m slacktest.Message, name string) bool {
	return slices.Contains(m.Reactions[name], "U0FAKEBOT")
}

// discordReacted reports whether a Discord message carries emoji from the
// bot.
func discordReacted(m *discordgo.Message, emoji string) bool {
	for _, r := range m.Reactions {
		if r.Emoji != nil && r.Emoji.Name == emoji && r.Me {
			return true
		}
	}
	return false
}
