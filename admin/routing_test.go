package admin_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	stdregexp "regexp"
	"slices"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/slack"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/admin"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

const (
	supportChannel = "100000000000000001" // DISCORD_SUPPORT_CHANNEL
	otherDiscord   = "100000000000000002" // not a support channel
)

// routingPanel is a panel whose rules are checked by the Slack adapter
// (real slack-go) against a fake Slack holding a staff channel, a public
// channel the bot is not in, an archived one and a private one without
// the bot.
type routingPanel struct {
	*panel
	fake                             *slacktest.Server
	staff, public, archived, private string
}

func newRoutingPanel(t *testing.T, st *core.Store) *routingPanel {
	t.Helper()
	p := &routingPanel{panel: newPanel(t, st), fake: slacktest.New(t, slacktest.Config{})}
	fs := p.fake.State()
	bot := p.fake.Config().BotUserID
	p.staff = fs.AddChannel(slacktest.Channel{Name: "staff"}).ID
	p.public = fs.AddChannel(slacktest.Channel{Name: "billing"}).ID
	p.archived = fs.AddChannel(slacktest.Channel{Name: "old", Archived: true}).ID
	p.private = fs.AddChannel(slacktest.Channel{Name: "vip", IsPrivate: true}).ID
	for _, ch := range []string{p.public, p.private} {
		if err := fs.Leave(ch, bot); err != nil {
			t.Fatal(err)
		}
	}
	fc := p.fake.Config()
	st.SlackChannels = slack.New(slack.Config{BotToken: fc.BotToken, SigningSecret: fc.SigningSecret, StaffChannel: p.staff,
		APIURL: p.fake.APIURL()}, st, nil, slog.New(slog.DiscardHandler))
	p.srv = serve(t, st, "", func(c *admin.Config) {
		c.Routing = admin.RoutingConfig{SlackChannel: p.staff, SlackOverflow: []string{"C0OVERFLOW"}, DiscordChannels: []string{supportChannel}}
	})
	return p
}

// TestRoutingPage: an admin adds rules of each kind (a public channel
// is joined by the bot), sees them in the order they are tried, moves
// and deletes them; a rule naming an unknown, archived or private
// channel, an unknown company or a Discord channel that is not a
// support channel is refused beside its field and nothing is saved.
func TestRoutingPage(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newRoutingPanel(t, st)
		p.user("ada", core.RoleAdmin)
		sam := p.user("sam", core.RoleStaff)
		f := seedTicket(t, p.panel, sam)
		b := p.loggedIn("ada")

		page := b.get("/admin/routing")
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, "No rules yet", "<code>"+p.staff+"</code>", "<code>C0OVERFLOW</code>", "or to an overflow channel when it is busy")

		refused := []struct {
			name       string
			form       url.Values
			field, msg string
		}{
			{"unknown channel", url.Values{"kind": {"company"}, "match": {"Acme Énergie"}, "slack_channel": {"C0NOSUCH"}},
				"slack_channel", "Slack has no channel C0NOSUCH that the bot can see"},
			{"archived channel", url.Values{"kind": {"company"}, "match": {"Acme Énergie"}, "slack_channel": {p.archived}},
				"slack_channel", "Slack channel #old is archived"},
			{"private channel without the bot", url.Values{"kind": {"company"}, "match": {"Acme Énergie"}, "slack_channel": {p.private}},
				"slack_channel", "Slack has no channel " + p.private},
			{"unknown company", url.Values{"kind": {"company"}, "match": {"Nobody"}, "slack_channel": {p.public}},
				"match", "No company is named “Nobody”."},
			{"not a support channel", url.Values{"kind": {"discord"}, "match": {otherDiscord}, "slack_channel": {p.public}},
				"match", "is not a support channel"},
			{"bad channel ID", url.Values{"kind": {"interest"}, "match": {"Solar panels"}, "slack_channel": {"#billing"}},
				"slack_channel", "is not a Slack channel ID"},
		}
		for _, c := range refused {
			res := b.post("/admin/routing", c.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			if !regexp(`id="` + c.field + `" [^>]*aria-invalid="true"[\s\S]*?<p class="err">[^<]*` + stdregexp.QuoteMeta(c.msg)).MatchString(res.body) {
				t.Fatalf("%s: no error beside %s saying %q:\n%s", c.name, c.field, c.msg, res.body)
			}
		}
		if rules, _ := st.ListRoutingRules(ctx); len(rules) != 0 {
			t.Fatalf("refused rules were saved: %d", len(rules))
		}
		if joins := p.fake.State().Calls("conversations.join"); len(joins) != 0 {
			t.Fatalf("a refused rule joined a channel: %d joins", len(joins))
		}

		for _, form := range []url.Values{
			{"kind": {"discord"}, "match": {supportChannel}, "slack_channel": {p.staff}},
			{"kind": {"interest"}, "match": {"solar panels"}, "slack_channel": {p.public}},
			{"kind": {"company"}, "match": {"ACME ENERGIE"}, "slack_channel": {p.staff}},
		} {
			res := b.post("/admin/routing", form)
			wantStatus(t, res, http.StatusSeeOther)
		}
		if ch, _ := p.fake.State().Channel(p.public); !slices.Contains(ch.Members, p.fake.Config().BotUserID) {
			t.Error("the bot did not join the public channel of the interest rule")
		}
		list := b.get("/admin/routing?done=route-created")
		wantBody(t, list, "Rule added.")
		if !regexp(`Company</td>\s*<td>Acme Énergie</td>[\s\S]*Interest</td>\s*<td>Solar panels</td>\s*<td>#billing <code>` + p.public + `</code>[\s\S]*Discord support channel</td>\s*<td>` + supportChannel).MatchString(list.body) {
			t.Fatalf("rules not listed in the order they are tried:\n%s", list.body)
		}
		res := b.post("/admin/routing", url.Values{"kind": {"company"}, "match": {"Acme Énergie"}, "slack_channel": {p.public}})
		wantStatus(t, res, http.StatusConflict)
		wantBody(t, res, "already has a routing rule")

		if _, err := st.CreateInterest(ctx, "Wind", "#1c7ed6"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, b.post("/admin/routing", url.Values{"kind": {"interest"}, "match": {"Wind"}, "slack_channel": {p.staff}}), http.StatusSeeOther)
		rules, err := st.ListRoutingRules(ctx)
		if err != nil || len(rules) != 4 {
			t.Fatalf("rules %d, %v", len(rules), err)
		}
		wind, disc := rules[2], rules[3]
		wantStatus(t, b.post(fmt.Sprintf("/admin/routing/%d/move", wind.ID), url.Values{"dir": {"up"}}), http.StatusSeeOther)
		wantStatus(t, b.post(fmt.Sprintf("/admin/routing/%d/move", wind.ID), url.Values{"dir": {"sideways"}}), http.StatusUnprocessableEntity)
		wantStatus(t, b.post(fmt.Sprintf("/admin/routing/%d/delete", disc.ID), nil), http.StatusSeeOther)
		wantStatus(t, b.post(fmt.Sprintf("/admin/routing/%d/delete", disc.ID), nil), http.StatusNotFound)
		if rules, _ = st.ListRoutingRules(ctx); len(rules) != 3 || rules[1].ID != wind.ID {
			t.Fatalf("after move and delete: %d rules, second %+v", len(rules), rules[1])
		}
		want := []string{core.AuditRouteDelete, core.AuditRouteMove, core.AuditRouteCreate, core.AuditRouteCreate, core.AuditRouteCreate, core.AuditRouteCreate}
		if got := auditActions(t, st); len(got) < len(want) || fmt.Sprint(got[:len(want)]) != fmt.Sprint(want) {
			t.Fatalf("audit %v, want %v first", got, want)
		}

		// The ticket list shows each ticket's channel.
		if _, err := st.DB.NewUpdate().Model((*core.Ticket)(nil)).Set("slack_channel_id = ?", p.public).Where("id = ?", f.ticket.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		wantBody(t, b.get("/admin/tickets"), `<code class="channel">`+p.public+`</code>`)

		// Staff may not see or change the rules.
		s := p.loggedIn("sam")
		wantStatus(t, s.get("/admin/routing"), http.StatusForbidden)
		wantStatus(t, s.post("/admin/routing", url.Values{"kind": {"company"}, "match": {"Acme Énergie"}, "slack_channel": {p.staff}}), http.StatusForbidden)
	})
}

