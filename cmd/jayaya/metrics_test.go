package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// serveInProcess runs `jayaya serve` in-process and returns its address;
// it stops when the test ends.
func serveInProcess(t *testing.T, env map[string]string) (addr string, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, envFunc(env), strings.NewReader(""), io.Discard, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, logs.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return waitForAddr(t, logs), logs
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestMetricsAndReadyzEndpoints(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db"), "JAYAYA_ADDR": "127.0.0.1:0"}
	addr, _ := serveInProcess(t, env)
	base := "http://" + addr

	if code, body, _ := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, "database: ok") {
		t.Fatalf("readyz: %d %q", code, body)
	}
	get(t, base+"/healthz")
	get(t, base+"/healthz")
	if code, _, _ := get(t, base+"/no/such/page"); code != http.StatusNotFound {
		t.Fatalf("unknown page answered %d", code)
	}
	code, body, h := get(t, base+"/metrics")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s", code, h.Get("Content-Type"))
	}
	for _, want := range []string{
		`jayaya_http_request_duration_seconds_count{code="200",method="GET",route="/healthz"} 2`,
		`jayaya_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"} 1`,
		`jayaya_http_request_duration_seconds_count{code="200",method="GET",route="/readyz"} 1`,
		"jayaya_outbox_pending 0",
		"jayaya_outbox_parked 0",
		"jayaya_outbox_oldest_pending_age_seconds 0",
		`jayaya_relay_deliveries_total{outcome="done",platform="discord"} 0`,
		`jayaya_inbound_events_total{platform="slack",result="bad_signature"} 0`,
		"jayaya_reminder_dms_sent_total 0",
		"# TYPE jayaya_relay_delivery_latency_seconds histogram",
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

// scrapeMetrics reads GET /metrics into a map from series (as printed,
// like `jayaya_outbox_pending` or `x_total{a="b"}`) to value.
func scrapeMetrics(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	out, err := scrapeOnce(addr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// scrapeOnce is scrapeMetrics returning its error (for benchmarks, and
// for processes that may not answer).
func scrapeOnce(addr string) (map[string]float64, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %d %v", resp.StatusCode, err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out, nil
}

// TestMetricsMoveWithTheRelay runs the binary between the fake Slack and
// the fake Discord and scrapes /metrics as a ticket's messages go through:
// inbound events by result, deliveries and their latency, the gateway
// state, HTTP requests and the outbox draining.
func TestMetricsMoveWithTheRelay(t *testing.T) {
	t.Parallel()
	w := newRelayWorld(t, core.EngineSQLite)
	addr := w.proc.addr
	before := scrapeMetrics(t, addr)
	if before[`jayaya_gateway_connected{platform="discord"}`] != 1 {
		t.Fatalf("discord gateway not reported connected: %v", before[`jayaya_gateway_connected{platform="discord"}`])
	}

	ts := w.openByMessage(1, "The printer jams")
	w.clientSays(ts, "Every page")
	w.waitSlack(func(*slacktest.State) bool { return len(w.relayedToSlack(ts)) == 2 })
	r := w.staffSays(ts, w.staff.ID, "Try the other tray")
	w.waitDiscord("the staff reply", func() bool { return len(w.relayedToDiscord(ts)) == 1 })
	w.waitSlack(func(st *slacktest.State) bool {
		m, _ := st.Message(w.staffCh, r.TS)
		return hasReaction(m, "white_check_mark")
	})
	ctx := context.Background()
	// The same reply again (Slack redelivering it), a stranger's reply,
	// and a forged request.
	if d, err := w.slack.HTTP().MessageEvent(ctx, w.staffCh, r.TS); err != nil || !d.OK() {
		t.Fatalf("redelivery: %+v %v", d, err)
	}
	w.staffSays(ts, w.stranger.ID, "I am not staff")
	if d, err := w.slack.HTTP().MessageEvent(ctx, w.staffCh, r.TS, slacktest.BadSignature()); err != nil || d.Status != http.StatusUnauthorized {
		t.Fatalf("forged event: %+v %v", d, err)
	}

	var after map[string]float64
	w.waitDB("the outbox to drain", func(context.Context) bool {
		after = scrapeMetrics(t, addr)
		return after["jayaya_outbox_pending"] == 0
	})
	moved := func(series string) float64 { return after[series] - before[series] }
	atLeast := map[string]float64{
		`jayaya_inbound_events_total{platform="discord",result="accepted"}`:                          2, // the opening message and the next
		`jayaya_inbound_events_total{platform="slack",result="accepted"}`:                            1,
		`jayaya_inbound_events_total{platform="slack",result="duplicate"}`:                           1,
		`jayaya_inbound_events_total{platform="slack",result="refused"}`:                             1,
		`jayaya_inbound_events_total{platform="slack",result="bad_signature"}`:                       1,
		`jayaya_relay_deliveries_total{outcome="done",platform="slack"}`:                             3, // card, two relayed messages
		`jayaya_relay_deliveries_total{outcome="done",platform="discord"}`:                           2, // thread, staff reply
		`jayaya_relay_delivery_latency_seconds_count{platform="slack"}`:                              3,
		`jayaya_relay_delivery_latency_seconds_count{platform="discord"}`:                            2,
		`jayaya_http_request_duration_seconds_count{code="200",method="POST",route="/slack/events"}`: 3,
		`jayaya_http_request_duration_seconds_count{code="401",method="POST",route="/slack/events"}`: 1,
	}
	for series, min := range atLeast {
		if got := moved(series); got < min {
			t.Errorf("%s moved by %v, want at least %v", series, got, min)
		}
	}
	if got := moved(`jayaya_relay_deliveries_total{outcome="parked",platform="discord"}`) + moved(`jayaya_relay_deliveries_total{outcome="parked",platform="slack"}`); got != 0 {
		t.Errorf("%v deliveries parked", got)
	}
	if after["jayaya_outbox_parked"] != 0 || after["jayaya_outbox_oldest_pending_age_seconds"] != 0 {
		t.Errorf("outbox after draining: parked %v, oldest %v", after["jayaya_outbox_parked"], after["jayaya_outbox_oldest_pending_age_seconds"])
	}
	// The lanes: the staff channel and the first webhook of the support
	// channel's pool carry the open ticket; the pool's other webhooks
	// (ten by default) none.
	lanes := map[string]float64{
		`jayaya_slack_channel_open_tickets{channel="` + w.staffCh + `"}`:                1,
		`jayaya_slack_channel_queued_posts{channel="` + w.staffCh + `"}`:                0,
		`jayaya_discord_webhook_open_tickets{channel="` + w.support + `",webhook="1"}`:  1,
		`jayaya_discord_webhook_open_tickets{channel="` + w.support + `",webhook="10"}`: 0,
		`jayaya_discord_webhook_wait_seconds{channel="` + w.support + `",webhook="1"}`:  0,
	}
	for series, want := range lanes {
		if got, ok := after[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if _, ok := after[`jayaya_discord_webhook_open_tickets{channel="`+w.support+`",webhook="11"}`]; ok {
		t.Errorf("a webhook beyond the pool's ten is reported")
	}
}

// TestHTTPMetricsLabelsAreBounded: request data never becomes a label
// value. Made-up methods all count as method="other" and unknown paths as
// the route pattern that caught them (or "unmatched"), so a flood of
// distinct methods and paths adds no series (issue 22, defect 1).
func TestHTTPMetricsLabelsAreBounded(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db"), "JAYAYA_ADDR": "127.0.0.1:0"}
	addr, _ := serveInProcess(t, env)
	base := "http://" + addr
	series := func() map[string]float64 {
		out := map[string]float64{}
		for k, v := range scrapeMetrics(t, addr) {
			if strings.HasPrefix(k, "jayaya_http_request_duration_seconds_count{") {
				out[k] = v
			}
		}
		return out
	}
	send := func(method, path string) {
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	// One round of each kind first, so that every series the flood may
	// use exists; then the flood must add none.
	round := func(i int) {
		send(fmt.Sprintf("X%dABC", i), "/")
		send(fmt.Sprintf("X%dABC", i), fmt.Sprintf("/no/such/page/%d", i))
		send(http.MethodGet, fmt.Sprintf("/no/such/page/%d", i))
		send(http.MethodGet, fmt.Sprintf("/admin/nope-%d", i))
		send(http.MethodDelete, fmt.Sprintf("/healthz?x=%d", i))
	}
	round(0)
	series() // the scrape's own series, too
	before := series()
	const flood = 40
	for i := 1; i <= flood; i++ {
		round(i)
	}
	after := series()
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("the flood added the series %s", k)
		}
		if strings.Contains(k, "ABC") || strings.Contains(k, "nope") || strings.Contains(k, "such") {
			t.Errorf("request data in a label: %s", k)
		}
	}
	if got := after[`jayaya_http_request_duration_seconds_count{code="405",method="other",route="unmatched"}`] +
		after[`jayaya_http_request_duration_seconds_count{code="404",method="other",route="unmatched"}`]; got < 2*(flood+1) {
		t.Errorf("made-up methods counted as other: %v, want at least %d", got, 2*(flood+1))
	}
	if t.Failed() {
		t.Logf("series after the flood:\n%v", after)
	}
}
