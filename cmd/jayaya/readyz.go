package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// readyz serves GET /readyz, the readiness probe (GET /healthz stays the
// liveness probe): 200 when the database answers, no migration is running
// on it and every component in ready (the configured adapters' connections)
// is up; 503 otherwise. The body has one line per check, "ok" or why not.
//
// serve itself migrates before it listens, so while its own migrations run
// the probe cannot connect at all; a migration run by another process (a
// replica rolling out a new version, `jayaya migrate`) makes it 503.
func readyz(st *core.Store, ready *bot.Readiness, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		var b strings.Builder
		ok := true
		check := func(name string, err error, notReady string) {
			switch {
			case err != nil:
				ok = false
				fmt.Fprintf(&b, "%s: not ready: %v\n", name, err)
			case notReady != "":
				ok = false
				fmt.Fprintf(&b, "%s: not ready: %s\n", name, notReady)
			default:
				fmt.Fprintf(&b, "%s: ok\n", name)
			}
		}
		dbErr := st.Ping(ctx)
		if dbErr != nil {
			dbErr = fmt.Errorf("database unreachable")
		}
		check("database", dbErr, "")
		if dbErr == nil {
			running, err := st.MigrationsRunning(ctx)
			why := ""
			if running {
				why = "migrations are running"
			}
			check("migrations", err, why)
		}
		all, comps := ready.Status()
		for _, c := range comps {
			why := ""
			if !c.Ready {
				why = fmt.Sprintf("%s (since %s)", c.Reason, c.Since.UTC().Format(time.RFC3339))
			}
			check(c.Name, nil, why)
		}
		ok = ok && all
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			log.Debug("not ready", "checks", strings.ReplaceAll(strings.TrimSpace(b.String()), "\n", "; "))
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprint(w, b.String())
	}
}
