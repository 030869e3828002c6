package admin_test

import (
	"context"
	"net/http"
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