// TestRoutingPageInFrench: a browser asking for French reads the page
// and its refusals in French.
func TestRoutingPageInFrench(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newRoutingPanel(t, st)
		p.user("ada", core.RoleAdmin)
		b := p.loggedIn("ada")
		fr := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": p.srv.URL, "Accept-Language": "fr-FR,fr;q=0.9"}
		req, _ := http.NewRequest(http.MethodGet, p.srv.URL+"/admin/routing", nil)
		req.Header.Set("Accept-Language", "fr-CA")
		page := b.do(req)
		wantBody(t, page, "<title>Routage · JayayaCRM</title>", "Aucune règle pour l’instant")
		res := b.postWith("/admin/routing", url.Values{"kind": {"company"}, "match": {"Personne"}, "slack_channel": {p.archived}}, fr)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Aucune entreprise ne s’appelle «\u202fPersonne\u202f».")
	})
}

// TestInterestFormSlackChannel: the interest form's Slack channel is
// checked like a rule's (refused: nothing saved, not even the name), and
// shown again when editing.
func TestInterestFormSlackChannel(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newRoutingPanel(t, st)
		p.user("ada", core.RoleAdmin)
		b := p.loggedIn("ada")
		res := b.post("/admin/interests", url.Values{"name": {"Wind"}, "color": {"#1c7ed6"}, "slack_channel": {p.archived}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `value="Wind"`, "Slack channel #old is archived")
		if list, _ := st.ListInterests(ctx); len(list) != 0 {
			t.Fatalf("a refused interest was saved: %+v", list[0])
		}
		wantStatus(t, b.post("/admin/interests", url.Values{"name": {"Wind"}, "color": {"#1c7ed6"}, "slack_channel": {p.public}}), http.StatusSeeOther)
		list, err := st.ListInterests(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("interests %v %v", list, err)
		}
		wantBody(t, b.get(fmt.Sprintf("/admin/interests/%d", list[0].ID)), `id="slack_channel" name="slack_channel" value="`+p.public+`"`)
		wantStatus(t, b.post(fmt.Sprintf("/admin/interests/%d", list[0].ID), url.Values{"name": {"Wind"}, "color": {"#1c7ed6"}, "slack_channel": {""}}), http.StatusSeeOther)
		if r, _ := st.InterestRoute(ctx, list[0].ID); r != nil {
			t.Fatalf("emptied channel kept the rule: %+v", r)
		}
	})
}
