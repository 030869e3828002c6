package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestServeLogsASetupLinkWhileThereIsNoAdmin follows the first-start path:
// `jayaya serve` on an empty database logs a one-time link, the link
// creates the first admin in the browser, and a restart logs no link.
func TestServeLogsASetupLinkWhileThereIsNoAdmin(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db"), "JAYAYA_ADDR": "127.0.0.1:0",
		"JAYAYA_PUBLIC_URL": "https://crm.example.com"}
	addr, logs := serveInProcess(t, env)
	m := regexp.MustCompile(`no admin exists yet.*url="?https://crm\.example\.com/admin/setup\?token=([A-Za-z0-9_-]{43})`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no setup link in the log:\n%s", logs.String())
	}
	token := m[1]
	base := "http://" + addr
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := noFollow.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/admin/" {
		t.Fatalf("GET / = %d %q, want a redirect to /admin/", res.StatusCode, res.Header.Get("Location"))
	}
	if code, body, _ := get(t, base+"/admin/setup?token="+token); code != http.StatusOK || !strings.Contains(body, "Create the first admin") {
		t.Fatalf("setup page: %d\n%s", code, body)
	}
	form := url.Values{"token": {token}, "name": {"Ada Admin"}, "login": {"ada"}, "time_zone": {"UTC"},
		"password": {"a long enough password"}, "password2": {"a long enough password"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/setup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://crm.example.com") // as behind the public URL's proxy
	req.Header.Set("Sec-Fetch-Site", "cross-site")      // the proxy's origin is trusted all the same
	if res, err = noFollow.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Set-Cookie"), "__Host-jayaya_session=") {
		t.Fatalf("setup POST = %d, cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
	if code, _, _ := get(t, base+"/admin/setup?token="+token); code != http.StatusForbidden {
		t.Fatalf("the setup link still works after use: %d", code)
	}

	_, logs2 := serveInProcess(t, env)
	if strings.Contains(logs2.String(), "setup?token=") {
		t.Fatalf("a setup link is logged although an admin exists:\n%s", logs2.String())
	}
}
