package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// probe calls the readyz handler once.
func probe(t *testing.T, st *core.Store, ready *bot.Readiness) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	readyz(st, ready, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestReadyzFollowsComponents(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ready := bot.NewReadiness()
		if code, body := probe(t, st, ready); code != 200 || body != "database: ok\nmigrations: ok\n" {
			t.Fatalf("nothing tracked: %d %q", code, body)
		}
		ready.Set("slack", true, "")
		ready.Set("discord", false, "gateway disconnected")
		code, body := probe(t, st, ready)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "discord: not ready: gateway disconnected (since ") || !strings.Contains(body, "slack: ok") {
			t.Fatalf("discord down: %d %q", code, body)
		}
		ready.Set("discord", true, "")
		if code, body := probe(t, st, ready); code != 200 || !strings.Contains(body, "discord: ok") {
			t.Fatalf("discord back: %d %q", code, body)
		}
		st.Close()
		if code, body := probe(t, st, ready); code != http.StatusServiceUnavailable || !strings.Contains(body, "database: not ready: database unreachable") {
			t.Fatalf("database closed: %d %q", code, body)
		}
	})
}

func TestReadyzWhileMigrating(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := coretest.MustOpenPostgres(t)
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// 7_318_461_002 is core's migration advisory lock: what Migrate holds.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7318461002)"); err != nil {
		t.Fatal(err)
	}
	if code, body := probe(t, st, bot.NewReadiness()); code != http.StatusServiceUnavailable || !strings.Contains(body, "migrations: not ready: migrations are running") {
		t.Fatalf("while migrating: %d %q", code, body)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7318461002)"); err != nil {
		t.Fatal(err)
	}
	if code, _ := probe(t, st, bot.NewReadiness()); code != 200 {
		t.Fatalf("after migrating: %d", code)
	}
}

// waitProbe polls GET /readyz until it answers code with every want in
// its body, failing the test after waitTimeout.
func waitProbe(t *testing.T, base string, code int, want ...string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got, body, _ := get(t, base+"/readyz")
		ok := got == code
		for _, w := range want {
			ok = ok && strings.Contains(body, w)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz: %d %q; want %d with %q", got, body, code, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadyzFollowsConnections runs the binary with Slack over Socket
// Mode and Discord's gateway, against the fakes: ready once both are
// connected, not ready while Slack cannot reconnect, ready again after;
// the gateway metrics follow.
func TestReadyzFollowsConnections(t *testing.T) {
	t.Parallel()
	w := setupRelayWorld(t, core.EngineSQLite)
	w.extraEnv = map[string]string{"SLACK_APP_TOKEN": w.slack.Config().AppToken}
	w.proc = w.start(w.dbURL)
	base := "http://" + w.proc.addr
	w.waitSlack(func(st *slacktest.State) bool { return st.SocketConnections() > 0 })
	waitProbe(t, base, http.StatusOK, "slack: ok", "discord: ok")
	m := scrapeMetrics(t, w.proc.addr)
	if m[`jayaya_gateway_connected{platform="slack"}`] != 1 || m[`jayaya_gateway_connected{platform="discord"}`] != 1 {
		t.Fatalf("connected gauges: slack %v discord %v", m[`jayaya_gateway_connected{platform="slack"}`], m[`jayaya_gateway_connected{platform="discord"}`])
	}

	// Slack's socket drops and apps.connections.open is down.
	w.slack.SetOutage("apps.connections.open", true)
	w.slack.DropSocket()
	waitProbe(t, base, http.StatusServiceUnavailable, "slack: not ready: ", "discord: ok")
	if v := scrapeMetrics(t, w.proc.addr)[`jayaya_gateway_connected{platform="slack"}`]; v != 0 {
		t.Errorf("slack connected gauge during the outage: %v", v)
	}
	w.slack.SetOutage("apps.connections.open", false)
	waitProbe(t, base, http.StatusOK, "slack: ok")

	// Discord's gateway drops; the adapter resumes.
	w.discord.DropGateway()
	w.waitDiscord("a new gateway connection", func() bool { return w.discord.GatewayStats().Connections >= 2 && w.discord.GatewayStats().Connected })
	waitProbe(t, base, http.StatusOK, "discord: ok")
	m = scrapeMetrics(t, w.proc.addr)
	for _, p := range []string{"slack", "discord"} {
		if m[`jayaya_gateway_reconnects_total{platform="`+p+`"}`] < 1 || m[`jayaya_gateway_connected{platform="`+p+`"}`] != 1 {
			t.Errorf("%s: reconnects %v, connected %v", p, m[`jayaya_gateway_reconnects_total{platform="`+p+`"}`], m[`jayaya_gateway_connected{platform="`+p+`"}`])
		}
	}
}

// TestReadyzSlackLine: with Slack over HTTP (no Socket Mode), /readyz has
// a Slack line: ok once the bot token passed auth.test at start; with a
// token Slack refuses, not ready (the replica cannot take Slack's events)
// and the line says why.
func TestReadyzSlackLine(t *testing.T) {
	t.Parallel()
	t.Run("token good", func(t *testing.T) {
		w := newRelayWorld(t, core.EngineSQLite)
		waitProbe(t, "http://"+w.proc.addr, http.StatusOK, "slack: ok\n", "discord: ok\n")
	})
	t.Run("token refused", func(t *testing.T) {
		w := setupRelayWorld(t, core.EngineSQLite)
		w.extraEnv = map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked"}
		w.proc = w.start(w.dbURL)
		waitProbe(t, "http://"+w.proc.addr, http.StatusServiceUnavailable,
			"slack: not ready: auth.test failed: invalid_auth (check SLACK_BOT_TOKEN) (since ", "discord: ok\n")
	})
}
