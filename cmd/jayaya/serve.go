package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/spf13/cobra"

	discordad "github.com/jayaya/jayayacrm/adapters/discord"
	slackad "github.com/jayaya/jayayacrm/adapters/slack"
	"github.com/jayaya/jayayacrm/admin"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// app is a running JayayaCRM process: its configuration, store, HTTP router
// and the background workers (adapters, relay, scheduler) it started.
type app struct {
	cfg    *Config
	store  *core.Store
	log    *slog.Logger
	router chi.Router
	// middleware, when set, runs in front of every route (serveHooks).
	middleware func(http.Handler) http.Handler

	wg      sync.WaitGroup
	workers []string

	// ui answers /crm commands, buttons and forms from any chat platform.
	ui *bot.Router
	// slack is the Slack adapter, nil when SLACK_BOT_TOKEN is unset.
	slack *slackad.Adapter
	// relay stores what arrives from either platform with its outbox
	// deliveries; worker sends them.
	relay  *bot.Relay
	worker *outbox.Worker
	// discord is the Discord adapter, nil when DISCORD_BOT_TOKEN is unset.
	discord *discordad.Adapter
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

// newServeCmd is "jayaya serve": the product, configured by the
// environment, until SIGINT or SIGTERM.
func newServeCmd(getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "migrate, then run HTTP, the adapters and the scheduler",
		Long: `Migrate the database, then serve HTTP on JAYAYA_ADDR and run the Slack and
Discord adapters and the scheduler that the environment enables. Stops
cleanly on SIGINT or SIGTERM. Configuration comes from the environment.`,
		Args: noArgsFromEnv,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := LoadConfig(getenv)
			if err != nil {
				return err
			}
			return serve(c.Context(), cfg, newLogger(cfg, c.ErrOrStderr()), serveHooks{})
		},
	}
}

// serveHooks let a command built on serve (demo) add to it; nil fields
// are skipped.
type serveHooks struct {
	// prepare runs once the database is migrated, before anything is wired.
	prepare func(ctx context.Context, st *core.Store) error
	// mount adds routes after the product's own, before it listens.
	mount func(r chi.Router)
	// listening is told the address once the listener is open; ctx ends
	// when serving does.
	listening func(ctx context.Context, addr string)
	// middleware runs in front of every route, after the metrics and the
	// security headers (so its refusals carry and count them too).
	middleware func(http.Handler) http.Handler
}

// serve runs the product with cfg until ctx ends: it migrates, wires the
// endpoints and workers, listens on cfg.Addr and shuts down in order. A
// failure to start is its error; a failure while serving is logged, and
// ends it with exit status 1.
func serve(ctx context.Context, cfg *Config, log *slog.Logger, hooks serveHooks) error {
	st, err := core.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		log.Info("migration applied", "migration", m)
	}
	if cfg.SlackEnabled() {
		// Slack messages stored before they were keyed by channel and
		// ts, in a ticket without a channel, lived in the staff channel.
		n, err := st.AdoptBareSlackSourceIDs(ctx, cfg.SlackStaffChannel)
		if err != nil {
			return fmt.Errorf("SLACK_STAFF_CHANNEL: %w", err)
		}
		if n > 0 {
			log.Info("slack messages given the staff channel", "messages", n)
		}
	}
	if hooks.prepare != nil {
		if err := hooks.prepare(ctx, st); err != nil {
			return err
		}
	}

	a := &app{cfg: cfg, store: st, log: log, router: chi.NewRouter(), middleware: hooks.middleware}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	if err := a.wire(workCtx); err != nil {
		return err
	}
	if hooks.mount != nil {
		hooks.mount(a.router)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("JAYAYA_ADDR: cannot listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: a.router, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "database", st.Engine(), "public_url", cfg.PublicURL,
		"slack", cfg.SlackEnabled(), "discord", cfg.DiscordEnabled(), "version", version, "replica", a.worker.Name)
	logChatsOff(log, cfg)
	if hooks.listening != nil {
		hooks.listening(workCtx, ln.Addr().String())
	}

	var failed error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-serveErr:
		log.Error("http server failed", "err", err)
		failed = exitStatus(1)
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
	return failed
}

