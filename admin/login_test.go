package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestLoginAndLogout(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		ada := p.user("ada", core.RoleAdmin)
		b := p.browser()

		res := b.get("/admin/users")
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/admin/login?next=%2Fadmin%2Fusers" {
			t.Fatalf("anonymous visit redirects to %q", res.location)
		}
		wantBody(t, b.get("/admin/login"), `name="login"`, `type="password"`)

		res = b.post("/admin/login", url.Values{"login": {"ADA"}, "password": {testPassword}, "next": {"/admin/users"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/admin/users" {
			t.Fatalf("login redirects to %q, want the page asked for", res.location)
		}
		cookie := res.header.Get("Set-Cookie")
		for _, want := range []string{"jayaya_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Fatalf("cookie %q lacks %q", cookie, want)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Fatalf("cookie %q is Secure on plain HTTP: the browser would drop it", cookie)
		}
		token := b.session()
		if u, err := st.SessionUser(context.Background(), token); err != nil || u.ID != ada.ID {
			t.Fatalf("session after login: %v, %v", u, err)
		}
		wantBody(t, b.get("/admin/users"), "Ada Test", "Log out")
		wantBody(t, b.get("/admin"), "Open tickets")

		wantStatus(t, b.post("/admin/logout", nil), http.StatusSeeOther)
		if _, err := st.SessionUser(context.Background(), token); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("session after logout: %v, want ENOTFOUND", err)
		}
		if n, _ := st.CountSessions(context.Background(), ada.ID); n != 0 {
			t.Fatalf("%d sessions left after logout", n)
		}
		// Replaying the old cookie by hand gets nothing either.
		req, _ := http.NewRequest(http.MethodGet, p.srv.URL+"/admin/users", nil)
		req.AddCookie(&http.Cookie{Name: "jayaya_session", Value: token})
		wantStatus(t, p.browser().do(req), http.StatusSeeOther)
		if !slices.Contains(auditActions(t, st), core.AuditLogin) {
			t.Fatalf("audit log lacks the login: %v", auditActions(t, st))
		}
	})
}

func TestLoginRotatesTheSession(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		b := p.loggedIn("ada")
		first := b.session()
		wantStatus(t, b.post("/admin/login", url.Values{"login": {"ada"}, "password": {testPassword}}), http.StatusSeeOther)
		second := b.session()
		if second == "" || second == first {
			t.Fatalf("session not rotated at login: %q then %q", first, second)
		}
		if _, err := st.SessionUser(context.Background(), first); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("previous session still live after a new login: %v", err)
		}
		if _, err := st.SessionUser(context.Background(), second); err != nil {
			t.Fatalf("new session: %v", err)
		}
	})
}

// loginAnswer posts a login and returns the answer with the typed login
// blanked out, so answers for different logins can be compared.
func loginAnswer(b *browser, login, password string) response {
	res := b.post("/admin/login", url.Values{"login": {login}, "password": {password}})
	res.body = strings.ReplaceAll(res.body, `value="`+login+`"`, `value=""`)
	return res
}

func TestLoginSameAnswerForEveryRefusal(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		p.user("cleo", core.RoleClient)
		off := p.user("otto", core.RoleStaff)
		disabled := true
		if _, err := st.UpdateUser(context.Background(), off.ID, core.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		nopw := coretest.MustUser(t, st, "nopw", core.RoleStaff)
		b := p.browser()
		base := loginAnswer(b, "ada", "wrong password")
		wantStatus(t, base, http.StatusUnauthorized)
		wantBody(t, base, core.BadLoginMessage)
		for _, c := range []struct{ name, login, password string }{
			{"unknown login", "nobody", testPassword},
			{"client", "cleo", testPassword},
			{"disabled staff", "otto", testPassword},
			{"user without password", nopw.Login, ""},
		} {
			got := loginAnswer(b, c.login, c.password)
			if got.status != base.status || got.body != base.body {
				t.Errorf("%s: answer differs from a wrong password: %d\n%s", c.name, got.status, got.body)
			}
			if b.session() != "" {
				t.Errorf("%s: got a session", c.name)
			}
		}
	})
}

func TestFailedLoginsLockTheAccount(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		b := p.browser()
		wrong := loginAnswer(b, "ada", "wrong password")
		for i := 2; i <= core.LoginMaxFailures; i++ {
			wantStatus(t, b.post("/admin/login", url.Values{"login": {"ada"}, "password": {"nope " + string(rune('a'+i))}}), http.StatusUnauthorized)
		}
		// Locked: the right password gets the wrong-password answer, on
		// this server and on another replica sharing the database.
		for _, srv := range []string{"this", "replica"} {
			bb := p.browser()
			if srv == "replica" {
				p2 := &panel{t: t, st: st, clock: p.clock, srv: serve(t, st, "")}
				bb = p2.browser()
			}
			got := loginAnswer(bb, "ada", testPassword)
			if got.status != wrong.status || got.body != wrong.body {
				t.Fatalf("%s server: locked login answered differently: %d\n%s", srv, got.status, got.body)
			}
		}
		if !slices.Contains(auditActions(t, st), core.AuditLoginLocked) {
			t.Fatalf("audit log lacks the lock: %v", auditActions(t, st))
		}
		p.clock.Advance(core.LoginLockout + 1)
		wantStatus(t, b.post("/admin/login", url.Values{"login": {"ada"}, "password": {testPassword}}), http.StatusSeeOther)
		audit := b.get("/admin/audit?kind=login.")
		wantBody(t, audit, "<code>login.failed</code>", "<code>login.locked</code>", "5 failures: locked until", "<code>login.ok</code>")
		failed := b.get("/admin/audit?kind=login.failed")
		if strings.Contains(failed.body, "<code>login.locked</code>") || !strings.Contains(failed.body, "<code>login.failed</code>") {
			t.Fatalf("the failed-logins filter:\n%s", failed.body)
		}
	})
}

