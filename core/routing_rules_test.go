package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// channelChecker stands in for Slack in core's tests (the real check, the
// Slack adapter's through slack-go against the fake Slack, is tested
// there): channels in refuse are refused with that message; the others
// are accepted and named after their ID. It counts the checks.
type channelChecker struct {
	refuse map[string]string
	calls  []string
}

func (c *channelChecker) CheckPostable(_ context.Context, id string) (string, error) {
	c.calls = append(c.calls, id)
	if msg, ok := c.refuse[id]; ok {
		return "", core.Errorf(core.EINVALID, "%s", msg)
	}
	return "ch-" + strings.ToLower(id), nil
}

var admin = core.Actor{RemoteAddr: "192.0.2.1"}

// routingWorld is a client of Dupont (interests Billing, Tech) and of
// nothing else, with the rule checker set.
type routingWorld struct {
	st                *core.Store
	check             *channelChecker
	client            *core.User
	dupont, acme      *core.Company
	billing, tech, hr *core.Interest
}

func newRoutingWorld(t *testing.T, st *core.Store) *routingWorld {
	t.Helper()
	ctx := context.Background()
	w := &routingWorld{st: st, check: &channelChecker{refuse: map[string]string{}}}
	st.SlackChannels = w.check
	var err error
	for _, p := range []struct {
		in   **core.Interest
		name string
	}{{&w.billing, "Billing"}, {&w.tech, "Tech"}, {&w.hr, "HR"}} {
		if *p.in, err = st.CreateInterest(ctx, p.name, "#112233"); err != nil {
			t.Fatal(err)
		}
	}
	if w.dupont, err = st.CreateCompany(ctx, core.CompanyInput{Name: "Dupont & Fils", InterestIDs: []int64{w.tech.ID, w.billing.ID}}); err != nil {
		t.Fatal(err)
	}
	if w.acme, err = st.CreateCompany(ctx, core.CompanyInput{Name: "Acme", InterestIDs: []int64{w.hr.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "Henri", LastName: "Dupont", Email: "Henri@Dupont.example",
		Companies: []core.PersonLink{{CompanyID: w.dupont.ID}}}); err != nil {
		t.Fatal(err)
	}
	if w.client, err = st.CreateUser(ctx, core.NewUser{Login: "henri", Name: "Henri", Role: core.RoleClient, Email: "henri@dupont.example"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *routingWorld) rule(t *testing.T, in core.RoutingRuleInput) *core.RoutingRule {
	t.Helper()
	r, err := w.st.CreateRoutingRuleAs(context.Background(), admin, in)
	if err != nil {
		t.Fatalf("create rule %+v: %v", in, err)
	}
	return r
}

// open opens a ticket for the world's client from Discord channel
// discord, routed as slack says, and returns it with its route.
func (w *routingWorld) open(t *testing.T, user *core.User, discord string, slack *core.SlackRouting) (*core.Ticket, core.TicketRoute) {
	t.Helper()
	tk, route, err := w.tryOpen(user, discord, slack)
	if err != nil {
		t.Fatal(err)
	}
	return tk, route
}

// tryOpen is open for another goroutine than the test's.
func (w *routingWorld) tryOpen(user *core.User, discord string, slack *core.SlackRouting) (*core.Ticket, core.TicketRoute, error) {
	var tk *core.Ticket
	var route core.TicketRoute
	err := w.st.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		if tk, err = w.st.OpenTicketTx(ctx, tx, user, "Help", ""); err != nil {
			return err
		}
		route, err = w.st.RouteTicketTx(ctx, tx, tk, user, discord, slack)
		return err
	})
	return tk, route, err
}

// TestRoutingRuleBadInput: each bad rule is refused with the field at
// fault, and nothing is saved; Slack is not asked about a rule refused
// for its own reasons.
func TestRoutingRuleBadInput(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		w := newRoutingWorld(t, st)
		w.check.refuse["C0ARCHIVED"] = "Slack channel #old is archived."
		w.rule(t, core.RoutingRuleInput{Company: "Acme", SlackChannel: "C0ACME"})
		w.check.calls = nil
		cases := []struct {
			name  string
			in    core.RoutingRuleInput
			code  string
			field string
			asked bool // the checker was asked
		}{
			{"nothing matched", core.RoutingRuleInput{SlackChannel: "C0X"}, core.EINVALID, "kind", false},
			{"two things matched", core.RoutingRuleInput{Company: "Acme", Interest: "Tech", SlackChannel: "C0X"}, core.EINVALID, "kind", false},
			{"no channel", core.RoutingRuleInput{Interest: "Tech"}, core.EINVALID, "slack_channel", false},
			{"channel not an ID", core.RoutingRuleInput{Interest: "Tech", SlackChannel: "#support"}, core.EINVALID, "slack_channel", false},
			{"unknown company", core.RoutingRuleInput{Company: "Nobody Inc", SlackChannel: "C0X"}, core.EINVALID, "company", false},
			{"unknown interest", core.RoutingRuleInput{Interest: "Wine", SlackChannel: "C0X"}, core.EINVALID, "interest", false},
			{"bad discord id", core.RoutingRuleInput{DiscordChannel: "general", SlackChannel: "C0X"}, core.EINVALID, "discord_channel", false},
			{"not a support channel", core.RoutingRuleInput{DiscordChannel: "100000000000000009", SlackChannel: "C0X",
				SupportChannels: []string{"100000000000000001"}}, core.EINVALID, "discord_channel", false},
			{"company ruled already", core.RoutingRuleInput{Company: "ACME", SlackChannel: "C0OTHER"}, core.ECONFLICT, "company", false},
			{"control character", core.RoutingRuleInput{Company: "Ac\x00me", SlackChannel: "C0X"}, core.EINVALID, "company", false},
			{"channel refused by Slack", core.RoutingRuleInput{Interest: "Tech", SlackChannel: "C0ARCHIVED"}, core.EINVALID, "slack_channel", true},
		}
		for _, c := range cases {
			w.check.calls = nil
			_, err := st.CreateRoutingRuleAs(ctx, admin, c.in)
			wantCode(t, err, c.code)
			var e *core.Error
			if !errors.As(err, &e) || e.Field != c.field {
				t.Errorf("%s: error %v, want field %q", c.name, err, c.field)
			}
			if asked := len(w.check.calls) > 0; asked != c.asked {
				t.Errorf("%s: Slack asked = %v, want %v", c.name, asked, c.asked)
			}
		}
		if msg := core.ErrorMessage(mustErr(st.CreateRoutingRuleAs(ctx, admin, core.RoutingRuleInput{Interest: "Tech", SlackChannel: "C0ARCHIVED"}))); msg != "Slack channel #old is archived." {
			t.Errorf("refusal message = %q, want Slack's reason as the checker gave it", msg)
		}
		rules, err := st.ListRoutingRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 1 {
			t.Fatalf("%d rules after refusals, want only the first one", len(rules))
		}
		audit, err := st.ListAudit(ctx, core.AuditFilter{Action: ptr("route.")})
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) != 1 {
			t.Errorf("%d route audit entries, want 1 (refusals record nothing)", len(audit))
		}

		// Without a checker (Slack off) nothing can be routed.
		st.SlackChannels = nil
		_, err = st.CreateRoutingRuleAs(ctx, admin, core.RoutingRuleInput{Interest: "Tech", SlackChannel: "C0TECH"})
		wantCode(t, err, core.EINVALID)
		if !strings.Contains(core.ErrorMessage(err), "SLACK_BOT_TOKEN") {
			t.Errorf("Slack off: %q does not say why", core.ErrorMessage(err))
		}
	})
}

