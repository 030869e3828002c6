package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		b := p.loggedIn("ada")
		form := url.Values{"name": {"Solar"}, "color": {"#FFAA00"}}
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Sec-Fetch-Site": "same-site"},
			{"Origin": "http://evil.example"},
		} {
			res := b.postWith("/admin/interests", form, h)
			wantStatus(t, res, http.StatusForbidden)
			wantBody(t, res, "came from another site")
			if res := b.postWith("/admin/logout", nil, h); res.status != http.StatusForbidden {
				t.Fatalf("cross-site logout %v: status %d", h, res.status)
			}
		}
		if list, _ := st.ListInterests(context.Background()); len(list) != 0 {
			t.Fatalf("a cross-site POST created %d interests", len(list))
		}
		if _, err := st.SessionUser(context.Background(), b.session()); err != nil {
			t.Fatalf("a cross-site logout ended the session: %v", err)
		}
		// The panel's own form goes through.
		wantStatus(t, b.post("/admin/interests", form), http.StatusSeeOther)
	})
}

func TestSecurityHeadersAndNoInlineCode(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.user("ada", core.RoleAdmin)
	b := p.loggedIn("ada")
	inline := regexp(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)
	for _, path := range []string{"/admin/login", "/admin/", "/admin/users", "/admin/users/new", "/admin/interests/new", "/admin/nope", "/admin/static/style.css"} {
		res := b.get(path)
		h := res.header
		if got := h.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'self'") || !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", path, h)
		}
		if strings.HasSuffix(path, ".css") {
			if res.status != http.StatusOK || !strings.Contains(h.Get("Content-Type"), "text/css") {
				t.Errorf("%s: %d %s", path, res.status, h.Get("Content-Type"))
			}
			continue
		}
		if m := inline.FindString(res.body); m != "" {
			t.Errorf("%s: inline code %q", path, m)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, h.Get("Cache-Control"))
		}
	}
}

// snapshot counts every table the panel can change.
func snapshot(t *testing.T, st *core.Store) string {
	t.Helper()
	var parts []string
	for _, q := range []string{
		"SELECT count(*) FROM users", "SELECT count(*) FROM users WHERE role = 'admin'", "SELECT count(*) FROM users WHERE disabled_at IS NOT NULL",
		"SELECT count(*) FROM interests", "SELECT count(*) FROM company_interests", "SELECT count(*) FROM sessions",
		"SELECT count(*) FROM audit_log", "SELECT count(*) FROM deliveries WHERE status = 'parked'", "SELECT count(*) FROM setup_tokens",
		"SELECT count(*) FROM login_failures", "SELECT count(*) FROM users WHERE locale <> ''",
	} {
		var n int
		if err := st.DB.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", q, n))
	}
	return strings.Join(parts, "\n")
}

func TestGetNeverChangesAnything(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		ada := p.user("ada", core.RoleAdmin)
		sam := p.user("sam", core.RoleStaff)
		f := seedTicket(t, p, sam)
		in := f.interest
		b := p.loggedIn("ada")
		before := snapshot(t, st)
		for _, path := range []string{
			"/admin/", "/admin/users", "/admin/users/new", fmt.Sprintf("/admin/users/%d", sam.ID),
			fmt.Sprintf("/admin/users/%d/delete", sam.ID), fmt.Sprintf("/admin/users/%d/delete", ada.ID),
			"/admin/interests", "/admin/interests/new", fmt.Sprintf("/admin/interests/%d", in.ID),
			fmt.Sprintf("/admin/interests/%d/delete", in.ID), "/admin/tickets", fmt.Sprintf("/admin/tickets/%d", f.ticket.ID),
			fmt.Sprintf("/admin/tickets/%d/deliveries/%d/retry", f.ticket.ID, f.parked.ID),
			"/admin/companies", fmt.Sprintf("/admin/companies/%d", f.company.ID), "/admin/people", fmt.Sprintf("/admin/people/%d", f.person.ID),
			"/admin/audit", "/admin/logout", "/admin/login", "/admin/setup?token=x",
		} {
			if res := b.get(path); res.status >= 500 {
				t.Fatalf("GET %s: %d\n%s", path, res.status, res.body)
			}
		}
		if after := snapshot(t, st); after != before {
			t.Fatalf("GETs changed the database:\nbefore\n%s\nafter\n%s", before, after)
		}
		if _, err := st.SessionUser(context.Background(), b.session()); err != nil {
			t.Fatalf("GET /admin/logout ended the session: %v", err)
		}
	})
}

func TestStaffReadsButCannotManage(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		sam := p.user("sam", core.RoleStaff)
		f := seedTicket(t, p, sam)
		b := p.loggedIn("sam")
		for _, path := range []string{"/admin/", "/admin/tickets", fmt.Sprintf("/admin/tickets/%d", f.ticket.ID),
			"/admin/companies", fmt.Sprintf("/admin/companies/%d", f.company.ID), "/admin/people", fmt.Sprintf("/admin/people/%d", f.person.ID)} {
			wantStatus(t, b.get(path), http.StatusOK)
		}
		home := b.get("/admin/")
		if strings.Contains(home.body, `href="/admin/users"`) {
			t.Fatalf("staff see the Users menu")
		}
		before := snapshot(t, st)
		for _, path := range []string{"/admin/users", "/admin/users/new", fmt.Sprintf("/admin/users/%d", sam.ID), "/admin/interests", "/admin/audit"} {
			res := b.get(path)
			wantStatus(t, res, http.StatusForbidden)
			wantBody(t, res, "Only admins")
		}
		posts := map[string]url.Values{
			"/admin/users":                         {"login": {"eve"}, "name": {"Eve"}, "role": {"admin"}, "password": {testPassword}},
			"/admin/interests":                     {"name": {"Solar"}, "color": {"#FFAA00"}},
			fmt.Sprintf("/admin/users/%d", sam.ID): {"login": {"sam"}, "name": {"Sam"}, "role": {"admin"}},
			fmt.Sprintf("/admin/interests/%d/delete", f.interest.ID): nil,
		}
		for path, form := range posts {
			wantStatus(t, b.post(path, form), http.StatusForbidden)
		}
		if after := snapshot(t, st); after != before {
			t.Fatalf("staff changed the database:\n%s\n%s", before, after)
		}
		// An anonymous POST is refused without a redirect.
		wantStatus(t, p.browser().post("/admin/interests", url.Values{"name": {"X"}, "color": {"#000000"}}), http.StatusUnauthorized)
	})
}
