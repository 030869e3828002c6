package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// demoRequest sends one request to the demo under the Host header host,
// without following redirects.
func demoRequest(t *testing.T, d *demoRun, method, path, host string, form url.Values, header map[string]string) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, d.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// TestDemoAnswersOnlyLoopbackHosts: a page that rebinds its own host name
// to 127.0.0.1 reaches the demo's port, but under its own Host; the demo
// refuses every such request (its page, its forms, the Slack endpoints
// whose signing secret is published, the panel) and nothing is written in
// the chats. Loopback names work (issue 22, defect 2).
func TestDemoAnswersOnlyLoopbackHosts(t *testing.T) {
	d := startDemo(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(d.url, "http://"))
	page := d.get(t, "/demo/")
	m := regexp.MustCompile(`name="client" id="client"><option value="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no client on the page:\n%s", page)
	}
	emma := m[1]

	// A signed /crm command, as anyone can sign it with the fake's
	// published secret.
	command := func(host string) (int, string) {
		form := url.Values{"command": {"/crm"}, "text": {"company add Rebound Ltd"}, "user_id": {"U0DEMOSAM"},
			"channel_id": {"C0DEMOSTAFF"}, "team_id": {"T0DEMO"}, "trigger_id": {"1.2.3"}}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		sig := slacktest.Signature("fake-signing-secret", ts, []byte(form.Encode()))
		code, body, _ := demoRequest(t, d, "POST", "/slack/commands", host, form,
			map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
		return code, body
	}

	for _, host := range []string{"rebind.evil.example:" + port, "rebind.evil.example", "localhost.evil.example:" + port, "127.0.0.1.nip.io:" + port} {
		origin := map[string]string{"Origin": "http://" + host}
		for _, c := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", "/demo/", nil},
			{"GET", "/demo/panes", nil},
			{"GET", "/demo/static/demo.js", nil},
			{"POST", "/demo/discord/say", url.Values{"client": {emma}, "text": {"rebound hello " + host}}},
			{"GET", "/admin/login", nil},
			{"GET", "/metrics", nil},
		} {
			code, body, h := demoRequest(t, d, c.method, c.path, host, c.form, origin)
			if code != http.StatusMisdirectedRequest || !strings.Contains(body, "only on this machine") {
				t.Errorf("%s %s under Host %q: %d %q", c.method, c.path, host, code, body)
			}
			if h.Get("Content-Security-Policy") == "" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s under Host %q: the refusal lacks the security headers: %v", c.method, c.path, host, h)
			}
		}
		if code, body := command(host); code != http.StatusMisdirectedRequest {
			t.Errorf("signed /crm command under Host %q: %d %q", host, code, body)
		}
	}

	// Loopback names work, and what they post arrives.
	for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST:" + port} {
		if code, body, _ := demoRequest(t, d, "GET", "/demo/panes", host, nil, nil); code != http.StatusOK {
			t.Errorf("GET /demo/panes under Host %q: %d %q", host, code, body)
		}
	}
	host := "localhost:" + port
	if code, _, _ := demoRequest(t, d, "POST", "/demo/discord/say", host, url.Values{"client": {emma}, "text": {"loopback hello"}},
		map[string]string{"Origin": "http://" + host}); code != http.StatusSeeOther {
		t.Fatalf("the page's own form: %d", code)
	}
	// Had a refused command gone through, this one would find the
	// company already there.
	if code, body := command(host); code != http.StatusOK || !strings.Contains(body, "Created *Rebound Ltd*") {
		t.Errorf("signed /crm command from loopback: %d %q", code, body)
	}
	d.waitPanes(t, "loopback hello")
	if panes := d.get(t, "/demo/panes"); strings.Contains(panes, "rebound hello") {
		t.Error("a message posted under a foreign Host reached the chat")
	}
	if !strings.Contains(d.logs.String(), "request for another host refused") {
		t.Errorf("the refusals were not logged:\n%s", d.logs.String())
	}
}

// TestDemoListensOnlyOnLoopback: `jayaya demo --addr` (or JAYAYA_ADDR)
// naming anything but a loopback address is refused with exit 2 and the
// reason, before anything starts (issue 22, defect 3).
func TestDemoListensOnlyOnLoopback(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		says string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, nil, `--addr "0.0.0.0:0"`},
		{[]string{"--addr", ":0"}, nil, `--addr ":0"`},
		{[]string{"--addr", "[::]:0"}, nil, `--addr "[::]:0"`},
		{[]string{"--addr", "192.0.2.1:8080"}, nil, `--addr "192.0.2.1:8080"`},
		{[]string{"--addr", "demo.example.com:8080"}, nil, `--addr "demo.example.com:8080"`},
		{nil, map[string]string{"JAYAYA_ADDR": ":0"}, `JAYAYA_ADDR ":0"`},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var out, errb syncBuffer
		code := run(ctx, append([]string{"demo"}, c.args...), envFunc(c.env), strings.NewReader(""), &out, &errb)
		cancel()
		what := fmt.Sprint(c.args, c.env)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", what, code, errb.String())
		}
		for _, want := range []string{c.says, "not a loopback address", "no login", "signing secret is published", "localhost:8080"} {
			if !strings.Contains(errb.String(), want) {
				t.Errorf("%s: the message lacks %q:\n%s", what, want, errb.String())
			}
		}
		if out.String() != "" {
			t.Errorf("%s: printed %q", what, out.String())
		}
	}
}

// TestDemoShowsOnlyKnownProblems: /demo/?problem= shows the alert of a
// known problem code and nothing for any other text, so a link cannot
// make the page say what it likes (issue 22, defect 7); a form posted
// without the script still comes back with its problem.
func TestDemoShowsOnlyKnownProblems(t *testing.T) {
	d := startDemo(t)
	spoof := "Your session expired: call +1 555 0100 to log in again"
	if page := d.get(t, "/demo/?problem="+url.QueryEscape(spoof)); strings.Contains(page, "555 0100") || strings.Contains(page, `<p class="problem" role="alert">`) {
		t.Errorf("the page shows a made-up problem:\n%s", page)
	}
	host := strings.TrimPrefix(d.url, "http://")
	code, _, h := demoRequest(t, d, "POST", "/demo/discord/say", host, url.Values{"text": {" "}}, map[string]string{"Origin": d.url})
	loc := h.Get("Location")
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/demo/?") {
		t.Fatalf("a form without a client: %d to %q", code, loc)
	}
	if page := d.get(t, loc); !strings.Contains(page, `<p class="problem" role="alert">Choose a client and write something.</p>`) {
		t.Errorf("the redirect's page (%s) does not show the problem:\n%s", loc, page)
	}
	if _, page, _ := demoRequest(t, d, "GET", loc, host, nil, map[string]string{"Accept-Language": "fr-FR,fr;q=0.9"}); !strings.Contains(page, `role="alert">Choisissez un client et écrivez quelque chose.</p>`) {
		t.Errorf("in French, the redirect's page does not show the problem")
	}
	code, body, _ := demoRequest(t, d, "POST", "/demo/discord/say", host, url.Values{"text": {" "}}, map[string]string{"Origin": d.url, "X-Demo-Script": "1"})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose a client and write something.") {
		t.Errorf("the same from the script: %d %q", code, body)
	}
}
