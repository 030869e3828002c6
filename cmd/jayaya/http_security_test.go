package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryResponseCarriesSecurityHeaders: whatever the route, status or
// method, every response of `jayaya serve` sends the security headers the
// README lists, not only the panel's pages (issue 22, defect 4); the
// panel's pages also stay uncached.
func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db"), "JAYAYA_ADDR": "127.0.0.1:0"}
	addr, _ := serveInProcess(t, env)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/", http.StatusFound},
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/readyz", http.StatusOK},
		{"GET", "/metrics", http.StatusOK},
		{"GET", "/no/such/page", http.StatusNotFound},
		{"POST", "/healthz", http.StatusMethodNotAllowed},
		{"XYZ", "/", http.StatusMethodNotAllowed},
		{"GET", "/admin/login", http.StatusOK},
		{"GET", "/admin/nope", http.StatusNotFound},
	} {
		req, err := http.NewRequest(c.method, "http://"+addr+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		h := res.Header
		what := c.method + " " + c.path
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", what, res.StatusCode, c.status)
		}
		if got := h.Get("Content-Security-Policy"); got != "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'" {
			t.Errorf("%s: Content-Security-Policy %q", what, got)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", what, got)
		}
		if got := h.Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("%s: Referrer-Policy %q", what, got)
		}
		if got := h.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", what, got)
		}
		if strings.HasPrefix(c.path, "/admin/") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", what, h.Get("Cache-Control"))
		}
	}
}

// TestPanelAnswersOnlyAtThePublicHost: with JAYAYA_PUBLIC_URL set, the
// panel answers only requests for its host (or a loopback name, as a
// local proxy or probe sends), and refuses any other Host with a message
// naming the variable; the rest (health, metrics) answers any Host.
// Without the variable, nothing changes (issue 22, defect 2).
func TestPanelAnswersOnlyAtThePublicHost(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db"), "JAYAYA_ADDR": "127.0.0.1:0",
		"JAYAYA_PUBLIC_URL": "https://crm.example.com"}
	addr, logs := serveInProcess(t, env)
	_, port, _ := net.SplitHostPort(addr)
	request := func(host, path string) (int, string) {
		req, err := http.NewRequest("GET", "http://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, host := range []string{"crm.example.com", "CRM.example.com:443", "127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port} {
		if code, body := request(host, "/admin/login"); code != http.StatusOK {
			t.Errorf("/admin/login under Host %q: %d %q", host, code, body)
		}
	}
	for _, host := range []string{"rebind.evil.example:" + port, "crm.example.com.evil.example", "10.0.0.7:" + port} {
		code, body := request(host, "/admin/login")
		if code != http.StatusMisdirectedRequest || !strings.Contains(body, "JAYAYA_PUBLIC_URL") || !strings.Contains(body, "crm.example.com") {
			t.Errorf("/admin/login under Host %q: %d %q", host, code, body)
		}
		if code, _ := request(host, "/healthz"); code != http.StatusOK {
			t.Errorf("/healthz under Host %q: %d", host, code)
		}
	}
	// The refusal speaks the browser's language.
	req, _ := http.NewRequest("GET", "http://"+addr+"/admin/login", nil)
	req.Host, req.Header["Accept-Language"] = "rebind.evil.example", []string{"fr-FR,fr;q=0.9"}
	if res, err := http.DefaultTransport.RoundTrip(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(string(b), "Ce panneau JayayaCRM répond à crm.example.com") {
			t.Errorf("French refusal: %d %q", res.StatusCode, b)
		}
	}
	if !strings.Contains(logs.String(), "request for another host refused") {
		t.Errorf("the refusals were not logged:\n%s", logs.String())
	}

	// Not set: the panel answers whatever the Host.
	delete(env, "JAYAYA_PUBLIC_URL")
	env["DATABASE_URL"] = "sqlite://" + filepath.Join(t.TempDir(), "k.db")
	addr, _ = serveInProcess(t, env)
	if code, body := request("rebind.evil.example", "/admin/login"); code != http.StatusOK {
		t.Errorf("without JAYAYA_PUBLIC_URL: %d %q", code, body)
	}
}

// TestSecurityDocsListTheHeaders: docs/security.md lists, header by
// header, what every response sends; a response of the running process
// sends exactly those values.
func TestSecurityDocsListTheHeaders(t *testing.T) {
	doc, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Headers of every response\n")
	if !ok {
		t.Fatal("docs/security.md has no section \"Headers of every response\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	listed := map[string]string{}
	for _, m := range regexp.MustCompile("- `([A-Za-z-]+): ([^`]+)`").FindAllStringSubmatch(strings.Join(strings.Fields(section), " "), -1) {
		listed[m[1]] = m[2]
	}
	if len(listed) < 4 {
		t.Fatalf("the section lists %d headers: %v", len(listed), listed)
	}
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db"), "JAYAYA_ADDR": "127.0.0.1:0"}
	addr, _ := serveInProcess(t, env)
	for _, path := range []string{"/healthz", "/no/such/page"} {
		_, _, h := get(t, "http://"+addr+path)
		for name, want := range listed {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s is %q, the docs say %q", path, name, got, want)
			}
		}
		for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if _, ok := listed[name]; !ok && h.Get(name) != "" {
				t.Errorf("%s: %s is sent but not in the docs", path, name)
			}
		}
	}
}
