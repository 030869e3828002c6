package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestTicketTranscriptAndRetry(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		sam := p.user("sam", core.RoleStaff)
		f := seedTicket(t, p, sam)
		b := p.loggedIn("sam")

		list := b.get("/admin/tickets")
		wantBody(t, list, fmt.Sprintf("#%d", f.ticket.Number), "Inverter makes a noise")
		wantBody(t, b.get("/admin/tickets?status=closed"), "No tickets.")

		res := b.get(fmt.Sprintf("/admin/tickets/%d", f.ticket.ID))
		wantStatus(t, res, http.StatusOK)
		first := strings.Index(res.body, "the inverter &lt;b&gt;hums&lt;/b&gt; at night")
		second := strings.Index(res.body, "We will send someone on Monday.")
		if first < 0 || second < first {
			t.Fatalf("transcript out of order or escaped wrongly (%d, %d):\n%s", first, second, res.body)
		}
		wantBody(t, res, "Cleo Client", "Sam Test", `<span class="badge done">done</span> <code>slack.post</code>`,
			`<span class="badge parked">parked</span> <code>discord.post</code>`, "discord: 403 Missing Access",
			fmt.Sprintf(`action="/admin/tickets/%d/deliveries/%d/retry"`, f.ticket.ID, f.parked.ID))
		if strings.Contains(res.body, fmt.Sprintf("deliveries/%d/retry", f.done.ID)) {
			t.Fatalf("a done delivery offers a retry")
		}
		home := b.get("/admin/")
		wantBody(t, home, "<strong>1</strong> parked delivery<")

		res = b.post(fmt.Sprintf("/admin/tickets/%d/deliveries/%d/retry", f.ticket.ID, f.parked.ID), nil)
		wantStatus(t, res, http.StatusSeeOther)
		d, _ := st.Delivery(ctx, f.parked.ID)
		if d.Status != core.DeliveryPending || d.Attempts != 0 {
			t.Fatalf("retried delivery: %+v", d)
		}
		wantBody(t, b.get(res.location), "back in line", `<span class="badge pending">pending</span> <code>discord.post</code>`)
		if !slices.Contains(auditActions(t, st), core.AuditDeliveryRetry) {
			t.Fatalf("retry not audited")
		}
		// Again: it is no longer parked.
		wantStatus(t, b.post(fmt.Sprintf("/admin/tickets/%d/deliveries/%d/retry", f.ticket.ID, f.parked.ID), nil), http.StatusConflict)
		// A delivery of this ticket through another ticket's address is not found.
		other, err := st.OpenTicket(ctx, f.client, "Other", core.TicketPrivate)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, b.post(fmt.Sprintf("/admin/tickets/%d/deliveries/%d/retry", other.ID, f.parked.ID), nil), http.StatusNotFound)
		wantStatus(t, b.get("/admin/tickets/99999"), http.StatusNotFound)
		wantStatus(t, b.get("/admin/tickets/abc"), http.StatusNotFound)
	})
}

func TestCompaniesAndPeoplePages(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	sam := p.user("sam", core.RoleStaff)
	f := seedTicket(t, p, sam)
	if _, err := st.AddComment(context.Background(), f.company.ID, sam, "Called them about the <inverter>."); err != nil {
		t.Fatal(err)
	}
	b := p.loggedIn("sam")
	wantBody(t, b.get("/admin/companies"), "Acme Énergie", `fill="#F59F00"`)
	wantBody(t, b.get("/admin/companies?q=energie"), "Acme Énergie")
	wantBody(t, b.get("/admin/companies?q=nothing"), "No company matches.")
	wantBody(t, b.get(fmt.Sprintf("/admin/companies/%d", f.company.ID)), "Paul Durand", "Buyer", "Solar panels",
		"Called them about the &lt;inverter&gt;.", "&#43;33 1 23 45 67 89")
	wantBody(t, b.get("/admin/people?q=durand"), "Paul Durand")
	wantBody(t, b.get(fmt.Sprintf("/admin/people/%d", f.person.ID)), "Acme Énergie", "cleo@acme.example")
	wantStatus(t, b.get("/admin/companies/424242"), http.StatusNotFound)
}
