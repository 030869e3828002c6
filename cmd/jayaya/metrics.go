package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jayaya/jayayacrm/bot"
)

// metricsHandler serves GET /metrics: m's registry in the Prometheus text
// format. A collector that fails (the outbox gauges when the database does
// not answer) is logged and left out; the other series are still served.
func metricsHandler(m *bot.Metrics, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// httpMetrics is chi middleware timing every request into m, labelled by
// the route pattern that matched (like /slack/events or /admin/*), or
// "unmatched", never by the raw path.
func httpMetrics(m *bot.Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			route := ""
			if rc := chi.RouteContext(r.Context()); rc != nil {
				route = rc.RoutePattern()
			}
			if route == "" {
				route = "unmatched"
			}
			code := ww.Status()
			if code == 0 {
				code = http.StatusOK
			}
			m.HTTPRequest(route, r.Method, code, time.Since(start))
		})
	}
}
