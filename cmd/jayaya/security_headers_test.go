package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryResponseCarriesSecurityHeaders: whatever the route, status or
// method, every response of `jayaya serve` sends the security headers the
// README lists, not only the panel's pages (issue 22, defect 4); the
// panel's pages also stay uncached.
func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
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
