package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestSetupLinkCreatesTheFirstAdminOnce(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		coretest.MustUser(t, st, "sam", core.RoleStaff) // staff exist, but no admin
		token, err := st.NewSetupToken(ctx)
		if err != nil || len(token) < 40 {
			t.Fatalf("setup token %q, %v", token, err)
		}
		b := p.browser()
		wantStatus(t, b.get("/admin/setup?token=wrong"), http.StatusForbidden)
		wantStatus(t, b.get("/admin/setup"), http.StatusForbidden)
		wantBody(t, b.get("/admin/setup?token="+token), "Create the first admin", `name="password2"`)

		form := url.Values{"token": {token}, "name": {"Ada Admin"}, "login": {"ada"}, "email": {"ada@example.com"},
			"time_zone": {"Europe/Paris"}, "password": {testPassword}, "password2": {"something else"}}
		res := b.post("/admin/setup", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `value="Ada Admin"`, `value="ada@example.com"`, "The two passwords differ.")
		form.Set("password2", testPassword)
		form.Set("login", "sam")
		res = b.post("/admin/setup", form)
		wantStatus(t, res, http.StatusConflict)
		wantBody(t, res, "already used")

		form.Set("login", "ada")
		res = b.post("/admin/setup", form)
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, b.get(res.location), "Welcome!", "Ada Admin", `href="/admin/users"`)
		ada, err := st.UserByLogin(ctx, "ada")
		if err != nil || !ada.IsAdmin() || ada.TimeZone != "Europe/Paris" {
			t.Fatalf("first admin: %+v, %v", ada, err)
		}
		// The link is spent, and no new one is made while an admin exists.
		wantStatus(t, p.browser().get("/admin/setup?token="+token), http.StatusForbidden)
		wantStatus(t, p.browser().post("/admin/setup", form), http.StatusForbidden)
		if again, err := st.NewSetupToken(ctx); again != "" || err != nil {
			t.Fatalf("a setup token while an admin exists: %q, %v", again, err)
		}
		if !slices.Contains(auditActions(t, st), core.AuditSetupAdmin) {
			t.Fatalf("setup not audited")
		}
	})
}

func TestSetupTokensAreAllSpentByTheFirstAdmin(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	ctx := context.Background()
	one, _ := st.NewSetupToken(ctx)
	two, _ := st.NewSetupToken(ctx)
	if one == two || one == "" {
		t.Fatalf("tokens %q %q", one, two)
	}
	form := url.Values{"token": {two}, "name": {"Ada"}, "login": {"ada"}, "time_zone": {"UTC"}, "password": {testPassword}, "password2": {testPassword}}
	wantStatus(t, p.browser().post("/admin/setup", form), http.StatusSeeOther)
	wantStatus(t, p.browser().get("/admin/setup?token="+one), http.StatusForbidden)
}