// Failed logins are counted per client address too: past
// LoginIPMaxFailures, the address is refused (429, Retry-After) before any
// password is checked, another address is not. Unknown logins leave no
// row per name and no audit entry behind.
func TestFailuresAreThrottledPerAddress(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.user("ada", core.RoleAdmin)
	attacker := p.browserFrom("127.0.0.2")
	for i := range core.LoginIPMaxFailures {
		wantStatus(t, attacker.post("/admin/login", url.Values{"login": {fmt.Sprintf("ghost%d", i)}, "password": {"x"}}), http.StatusUnauthorized)
	}
	res := attacker.post("/admin/login", url.Values{"login": {"ada"}, "password": {testPassword}})
	wantStatus(t, res, http.StatusTooManyRequests)
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 60 || s > int(core.LoginLockout.Seconds()) {
		t.Fatalf("Retry-After %q, want the rest of the window", res.header.Get("Retry-After"))
	}
	if !strings.Contains(res.body, "Too many failed logins") {
		t.Fatalf("the page does not say why: %s", res.body)
	}
	if actions := auditActions(t, st); len(actions) != 0 {
		t.Fatalf("unknown logins wrote audit entries: %v", actions)
	}
	var names int
	if err := st.DB.NewSelect().Table("login_failures").ColumnExpr("count(*)").Scan(context.Background(), &names); err != nil || names != 0 {
		t.Fatalf("%d login_failures rows for unknown names (%v), want 0", names, err)
	}
	// Another address is not held to the attacker's count.
	wantStatus(t, p.browserFrom("127.0.0.3").post("/admin/login", url.Values{"login": {"ada"}, "password": {testPassword}}), http.StatusSeeOther)
}

// Locking a login from one address does not lock its user out at their
// own: the right password from an address without failures gets in; from
// the address that failed, the lock holds.
func TestLockoutFromAnotherAddressDoesNotLockTheUserOut(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.user("ada", core.RoleAdmin)
	attacker := p.browserFrom("127.0.0.4")
	for range core.LoginMaxFailures {
		wantStatus(t, attacker.post("/admin/login", url.Values{"login": {"ada"}, "password": {"wrong password"}}), http.StatusUnauthorized)
	}
	if actions := auditActions(t, st); actions[0] != core.AuditLoginLocked {
		t.Fatalf("the login was not locked: %v", actions)
	}
	wantStatus(t, attacker.post("/admin/login", url.Values{"login": {"ada"}, "password": {testPassword}}), http.StatusUnauthorized)
	wantStatus(t, p.browserFrom("127.0.0.5").post("/admin/login", url.Values{"login": {"ada"}, "password": {testPassword}}), http.StatusSeeOther)
}

// A login no one could have (a NUL in it) is refused plainly, and nothing
// is counted or stored.
func TestLoginWithControlCharacterIsRefused(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenPostgres(t)
	p := newPanel(t, st)
	res := p.browser().post("/admin/login", url.Values{"login": {"ad\x00a"}, "password": {"x"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.body, "control characters") {
		t.Fatalf("the page does not say why: %s", res.body)
	}
	var rows int
	if err := st.DB.NewSelect().Table("login_ip_failures").ColumnExpr("count(*)").Scan(context.Background(), &rows); err != nil || rows != 0 {
		t.Fatalf("%d address rows (%v), want 0", rows, err)
	}
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.user("ada", core.RoleAdmin)
	srv := serve(t, st, "https://crm.example.com")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/login", strings.NewReader(url.Values{"login": {"ada"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://crm.example.com")
	res := p.browser().do(req)
	wantStatus(t, res, http.StatusSeeOther)
	cookie := res.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-jayaya_session=", "Secure", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Domain") {
		t.Fatalf("a __Host- cookie must have no Domain: %q", cookie)
	}
}

func TestLoginNextCannotLeaveThePanel(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.user("ada", core.RoleAdmin)
	for _, next := range []string{"https://evil.example/", "//evil.example/admin/", "/elsewhere", `/admin/\evil`} {
		res := p.browser().post("/admin/login", url.Values{"login": {"ada"}, "password": {testPassword}, "next": {next}})
		if res.location != "/admin/" {
			t.Errorf("next=%q redirects to %q", next, res.location)
		}
	}
}