func mustErr(_ any, err error) error { return err }

// TestRoutingRulesListMoveDelete: rules list by kind (company, interest,
// discord) then position; moving stays within a kind; deleting removes
// the rule; deleting its interest removes it too.
func TestRoutingRulesListMoveDelete(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		w := newRoutingWorld(t, st)
		disc := w.rule(t, core.RoutingRuleInput{DiscordChannel: "100000000000000001", SlackChannel: "C0BILL"})
		tech := w.rule(t, core.RoutingRuleInput{Interest: "tech", SlackChannel: "C0TECH"})
		bill := w.rule(t, core.RoutingRuleInput{Interest: "Billing", SlackChannel: "C0BILL"})
		acme := w.rule(t, core.RoutingRuleInput{Company: "acme", SlackChannel: "C0ACME"})
		order := func() string {
			t.Helper()
			rules, err := st.ListRoutingRules(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, r := range rules {
				s = append(s, r.Kind+":"+r.Match+"→"+r.SlackChannelID)
			}
			return strings.Join(s, " ")
		}
		if got, want := order(), "company:Acme→C0ACME interest:Tech→C0TECH interest:Billing→C0BILL discord:100000000000000001→C0BILL"; got != want {
			t.Fatalf("rules = %s, want %s", got, want)
		}
		if tech.SlackChannelName != "ch-c0tech" {
			t.Errorf("channel name = %q, want the checker's", tech.SlackChannelName)
		}
		if moved, err := st.MoveRoutingRuleAs(ctx, admin, bill.ID, true); err != nil || !moved {
			t.Fatalf("move Billing up: %v %v", moved, err)
		}
		if moved, err := st.MoveRoutingRuleAs(ctx, admin, bill.ID, true); err != nil || moved {
			t.Fatalf("move the first interest rule up again: moved=%v err=%v, want it to stay", moved, err)
		}
		if moved, err := st.MoveRoutingRuleAs(ctx, admin, acme.ID, false); err != nil || moved {
			t.Fatalf("move the only company rule down: moved=%v err=%v, want it to stay (no crossing kinds)", moved, err)
		}
		if got, want := order(), "company:Acme→C0ACME interest:Billing→C0BILL interest:Tech→C0TECH discord:100000000000000001→C0BILL"; got != want {
			t.Fatalf("after moves: %s, want %s", got, want)
		}
		if _, err := st.DeleteRoutingRuleAs(ctx, admin, disc.ID); err != nil {
			t.Fatal(err)
		}
		_, err := st.DeleteRoutingRuleAs(ctx, admin, disc.ID)
		wantCode(t, err, core.ENOTFOUND)
		_, err = st.MoveRoutingRuleAs(ctx, admin, disc.ID, true)
		wantCode(t, err, core.ENOTFOUND)
		if err := st.DeleteInterest(ctx, w.tech.ID); err != nil {
			t.Fatal(err)
		}
		if got, want := order(), "company:Acme→C0ACME interest:Billing→C0BILL"; got != want {
			t.Fatalf("after deletions: %s, want %s", got, want)
		}
	})
}