// wire mounts every HTTP endpoint and starts the background workers that
// the configuration enables.
func (a *app) wire(ctx context.Context) error {
	// Observability first: chi wants middleware before any route.
	metrics, ready := bot.NewMetrics(a.store), bot.NewReadiness()
	a.router.Use(httpMetrics(metrics), admin.SecurityHeaders)
	if a.middleware != nil {
		a.router.Use(a.middleware)
	}
	a.router.Method(http.MethodGet, "/metrics", metricsHandler(metrics, a.log))
	a.router.Get("/readyz", readyz(a.store, ready, a.log))
	a.router.Get("/healthz", a.healthz)
	// The load of each Slack channel and Discord webhook, on /metrics and
	// the panel's Channels page.
	lanes := a.cfg.lanes()
	metrics.WatchLoad(a.store, lanes)

	a.ui = bot.NewRouter(a.store, a.log)
	// Whoever has no language of their own, and whom their platform says
	// nothing about, reads JAYAYA_LOCALE.
	a.ui.Locale = a.cfg.Locale

	// The outbox, and the ticket relay queuing through it: a platform's
	// threads exist only when it is on.
	a.worker = outbox.NewWorker(a.store, a.log.With("component", "delivery"))
	a.worker.Metrics = metrics
	a.relay = &bot.Relay{Store: a.store, Log: a.log.With("component", "relay"), Outbox: a.worker, Metrics: metrics, Locale: a.cfg.Locale}
	if a.cfg.SlackEnabled() {
		a.relay.SlackChannel = a.cfg.SlackStaffChannel
		a.relay.SlackOverflow = a.cfg.SlackOverflowChannels
	}
	if a.cfg.DiscordEnabled() {
		a.relay.DiscordChannel = a.cfg.DiscordSupportChannel
		a.relay.DiscordChannels = a.cfg.DiscordSupportChannels
		a.relay.DiscordWebhooks = a.cfg.DiscordWebhooks
	}
	// Each kind of delivery, declared once with its hooks.
	a.worker.Register(a.relay.Kinds()...)
	// Platform calls wait for their rate budget (bot.DefaultRules); a
	// post whose budget runs low waits a moment for more of its author's
	// messages to leave with it.
	var pacer *bot.Pacer // nil: calls go as they come
	if a.cfg.Pacing {
		pacer = bot.NewPacer()
		pacer.Metrics = metrics
	}
	postBudget := map[string]func(*core.Delivery) string{}
	a.relay.BudgetBusy = func(d *core.Delivery) (bool, time.Duration) {
		f := postBudget[d.Platform]
		if f == nil {
			return false, 0
		}
		return pacer.Busy(f(d), d.Stream)
	}
	// /crm company, person, comment, interests, tickets, ticket. Ticket
	// close/reopen goes through the relay (*bot.Relay satisfies
	// bot.TicketStatusSetter).
	bot.RegisterCRM(a.ui, bot.CRMDeps{Tickets: a.relay, ThreadURL: slackad.ThreadURL})

	if a.cfg.SlackEnabled() {
		a.slack = slackad.New(slackad.Config{
			BotToken: a.cfg.SlackBotToken, SigningSecret: a.cfg.SlackSigningSecret, AppToken: a.cfg.SlackAppToken,
			StaffChannel: a.cfg.SlackStaffChannel, APIURL: a.cfg.SlackAPIURL, PublicURL: a.cfg.PublicURL, Locale: a.cfg.Locale,
			Pacer: pacer,
		}, a.store, a.ui, a.log)
		postBudget[core.PlatformSlack] = a.slack.PostBudget
		// Staff without a language setting read the one Slack gives them.
		a.ui.Languages = a.slack
		a.slack.Metrics = metrics
		a.slack.TrackReadiness(ready)
		// Routing rules name channels the bot must be able to post in.
		a.store.SlackChannels = a.slack
		a.slack.Routes(a.router)
		// Slack side of the relay: staff replies in ticket threads, the
		// card's Close/Reopen buttons, the proxy serving staff's files to
		// clients, and Socket Mode instead of HTTP events when configured.
		a.slack.SetRelay(a.relay)
		a.slack.FileRoutes(a.router)
		bot.RegisterTicketActions(a.ui, a.relay)
		// Tasks: /crm task(s) in each user's Slack time zone, and the
		// reminder scheduler (cron, every minute). Every replica runs one;
		// the database claims make each reminder and digest leave once.
		bot.RegisterTasks(a.ui, bot.TaskDeps{Zones: a.slack})
		reminders := &bot.Reminders{Store: a.store, Log: a.log.With("component", "reminders"), Zones: a.slack, Outbox: a.worker, Locale: a.cfg.Locale}
		a.goWorker(ctx, "reminders", reminders.Run)
		// The token checked (and the bot's user learnt) before /readyz
		// says this replica can take Slack's events.
		a.goWorker(ctx, "slack-auth", a.slack.CheckAuth)
		// Staff replies written while no replica was receiving events:
		// read back from the open tickets' threads, in the background so
		// /readyz is not held up. Every replica does it at start; the
		// relay keys messages by their ts, so each reply is stored once.
		// since is taken before the listener opens, so replies stored
		// live meanwhile do not hide older ones.
		since := a.store.Now()
		a.goWorker(ctx, "slack-catch-up", func(ctx context.Context) error { return a.slack.CatchUp(ctx, since) })
		if a.cfg.SlackAppToken != "" {
			a.goWorker(ctx, "slack-socket-mode", a.slack.RunSocketMode)
		}
	}

	if a.cfg.DiscordEnabled() {
		var err error
		a.discord, err = discordad.New(discordad.Config{
			Token: a.cfg.DiscordBotToken, GuildID: a.cfg.DiscordGuildID,
			SupportChannel: a.cfg.DiscordSupportChannel, SupportChannels: a.cfg.DiscordSupportChannels,
			APIURL: a.cfg.DiscordAPIURL, Pacer: pacer, Replica: a.worker.Name,
		}, a.relay, a.log)
		if err != nil {
			return err
		}
		postBudget[core.PlatformDiscord] = a.discord.PostBudget
		a.discord.Metrics, a.discord.Ready = metrics, ready
		if a.slack != nil {
			// Staff's files are private to Slack: the Slack adapter
			// reads them for the Discord adapter to upload.
			a.discord.Files = a.slack
		}
		a.worker.Senders = append(a.worker.Senders, a.discord)
		a.goWorker(ctx, "discord", a.discord.RunExclusive)
	}
	if a.slack != nil {
		a.worker.Senders = append(a.worker.Senders, a.slack)
	}
	// The worker sends whatever any replica queued (LISTEN/NOTIFY on
	// PostgreSQL); a stopping worker finishes its sends in flight.
	a.goWorker(ctx, "delivery", a.worker.Run)

	// The web panel, with its own session and cross-origin middleware (the
	// Slack endpoints above stay outside them).
	routing := admin.RoutingConfig{}
	if a.cfg.SlackEnabled() {
		routing.SlackChannel, routing.SlackOverflow = a.cfg.SlackStaffChannel, a.cfg.SlackOverflowChannels
	}
	if a.cfg.DiscordEnabled() {
		routing.DiscordChannels = a.cfg.DiscordSupportChannels
	}
	panel, err := admin.New(admin.Config{Store: a.store, Log: a.log, PublicURL: a.cfg.PublicURL, Locale: a.cfg.Locale, Routing: routing, Lanes: lanes})
	if err != nil {
		return err
	}
	// With JAYAYA_PUBLIC_URL set, the panel answers only at its host: a
	// page that rebinds another name to this server gets nothing.
	panelRoutes := panel.Routes()
	if a.cfg.PublicURLSet {
		panelRoutes = publicHostOnly(a.cfg.PublicURL, a.cfg.Locale, a.log)(panelRoutes)
	}
	a.router.Mount("/admin", panelRoutes)
	a.router.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/admin/", http.StatusFound) })
	if token, err := a.store.NewSetupToken(ctx); err != nil {
		return fmt.Errorf("admin setup link: %w", err)
	} else if token != "" {
		a.log.Warn("no admin exists yet: open this one-time link to create the first one (or run jayaya user add)",
			"url", a.cfg.PublicURL+"/admin/setup?token="+token)
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
