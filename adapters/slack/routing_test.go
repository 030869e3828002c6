package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
	"github.com/jayaya/jayayacrm/core/outbox/outboxtest"
)

// TestCheckPostable: through slack-go against the fake Slack, a channel
// the bot is in passes; a public one it is not in is joined; unknown,
// archived, private-without-the-bot and direct conversations are refused
// with a message naming the problem; Slack is never asked to join a
// channel it cannot.
func TestCheckPostable(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		fs := e.fake.State()
		bot := e.fake.Config().BotUserID
		add := func(name string, private, archived, member bool) string {
			c := fs.AddChannel(slacktest.Channel{Name: name, IsPrivate: private, Archived: archived, Members: []string{e.staff.ID}})
			if !member {
				if err := fs.Leave(c.ID, bot); err != nil {
					t.Fatal(err)
				}
			}
			return c.ID
		}
		member := add("billing", false, false, true)
		public := add("tech", false, false, false)
		archived := add("old", false, true, true)
		private := add("vip", true, false, false)
		privateIn := add("vip-in", true, false, true)
		dm, err := fs.OpenDM(e.staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, id, want, refusal string
		}{
			{"member", member, "billing", ""},
			{"public, joined", public, "tech", ""},
			{"private with the bot", privateIn, "vip-in", ""},
			{"unknown", "C0NOSUCH", "", "Slack has no channel C0NOSUCH that the bot can see"},
			{"archived", archived, "", "#old is archived"},
			{"private without the bot", private, "", "Slack has no channel " + private + " that the bot can see"},
			{"direct conversation", dm.ID, "", "is a direct conversation"},
		}
		for _, c := range cases {
			name, err := e.a.CheckPostable(context.Background(), c.id)
			if c.refusal == "" {
				if err != nil || name != c.want {
					t.Errorf("%s: %q, %v; want %q", c.name, name, err, c.want)
				}
				continue
			}
			if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), c.refusal) {
				t.Errorf("%s: %v, want EINVALID saying %q", c.name, err, c.refusal)
			}
		}
		if ch, _ := fs.Channel(public); !slices.Contains(ch.Members, bot) {
			t.Error("the bot did not join the public channel it was checked in")
		}
		var joined []string
		for _, c := range fs.Calls("conversations.join") {
			joined = append(joined, c.Params.Get("channel"))
		}
		if !slices.Equal(joined, []string{public}) {
			t.Errorf("conversations.join called for %v, want only %s", joined, public)
		}

		// Through core: a refused channel saves no rule.
		st.SlackChannels = e.a
		ctx := context.Background()
		if _, err := st.CreateInterest(ctx, "Billing", "#112233"); err != nil {
			t.Fatal(err)
		}
		_, err = st.CreateRoutingRuleAs(ctx, core.Actor{}, core.RoutingRuleInput{Interest: "Billing", SlackChannel: archived})
		if core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("rule to an archived channel: %v", err)
		}
		if rules, _ := st.ListRoutingRules(ctx); len(rules) != 0 {
			t.Fatalf("a refused rule was saved: %+v", rules[0])
		}
		r, err := st.CreateRoutingRuleAs(ctx, core.Actor{}, core.RoutingRuleInput{Interest: "Billing", SlackChannel: member})
		if err != nil || r.SlackChannelName != "billing" {
			t.Fatalf("rule to a good channel: %+v, %v", r, err)
		}
	})
}

// routingRig runs the relay's Slack side on the fake Slack: the adapter
// as the outbox's Slack sender, Discord off, and a rule sending Henri's
// company's tickets to its own channel.
type routingRig struct {
	*relayEnv
	worker   *outbox.Worker
	metrics  *bot.Metrics
	keyCh    string
	henri    *core.User
	openedBy string
}

