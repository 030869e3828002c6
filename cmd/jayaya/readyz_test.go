package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
