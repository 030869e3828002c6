package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestInterestsListCreateEditDelete(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		sam := p.user("sam", core.RoleStaff)
		p.user("ada", core.RoleAdmin)
		f := seedTicket(t, p, sam)
		if _, err := st.CreateCompany(ctx, core.CompanyInput{Name: "Beta Solar", InterestIDs: []int64{f.interest.ID}}); err != nil {
			t.Fatal(err)
		}
		b := p.loggedIn("ada")

		list := b.get("/admin/interests")
		if !regexp(`fill="#F59F00"[\s\S]*Solar panels[\s\S]*<td>2</td>`).MatchString(list.body) {
			t.Fatalf("list lacks the swatch and the company count:\n%s", list.body)
		}
		wantBody(t, b.get("/admin/interests/new"), `type="color"`)

		res := b.post("/admin/interests", url.Values{"name": {"Wind"}, "color": {"#1c7ed6"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, b.get(res.location), "Interest created.", "Wind", `fill="#1C7ED6"`)

		// Validation: the form comes back with what was typed.
		res = b.post("/admin/interests", url.Values{"name": {"wind"}, "color": {"#00aa00"}})
		wantStatus(t, res, http.StatusConflict)
		if !regexp(`id="name" [^>]*value="wind"[^>]*aria-invalid="true"[^>]*>\s*<p class="err">An interest named wind already exists`).MatchString(res.body) {
			t.Fatalf("duplicate name: no error beside the name:\n%s", res.body)
		}
		wantBody(t, res, `value="#00aa00"`)
		res = b.post("/admin/interests", url.Values{"name": {"Hydro"}, "color": {"blue"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `value="Hydro"`, `<p class="err">Colour must look like #RRGGBB`)

		edit := b.get(fmt.Sprintf("/admin/interests/%d", f.interest.ID))
		wantBody(t, edit, `value="Solar panels"`, `value="#F59F00"`, "2 companies have this interest")
		res = b.post(fmt.Sprintf("/admin/interests/%d", f.interest.ID), url.Values{"name": {"Solar"}, "color": {"#FF0000"}})
		wantStatus(t, res, http.StatusSeeOther)
		if in, _ := st.Interest(ctx, f.interest.ID); in.Name != "Solar" || in.Color != "#FF0000" {
			t.Fatalf("edited interest: %+v", in)
		}

		confirm := b.get(fmt.Sprintf("/admin/interests/%d/delete", f.interest.ID))
		wantBody(t, confirm, "2 companies lose it", "cannot be undone")
		wantStatus(t, b.post(fmt.Sprintf("/admin/interests/%d/delete", f.interest.ID), nil), http.StatusSeeOther)
		if _, err := st.Interest(ctx, f.interest.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("deleted interest: %v", err)
		}
		c, _ := st.Company(ctx, f.company.ID)
		if len(c.Interests) != 0 {
			t.Fatalf("company kept a deleted interest: %+v", c.Interests)
		}
		got := auditActions(t, st)
		for _, a := range []string{core.AuditInterestCreate, core.AuditInterestUpdate, core.AuditInterestDelete} {
			if !slices.Contains(got, a) {
				t.Fatalf("audit lacks %s: %v", a, got)
			}
		}
		audit := b.get("/admin/audit?kind=interest.")
		wantBody(t, audit, "interest.delete", "2 companies lost it", "colour: #F59F00 → #FF0000")
		if strings.Contains(audit.body, "<code>login.") {
			t.Fatalf("the interest filter shows other entries")
		}
		wantStatus(t, b.post("/admin/interests/99999/delete", nil), http.StatusNotFound)
	})
}