func newRoutingRig(t *testing.T, st *core.Store) *routingRig {
	t.Helper()
	r := newIdleRoutingRig(t, st)
	r.worker = outbox.NewWorker(st, slog.New(slog.DiscardHandler), r.a)
	r.worker.Register(r.relay.Kinds()...)
	r.worker.NoListen = true
	r.relay.Outbox = r.worker
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.worker.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// newIdleRoutingRig is newRoutingRig without a delivery worker: the
// relay only queues, and the test sends by hand.
func newIdleRoutingRig(t *testing.T, st *core.Store) *routingRig {
	t.Helper()
	ctx := context.Background()
	r := &routingRig{relayEnv: newRelayEnv(t, st), metrics: bot.NewMetrics(nil)}
	r.relay.DiscordChannel = "" // Slack only
	r.relay.Outbox = nil
	r.a.Metrics = r.metrics
	r.keyCh = r.fake.State().AddChannel(slacktest.Channel{Name: "key-accounts", Members: []string{r.staff.ID}}).ID
	st.SlackChannels = r.a
	co, err := st.CreateCompany(ctx, core.CompanyInput{Name: "Dupont & Fils"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "Henri", Email: "henri@dupont.example", Companies: []core.PersonLink{{CompanyID: co.ID}}}); err != nil {
		t.Fatal(err)
	}
	if r.henri, err = st.CreateUser(ctx, core.NewUser{Login: "henri", Name: "Henri Dupont", Role: core.RoleClient,
		Email: "henri@dupont.example", DiscordID: "555555555555555555"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateRoutingRuleAs(ctx, core.Actor{}, core.RoutingRuleInput{Company: "Dupont & Fils", SlackChannel: r.keyCh}); err != nil {
		t.Fatal(err)
	}
	return r
}

// open opens a ticket for Henri with /ticket and waits until its Slack
// thread exists.
func (r *routingRig) open(t *testing.T, subject string) *core.Ticket {
	t.Helper()
	res, err := r.relay.OpenTicket(context.Background(), bot.InboundOpen{Platform: core.PlatformDiscord,
		ClientPlatformUserID: "555555555555555555", Subject: subject})
	if err != nil || res.Outcome != bot.Stored {
		t.Fatalf("open: %v %v", res.Outcome, err)
	}
	outboxtest.WaitIdle(t, r.st)
	tk, err := r.st.Ticket(context.Background(), res.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.SlackThreadTS == nil {
		t.Fatalf("ticket #%d has no Slack thread", tk.Number)
	}
	return tk
}

// card returns the root message of a ticket's thread, and the text of
// its blocks.
func (r *routingRig) card(t *testing.T, tk *core.Ticket) (slacktest.Message, string) {
	t.Helper()
	m, ok := r.fake.State().Message(*tk.SlackChannelID, *tk.SlackThreadTS)
	if !ok {
		t.Fatalf("no card at %s/%s", *tk.SlackChannelID, *tk.SlackThreadTS)
	}
	return m, cardText(t, m.Blocks)
}

// cardText is the text of a card's facts and context blocks.
func cardText(t *testing.T, raw []byte) string {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs.BlockSet {
		switch b := b.(type) {
		case *slack.SectionBlock:
			for _, f := range b.Fields {
				out = append(out, f.Text)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if txt, ok := e.(*slack.TextBlockObject); ok {
					out = append(out, txt.Text)
				}
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestRoutedTicketOpensInItsChannel: a ticket its rule routes opens in
// the rule's channel, its card says so, and a staff reply in that
// channel's thread is relayed.
func TestRoutedTicketOpensInItsChannel(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRoutingRig(t, st)
		tk := r.open(t, "Invoice missing")
		if *tk.SlackChannelID != r.keyCh || tk.SlackFallbackFrom != nil {
			t.Fatalf("ticket in %s (fallback %v), want %s", *tk.SlackChannelID, tk.SlackFallbackFrom, r.keyCh)
		}
		_, blocks := r.card(t, tk)
		if !strings.Contains(blocks, "<#"+r.keyCh+">") || strings.Contains(blocks, "Routed to") {
			t.Errorf("card blocks %s: want the channel and no routing warning", blocks)
		}
		before := len(r.messagesOf(t, tk))
		_, d, err := r.fake.HTTP().PostAsUser(context.Background(), slacktest.UserPost{User: r.staff.ID, Channel: r.keyCh, ThreadTS: *tk.SlackThreadTS, Text: "On it"})
		if err != nil || !d.OK() {
			t.Fatalf("reply: %v %+v", err, d)
		}
		if ms := r.messagesOf(t, tk); len(ms) != before+1 || ms[len(ms)-1].Body != "On it" {
			t.Fatalf("the reply in the routed channel was not stored: %+v", ms)
		}
	})
}

func (r *routingRig) messagesOf(t *testing.T, tk *core.Ticket) []*core.Message {
	t.Helper()
	ms, err := r.st.TicketMessages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestRoutedChannelGone: when the routed channel was archived, left by
// the bot or deleted after its rule was made, the ticket opens once, in
// the default channel; the card says why, /metrics counts it, and the
// ticket stays there.
func TestRoutedChannelGone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		break_ func(fs *slacktest.State, ch, bot string) error
		reason string
		says   string
	}{
		{"archived", func(fs *slacktest.State, ch, _ string) error { return fs.ArchiveChannel(ch) }, bot.FallbackArchived, "it is archived"},
		{"bot removed", func(fs *slacktest.State, ch, bot string) error { return fs.Leave(ch, bot) }, bot.FallbackNotInChannel, "the bot is not a member of it"},
		{"deleted", func(fs *slacktest.State, ch, _ string) error { return fs.DeleteChannel(ch) }, bot.FallbackNotFound, "it was not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
				r := newRoutingRig(t, st)
				if err := c.break_(r.fake.State(), r.keyCh, r.fake.Config().BotUserID); err != nil {
					t.Fatal(err)
				}
				tk := r.open(t, "Invoice missing")
				if *tk.SlackChannelID != r.staffCh || tk.SlackFallbackFrom == nil || *tk.SlackFallbackFrom != r.keyCh {
					t.Fatalf("ticket in %s, fallback from %v; want %s from %s", *tk.SlackChannelID, tk.SlackFallbackFrom, r.staffCh, r.keyCh)
				}
				_, blocks := r.card(t, tk)
				if !strings.Contains(blocks, "Routed to <#"+r.keyCh+">") || !strings.Contains(blocks, c.says) {
					t.Errorf("card blocks %s: want it to say why (%s)", blocks, c.says)
				}
				if n := counterValue(t, r.metrics, "jayaya_routing_fallbacks_total", "reason", c.reason); n != 1 {
					t.Errorf("fallbacks{reason=%s} = %v, want 1", c.reason, n)
				}
				cards := 0
				for _, ch := range []string{r.staffCh, r.keyCh} {
					for _, m := range r.fake.State().Messages(ch) {
						if m.ThreadTS == "" && m.BotID != "" {
							cards++
						}
					}
				}
				if cards != 2 { // the setup's ticket and this one
					t.Errorf("%d cards posted, want 2 (one per ticket)", cards)
				}
			})
		})
	}
}

// counterValue reads one labelled counter from m's registry.
func counterValue(t *testing.T, m *bot.Metrics, name, label, value string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return s.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no series %s{%s=%q}", name, label, value)
	return 0
}

// TestRoutedFallbackRetried: a slack.open_thread whose routed channel was
// archived, tried again after its success went unrecorded (a crash
// between the post and the record), finds its card in the default
// channel: the ticket gets one card, the archived channel is not tried
// again, and the fallback is counted once.
func TestRoutedFallbackRetried(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newIdleRoutingRig(t, st)
		if err := r.fake.State().ArchiveChannel(r.keyCh); err != nil {
			t.Fatal(err)
		}
		res, err := r.relay.OpenTicket(ctx, bot.InboundOpen{Platform: core.PlatformDiscord, ClientPlatformUserID: "555555555555555555", Subject: "Invoice"})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := st.TicketDeliveries(ctx, res.Ticket.ID)
		if err != nil || len(ds) != 1 || ds[0].Kind != bot.KindSlackOpenThread {
			t.Fatalf("deliveries %+v, %v", ds, err)
		}
		d := ds[0]
		d.Attempts = 1
		first, err := r.a.Deliver(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		posts := len(r.fake.State().Calls("chat.postMessage"))
		d.Attempts = 2
		again, err := r.a.Deliver(ctx, d)
		if err != nil || again != first {
			t.Fatalf("retry: %q, %v; want the first card %q", again, err, first)
		}
		if n := len(r.fake.State().Calls("chat.postMessage")); n != posts {
			t.Fatalf("the retry posted %d more times", n-posts)
		}
		for _, c := range r.fake.State().Calls("conversations.history") {
			if c.Params.Get("channel") == r.keyCh {
				t.Fatal("the retry looked in the archived channel again")
			}
		}
		if n := counterValue(t, r.metrics, "jayaya_routing_fallbacks_total", "reason", bot.FallbackArchived); n != 1 {
			t.Fatalf("fallbacks = %v, want 1", n)
		}
	})
}

// TestChannelRefRendered: a channel reference in the bot's text becomes a
// channel link; nothing else shaped like one does (a label, a ping, a
// user, a bad ID stay escaped).
func TestChannelRefRendered(t *testing.T) {
	cases := map[string]string{
		"in " + bot.ChannelRef("C0BILLING"): "in <#C0BILLING>",
		"<#C0BILLING|billing>":              "&lt;#C0BILLING|billing&gt;",
		"<#c0lower>":                        "&lt;#c0lower&gt;",
		"<!channel> <@U0ADMIN>":             "&lt;!channel&gt; &lt;@U0ADMIN&gt;",
		"<#C0A><#G0B>":                      "<#C0A><#G0B>",
	}
	for in, want := range cases {
		if got := mrkdwn(in); got != want {
			t.Errorf("mrkdwn(%q) = %q, want %q", in, got, want)
		}
	}
}
