package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	stdregexp "regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/jayaya/jayayacrm/admin"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

const testPassword = "correct horse battery"

// panel is a running panel over a real database, with a settable clock.
type panel struct {
	t     *testing.T
	st    *core.Store
	clock *coretest.Clock
	srv   *httptest.Server
}

func newPanel(t *testing.T, st *core.Store) *panel {
	t.Helper()
	return newPanelIn(t, st, "")
}

// newPanelIn is newPanel for a server whose JAYAYA_LOCALE is l.
func newPanelIn(t *testing.T, st *core.Store, l i18n.Locale) *panel {
	t.Helper()
	clock := coretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	st.Now = clock.Now
	return &panel{t: t, st: st, clock: clock, srv: serve(t, st, "", func(c *admin.Config) { c.Locale = l })}
}

// serve mounts a panel on a test server like `jayaya serve` does; opts
// adjust its configuration.
func serve(t testing.TB, st *core.Store, publicURL string, opts ...func(*admin.Config)) *httptest.Server {
	t.Helper()
	cfg := admin.Config{Store: st, PublicURL: publicURL, Log: slog.New(slog.NewTextHandler(testLog{t}, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	p, err := admin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount("/admin", p.Routes())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// user creates a user with testPassword.
func (p *panel) user(login, role string) *core.User {
	p.t.Helper()
	u, err := p.st.CreateUser(context.Background(), core.NewUser{Login: login, Name: strings.ToUpper(login[:1]) + login[1:] + " Test",
		Role: role, Password: testPassword})
	if err != nil {
		p.t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

// browser is one visitor with its own cookie jar; it does not follow
// redirects, so tests see the 303s.
type browser struct {
	t      *testing.T
	p      *panel
	client *http.Client
}

func (p *panel) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: p.t, p: p, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// browserFrom is browser for a client at ip (a loopback address other
// than 127.0.0.1: Linux routes all of 127.0.0.0/8 to lo).
func (p *panel) browserFrom(ip string) *browser {
	b := p.browser()
	c := clientFrom(p.t, net.ParseIP(ip))
	c.Jar = b.client.Jar
	b.client = c
	return b
}

// loggedIn returns a browser logged in as login.
func (p *panel) loggedIn(login string) *browser {
	p.t.Helper()
	b := p.browser()
	res := b.post("/admin/login", url.Values{"login": {login}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		p.t.Fatalf("login %s: status %d\n%s", login, res.status, res.body)
	}
	return b
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	return b.getWith(path, nil)
}

// getWith is get with more request headers (such as Accept-Language).
func (b *browser) getWith(path string, headers map[string]string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.p.srv.URL+path, nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

// post submits a form the way a browser does from the panel's own page.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	return b.postWith(path, form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": b.p.srv.URL})
}

func (b *browser) postWith(path string, form url.Values, headers map[string]string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.p.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

// session returns the browser's session token ("" when it has none).
func (b *browser) session() string {
	u, _ := url.Parse(b.p.srv.URL + "/admin/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "jayaya_session" {
			return c.Value
		}
	}
	return ""
}

// wantStatus fails the test when res has another status.
func wantStatus(t *testing.T, res response, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d\n%s", res.status, status, res.body)
	}
}

// wantBody fails the test unless the body contains every string.
func wantBody(t *testing.T, res response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(res.body, p) {
			t.Fatalf("body lacks %q:\n%s", p, res.body)
		}
	}
}

// auditActions returns the audit log's actions, newest first.
func auditActions(t *testing.T, st *core.Store) []string {
	t.Helper()
	list, err := st.ListAudit(context.Background(), core.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Action)
	}
	return out
}

// testLog sends the panel's log to the test's log.
type testLog struct{ t testing.TB }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func regexp(expr string) *stdregexp.Regexp { return stdregexp.MustCompile(expr) }
