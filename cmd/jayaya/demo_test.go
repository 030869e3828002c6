package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The demo's tests run "jayaya demo" in-process. They are not parallel:
// the demo puts its loopback guard in front of the process's default
// transports while it runs.

// demoRun is one run of "jayaya demo".
type demoRun struct {
	url      string // "http://127.0.0.1:port"
	password string // the demo admin's
	dataDir  string // the temporary folder of its database ("" with --db)
	stdout   *syncBuffer
	logs     *syncBuffer
	cancel   context.CancelFunc
	done     chan int
}

var (
	demoPasswordRE = regexp.MustCompile(`login ada, password (\S+)`)
	demoDataRE     = regexp.MustCompile(`The data lives in sqlite://(\S+)/demo\.db;`)
)

// startDemo runs jayaya demo with args on a free loopback port and waits
// until it prints its banner; the run is stopped when the test ends.
func startDemo(t *testing.T, args ...string) *demoRun {
	t.Helper()
	// The free port is found before the demo listens on it: a test
	// running beside may take it in between, so a port taken is tried
	// again with another.
	for attempt := 1; ; attempt++ {
		d, taken := tryStartDemo(t, args...)
		if !taken {
			return d
		}
		if attempt == 3 {
			t.Fatalf("the demo found its port taken three times:\n%s", d.logs.String())
		}
	}
}

// tryStartDemo runs the demo on a free port; taken tells that another
// listener took that port first (the run has ended).
func tryStartDemo(t *testing.T, args ...string) (d *demoRun, taken bool) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	d = &demoRun{url: "http://" + addr, stdout: &syncBuffer{}, logs: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	env := map[string]string{}
	go func() {
		d.done <- run(ctx, append([]string{"demo", "--addr", addr}, args...), envFunc(env), strings.NewReader(""), d.stdout, d.logs)
	}()
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(d.stdout.String(), "Ctrl-C stops the demo") {
		select {
		case code := <-d.done:
			if strings.Contains(d.logs.String(), "address already in use") {
				cancel()
				return d, true
			}
			t.Fatalf("the demo exited %d before it started:\n%s\n%s", code, d.stdout.String(), d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			d.stop(t)
			t.Fatalf("the demo did not start:\n%s\n%s", d.stdout.String(), d.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() { d.stop(t) })
	out := d.stdout.String()
	if m := demoPasswordRE.FindStringSubmatch(out); m != nil {
		d.password = m[1]
	}
	if m := demoDataRE.FindStringSubmatch(out); m != nil {
		d.dataDir = m[1]
	}
	return d, false
}

// stop ends the run like Ctrl-C and checks it exits 0 (idempotent).
func (d *demoRun) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case code, ok := <-d.done:
		if ok {
			close(d.done)
			if code != 0 {
				t.Errorf("jayaya demo exited %d:\n%s", code, d.logs.String())
			}
		}
	case <-time.After(30 * time.Second):
		t.Errorf("jayaya demo did not stop:\n%s", d.logs.String())
	}
}

// get fetches a page of the demo.
func (d *demoRun) get(t *testing.T, path string) string {
	t.Helper()
	res, err := http.Get(d.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

// seededTicket is on the page once the demo's ticket went through both
// fakes and the product: its internal note got 🔒.
const seededTicket = `<span class="reaction">🔒 1</span>`

// panes returns the page's live parts, by element id.
func (d *demoRun) panes(t *testing.T) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(d.get(t, "/demo/panes")), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// waitPanes waits until the page's live parts hold text.
func (d *demoRun) waitPanes(t *testing.T, text string) {
	t.Helper()
	panes := func() string { return strings.Join(slices.Collect(maps.Values(d.panes(t))), "\n") }
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(panes(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo page never showed %q\n%s", text, d.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDemoStaysOnLoopback: everything the demo configures points at this
// machine, and while it runs the transports the adapters use refuse any
// other address, so a real Slack or Discord URL cannot be reached even if
// one sneaks in; the demo's own traffic (its seeded ticket, relayed both
// ways) needs no refusal.
func TestDemoStaysOnLoopback(t *testing.T) {
	w, err := newDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	cfg, err := w.config("sqlite://"+t.TempDir()+"/x.db", "localhost:8080", "http://localhost:8080", "info")
	if err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]string{"SLACK_API_URL": cfg.SlackAPIURL, "DISCORD_API_URL": cfg.DiscordAPIURL,
		"JAYAYA_PUBLIC_URL": cfg.PublicURL, "discord gateway": w.discord.GatewayURL(), "slack fake": w.slack.URL()} {
		if !isLoopbackURL(u) {
			t.Errorf("%s = %q is not on this machine", name, u)
		}
	}
	if !cfg.Pacing {
		t.Error("the demo does not pace its calls, yet its fakes enforce the platforms' limits")
	}
	if isLoopbackURL("https://slack.com/api/") || isLoopbackURL("https://discord.com") || isLoopbackURL("http://10.0.0.1:8080") || isLoopbackURL("http://localhost.example.com") {
		t.Fatal("isLoopbackURL accepts a remote URL")
	}

	d := startDemo(t)
	d.waitPanes(t, seededTicket)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, u := range []string{"https://slack.com/api/auth.test", "https://discord.com/api/v9/gateway", "http://192.0.2.1/", "http://[2001:db8::1]/"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		if !errors.Is(err, errNotLoopback) {
			t.Errorf("GET %s during the demo: %v, want the loopback guard's refusal", u, err)
		}
	}
	if _, _, err := websocket.DefaultDialer.DialContext(ctx, "wss://gateway.discord.gg/?v=9&encoding=json", nil); !errors.Is(err, errNotLoopback) {
		t.Errorf("gateway websocket during the demo: %v, want the loopback guard's refusal", err)
	}
	d.stop(t)
	if logs := d.logs.String(); !strings.Contains(logs, `"connections outside this machine were refused" count=5`) {
		t.Errorf("the demo did not count the 5 refused connections:\n%s", logs)
	}
}

// TestDemoLeavesNothing: stopping the demo removes its temporary database
// folder; with --db the data is kept.
func TestDemoLeavesNothing(t *testing.T) {
	d := startDemo(t)
	if d.dataDir == "" || d.password == "" {
		t.Fatalf("the banner lacks the data folder or the admin password:\n%s", d.stdout.String())
	}
	if _, err := os.Stat(d.dataDir); err != nil {
		t.Fatalf("the data folder while running: %v", err)
	}
	d.waitPanes(t, seededTicket)
	d.stop(t)
	if _, err := os.Stat(d.dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there after the demo stopped (%v)", d.dataDir, err)
	}
	if logs := d.logs.String(); strings.Contains(logs, errNotLoopback.Error()) || strings.Contains(logs, "outside this machine") {
		t.Errorf("the demo tried to leave this machine:\n%s", logs)
	}

	kept := "sqlite://" + t.TempDir() + "/kept.db"
	d = startDemo(t, "--db", kept)
	if d.dataDir != "" || !strings.Contains(d.stdout.String(), "The data lives in "+kept+"; Ctrl-C stops the demo.") {
		t.Fatalf("with --db the banner says:\n%s", d.stdout.String())
	}
	d.waitPanes(t, seededTicket)
	d.stop(t)
	if _, err := os.Stat(strings.TrimPrefix(kept, "sqlite://")); err != nil {
		t.Errorf("--db: the database is gone: %v", err)
	}
}
