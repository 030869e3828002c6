package admin_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/admin"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// The Channels page shows, to staff, each Slack channel's and each
// Discord webhook's open tickets and waiting messages, and how long the
// oldest has waited.
func TestChannelsPageShowsTheLoad(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		p.srv = serve(t, st, "", func(c *admin.Config) {
			c.Lanes = core.LoadLanes{
				SlackChannels: []string{"CSTAFF"}, DiscordChannels: []string{"DSUPPORT"}, Webhooks: 2,
				SlackKinds: []string{"slack.post"}, DiscordKinds: []string{"discord.post"},
			}
		})
		p.user("sam", core.RoleStaff)
		cleo := p.user("cleo", core.RoleClient)
		tk, err := st.OpenTicket(ctx, cleo, "Help", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetTicketThreads(ctx, nil, tk.ID, "", "CSTAFF", "1.0001"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AssignDiscordWebhookTx(ctx, st.DB, tk.ID, "DSUPPORT", 2); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordDiscordWebhook(ctx, "DSUPPORT", 0, "WH111"); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := st.Enqueue(ctx, &core.Delivery{Stream: "s", Kind: "slack.post", Platform: core.PlatformSlack, TicketID: &tk.ID, Payload: "{}"}); err != nil {
				t.Fatal(err)
			}
		}
		p.clock.Advance(12 * time.Second)
		res := p.loggedIn("sam").get("/admin/channels")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `aria-current="page">Channels`,
			"<td><code>CSTAFF</code></td>\n  <td>1</td>\n  <td>3</td>\n  <td><span class=\"badge parked\">12s</span></td>",
			"<td><code>DSUPPORT</code></td>\n  <td>1 <small><code>WH111</code></small></td>\n  <td>1</td>\n  <td>0</td>",
			"<td>2 <small>not created yet</small></td>\n  <td>0</td>", "<th>Messages waiting</th>")
		// A French reader gets it in French.
		if _, err := st.CreateUser(ctx, core.NewUser{Login: "zoe", Name: "Zoé Test", Role: core.RoleStaff, Password: testPassword, Locale: "fr"}); err != nil {
			t.Fatal(err)
		}
		res = p.loggedIn("zoe").get("/admin/channels")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "<h1>Canaux</h1>", "<h2>Webhooks Discord</h2>", "<th>Messages en attente</th>", "<small>pas encore créé</small>")
	})
}