// TestInterestFormSlackChannel: the interest form's Slack channel sets,
// changes and removes the interest's rule; a channel Slack refuses saves
// nothing, not even the rest of the form; an unchanged channel is not
// checked again.
func TestInterestFormSlackChannel(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		w := newRoutingWorld(t, st)
		w.check.refuse["C0PRIVATE"] = "The bot is not in that channel."
		in, err := st.CreateInterestWithAs(ctx, admin, core.InterestUpdate{Name: ptr("Wine"), Color: ptr("#aa0000"), SlackChannel: ptr("C0WINE")})
		if err != nil {
			t.Fatal(err)
		}
		route := func() string {
			t.Helper()
			r, err := st.InterestRoute(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r == nil {
				return ""
			}
			return r.SlackChannelID
		}
		if got := route(); got != "C0WINE" {
			t.Fatalf("route = %q, want C0WINE", got)
		}
		_, err = st.CreateInterestWithAs(ctx, admin, core.InterestUpdate{Name: ptr("Cheese"), Color: ptr("#aa0000"), SlackChannel: ptr("C0PRIVATE")})
		wantCode(t, err, core.EINVALID)
		if _, err := st.CreateInterest(ctx, "Cheese", "#aa0000"); err != nil {
			t.Fatalf("the refused form created the interest anyway: %v", err)
		}

		_, err = st.UpdateInterestAs(ctx, admin, in.ID, core.InterestUpdate{Name: ptr("Red wine"), SlackChannel: ptr("C0PRIVATE")})
		wantCode(t, err, core.EINVALID)
		if got, _ := st.Interest(ctx, in.ID); got.Name != "Wine" || route() != "C0WINE" {
			t.Fatalf("refused update saved something: name %q, route %q", got.Name, route())
		}
		w.check.calls = nil
		if _, err := st.UpdateInterestAs(ctx, admin, in.ID, core.InterestUpdate{Name: ptr("Red wine"), SlackChannel: ptr("C0WINE")}); err != nil {
			t.Fatal(err)
		}
		if len(w.check.calls) != 0 {
			t.Errorf("unchanged channel checked again: %v", w.check.calls)
		}
		if _, err := st.UpdateInterestAs(ctx, admin, in.ID, core.InterestUpdate{SlackChannel: ptr("C0CELLAR")}); err != nil {
			t.Fatal(err)
		}
		if got := route(); got != "C0CELLAR" {
			t.Fatalf("changed route = %q", got)
		}
		if _, err := st.UpdateInterestAs(ctx, admin, in.ID, core.InterestUpdate{SlackChannel: ptr("")}); err != nil {
			t.Fatal(err)
		}
		if got := route(); got != "" {
			t.Fatalf("removed route = %q", got)
		}
		audit, err := st.ListAudit(ctx, core.AuditFilter{Action: ptr("interest.update")})
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) == 0 || !strings.Contains(audit[0].Detail, "Slack channel: #ch-c0cellar (C0CELLAR) → none") {
			t.Errorf("newest interest audit = %+v, want the removal of the channel", audit[0])
		}
	})
}

