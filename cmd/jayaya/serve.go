package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	slackad "github.com/jayaya/jayayacrm/adapters/slack"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// app is a running JayayaCRM process: its configuration, store, HTTP router
// and the background workers (adapters, relay, scheduler) it started.
type app struct {
	cfg    *Config
	store  *core.Store
	log    *slog.Logger
	router chi.Router

	wg      sync.WaitGroup
	workers []string

	// ui answers /crm commands, buttons and forms from any chat platform.
	ui *bot.Router
	// slack is the Slack adapter, nil when SLACK_BOT_TOKEN is unset.
	slack *slackad.Adapter
}

// goWorker runs fn until ctx ends; its error, if any, is logged.
func (a *app) goWorker(ctx context.Context, name string, fn func(ctx context.Context) error) {
	a.workers = append(a.workers, name)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("worker stopped", "worker", name, "err", err)
		}
	}()
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "jayaya serve: unexpected argument %q (configuration comes from the environment)\n", args[0])
		return 2
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return 1
	}
	log := newLogger(cfg, stderr)
	st, err := core.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return 1
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return 1
	}
	for _, m := range applied {
		log.Info("migration applied", "migration", m)
	}

	a := &app{cfg: cfg, store: st, log: log, router: chi.NewRouter()}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	if err := a.wire(workCtx); err != nil {
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return 1
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "jayaya: JAYAYA_ADDR: cannot listen on %s: %v\n", cfg.Addr, err)
		return 1
	}
	srv := &http.Server{Handler: a.router, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "database", st.Engine(), "public_url", cfg.PublicURL,
		"slack", cfg.SlackEnabled(), "discord", cfg.DiscordEnabled(), "version", version)

	code := 0
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-serveErr:
		log.Error("http server failed", "err", err)
		code = 1
	}
	// Ordered shutdown: stop accepting requests, then stop the workers
	// (adapters, relay, scheduler) and let in-flight work drain, then close
	// the database (deferred).
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stopWork()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutCtx.Done():
		log.Warn("workers did not stop in time", "workers", a.workers)
	}
	log.Info("stopped")
	return code
}

// wire mounts every HTTP endpoint and starts the background workers that
// the configuration enables.
func (a *app) wire(ctx context.Context) error {
	a.router.Get("/healthz", a.healthz)

	a.ui = bot.NewRouter(a.store, a.log)

	if a.cfg.SlackEnabled() {
		a.slack = slackad.New(slackad.Config{
			BotToken: a.cfg.SlackBotToken, SigningSecret: a.cfg.SlackSigningSecret, AppToken: a.cfg.SlackAppToken,
			StaffChannel: a.cfg.SlackStaffChannel, APIURL: a.cfg.SlackAPIURL, PublicURL: a.cfg.PublicURL,
		}, a.store, a.ui, a.log)
		a.slack.Routes(a.router)
	}
	return nil
}

// healthz answers 200 when the database answers, 503 otherwise.
func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.store.Ping(ctx); err != nil {
		a.log.Warn("health check: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
		return
	}
	fmt.Fprintln(w, "ok")
}