// An admin sets a channel's language on the Channels page; an unknown
// language or a malformed channel is refused on the page, in the
// reader's language, and nothing changes; staff see the language but
// cannot change it; each change is in the audit log, in the reader's
// language.
func TestChannelLanguageForm(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		p.srv = serve(t, st, "", func(c *admin.Config) {
			c.Lanes = core.LoadLanes{SlackChannels: []string{"CSTAFF"}, DiscordChannels: []string{"100000000000000001"}, Webhooks: 2}
		})
		p.user("ada", core.RoleAdmin)
		p.user("sam", core.RoleStaff)
		if _, err := st.CreateUser(ctx, core.NewUser{Login: "zoe", Name: "Zoé Test", Role: core.RoleAdmin, Password: testPassword, Locale: "fr"}); err != nil {
			t.Fatal(err)
		}
		locale := func(platform, ch string) string {
			t.Helper()
			l, err := st.ChannelLocale(ctx, platform, ch)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		ada := p.loggedIn("ada")
		res := ada.get("/admin/channels")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "<th>Language</th>", `<input type="hidden" name="channel" value="CSTAFF">`,
			`<option value="default" selected>Default (English)</option>`, `<input type="hidden" name="channel" value="100000000000000001">`)
		if n := strings.Count(res.body, `name="channel" value="100000000000000001"`); n != 1 {
			t.Errorf("the Discord channel has %d language forms, want 1 (not one per webhook)", n)
		}

		res = ada.post("/admin/channels/language", url.Values{"channel": {"CSTAFF"}, "locale": {"fr"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/channels?done=channel-language" {
			t.Fatalf("set: %d → %q\n%s", res.status, res.location, res.body)
		}
		if l := locale(core.PlatformSlack, "CSTAFF"); l != "fr" {
			t.Fatalf("CSTAFF speaks %q after the form, want fr", l)
		}
		res = ada.get(res.location)
		wantBody(t, res, "Channel language saved.", `<option value="fr" selected>French</option>`)

		// Refusals change nothing.
		for _, c := range []struct {
			form url.Values
			says string
		}{
			{url.Values{"channel": {"CSTAFF"}, "locale": {"de"}}, "Unknown language “de”: choose en (English), fr (French) or default"},
			{url.Values{"channel": {"#general"}, "locale": {"en"}}, "“#general” is neither a Slack channel ID"},
		} {
			res := ada.post("/admin/channels/language", c.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, html.EscapeString(c.says), "<h1>Channels</h1>")
		}
		if l := locale(core.PlatformSlack, "CSTAFF"); l != "fr" {
			t.Fatalf("CSTAFF speaks %q after refusals, want fr still", l)
		}
		settings, err := st.ChannelSettings(ctx)
		if err != nil || len(settings) != 1 {
			t.Fatalf("settings after refusals: %+v %v", settings, err)
		}

		// In French, for a French admin.
		zoe := p.loggedIn("zoe")
		res = zoe.post("/admin/channels/language", url.Values{"channel": {"100000000000000001"}, "locale": {"xx"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "<h1>Canaux</h1>", "Langue inconnue «\u202fxx\u202f»", "<th>Langue</th>", `<option value="fr" selected>français</option>`,
			`<option value="default" selected>Par défaut (anglais)</option>`)
		res = zoe.post("/admin/channels/language", url.Values{"channel": {"100000000000000001"}, "locale": {"fr"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, zoe.get(res.location), "Langue du canal enregistrée.")
		if l := locale(core.PlatformDiscord, "100000000000000001"); l != "fr" {
			t.Fatalf("the Discord channel speaks %q, want fr", l)
		}

		// Staff read it, and may not change it.
		sam := p.loggedIn("sam")
		res = sam.get("/admin/channels")
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "/admin/channels/language") || !strings.Contains(res.body, `<td class="lang">French</td>`) {
			t.Errorf("staff's Channels page: want the language as text, no form\n%s", res.body)
		}
		wantStatus(t, sam.post("/admin/channels/language", url.Values{"channel": {"CSTAFF"}, "locale": {"en"}}), http.StatusForbidden)
		if l := locale(core.PlatformSlack, "CSTAFF"); l != "fr" {
			t.Fatalf("a staff member changed CSTAFF to %q", l)
		}

		// The audit log tells each change in the reader's language.
		wantBody(t, ada.get("/admin/audit?kind=channel."), "Slack channel’s language: default → French", "Discord channel’s language: default → French")
		wantBody(t, zoe.get("/admin/audit?kind=channel."), "langue du canal Slack\u202f: par défaut → français", "langue du canal Discord\u202f: par défaut → français")
	})
}

// An audit entry recorded before details were messages (plain English
// text) is shown as it was recorded, in any language.
func TestOldAuditDetailShownAsRecorded(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.user("ada", core.RoleAdmin)
	if _, err := st.CreateUser(context.Background(), core.NewUser{Login: "zoe", Name: "Zoé Test", Role: core.RoleAdmin, Password: testPassword, Locale: "fr"}); err != nil {
		t.Fatal(err)
	}
	old := &core.AuditEntry{ActorLogin: "ada", Action: core.AuditInterestUpdate, SubjectType: "interest", SubjectName: "Solar",
		Detail: `name: "Solar" → "Solar panels"`}
	if err := st.RecordAudit(context.Background(), nil, old); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"ada", "zoe"} {
		res := p.loggedIn(login).get("/admin/audit?kind=interest.")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `<td class="detail">name: &#34;Solar&#34; → &#34;Solar panels&#34;</td>`)
	}
}