// TestRoutingRuleMatching: company rules first, then interest rules in
// their order (the client's companies' interests), then the Discord
// support channel, else the default; a client with no company on file
// matches only the Discord rule.
func TestRoutingRuleMatching(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		w := newRoutingWorld(t, st)
		slack := &core.SlackRouting{Default: "C0STAFF"}
		const billingDiscord = "100000000000000001"
		stranger, err := st.CreateUser(ctx, core.NewUser{Login: "zed", Name: "Zed", Role: core.RoleClient})
		if err != nil {
			t.Fatal(err)
		}
		want := func(name string, u *core.User, discord, channel, kind string) {
			t.Helper()
			tk, route := w.open(t, u, discord, slack)
			if route.SlackChannel != channel || route.Kind != kind {
				t.Fatalf("%s: route = %+v, want %s by %s", name, route, channel, kind)
			}
			got, err := st.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.SlackChannelID == nil || *got.SlackChannelID != channel {
				t.Fatalf("%s: stored channel %v, want %s", name, got.SlackChannelID, channel)
			}
			if discord != "" && (got.DiscordChannelID == nil || *got.DiscordChannelID != discord) {
				t.Fatalf("%s: stored Discord channel %v, want %s", name, got.DiscordChannelID, discord)
			}
		}
		want("no rules", w.client, billingDiscord, "C0STAFF", core.RouteDefault)
		w.rule(t, core.RoutingRuleInput{DiscordChannel: billingDiscord, SlackChannel: "C0DISC"})
		want("discord rule", w.client, billingDiscord, "C0DISC", core.RuleDiscord)
		want("discord rule, other channel", w.client, "100000000000000002", "C0STAFF", core.RouteDefault)
		w.rule(t, core.RoutingRuleInput{Interest: "HR", SlackChannel: "C0HR"}) // not Dupont's
		billing := w.rule(t, core.RoutingRuleInput{Interest: "Billing", SlackChannel: "C0BILL"})
		w.rule(t, core.RoutingRuleInput{Interest: "Tech", SlackChannel: "C0TECH"})
		want("interest before discord", w.client, billingDiscord, "C0BILL", core.RuleInterest)
		if _, err := st.MoveRoutingRuleAs(ctx, admin, billing.ID, false); err != nil {
			t.Fatal(err)
		}
		want("interest rules in their order", w.client, "", "C0TECH", core.RuleInterest)
		want("stranger: discord only", stranger, billingDiscord, "C0DISC", core.RuleDiscord)
		w.rule(t, core.RoutingRuleInput{Company: "Acme", SlackChannel: "C0ACME"})
		want("other company's rule", w.client, "", "C0TECH", core.RuleInterest)
		w.rule(t, core.RoutingRuleInput{Company: "Dupont & Fils", SlackChannel: "C0KEY"})
		want("company first", w.client, billingDiscord, "C0KEY", core.RuleCompany)
	})
}
