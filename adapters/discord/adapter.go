// Package discord is JayayaCRM's Discord adapter (discordgo): it holds the
// gateway session, turns client messages, edits, deletions and slash
// commands into calls on the relay (bot.Relay), and delivers the outbox's
// discord.* rows (threads, webhook posts, reactions, archive and lock).
// It is the only place Discord types appear.
package discord

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Intents are the gateway intents the adapter asks for. Message content is
// privileged: it must be switched on for the bot in the developer portal.
const Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentMessageContent | discordgo.IntentDirectMessages

// Config is the Discord part of JayayaCRM's configuration.
type Config struct {
	// Token is the bot token, without "Bot ".
	Token string
	// GuildID is the clients' guild; SupportChannel the first text
	// channel where they open tickets, and SupportChannels every one of
	// them (SupportChannel first; nil: SupportChannel alone). A ticket's
	// thread lives under the channel it was opened from.
	GuildID         string
	SupportChannel  string
	SupportChannels []string
	// APIURL is the REST origin (DISCORD_API_URL); requests keep their
	// /api/v9 paths and the gateway URL is asked from it. Default
	// https://discord.com.
	APIURL string
	// Pacer, when set, holds REST calls within Discord's per-route limits
	// where discordgo cannot (see budgetOf); nil sends them as they come.
	Pacer *bot.Pacer
	// Replica names this process in the gateway lock's holder row
	// (RunExclusive); the delivery worker's name.
	Replica string
	// AnswerWithin is how long a slash command's work may run before its
	// answer is deferred (Discord shows "thinking…" and the answer
	// replaces it when ready): Discord refuses an answer sent more than
	// 3 s after the interaction. Zero means DefaultAnswerWithin.
	AnswerWithin time.Duration
}

// DefaultAnswerWithin leaves a deferred answer more than a second of
// Discord's 3 s to reach it, on a slow network.
const DefaultAnswerWithin = 1500 * time.Millisecond

// Adapter connects JayayaCRM to one Discord guild.
type Adapter struct {
	// Metrics and Ready, when set (before Run), follow the gateway
	// connection and count inbound events.
	Metrics *bot.Metrics
	Ready   *bot.Readiness
	// Files, when set (before Run), downloads the relayed files only
	// their platform's adapter can read (staff's Slack files) for
	// upload; other attachments are downloaded from their URLs.
	Files bot.FileFetcher

	cfg   Config
	dg    *discordgo.Session
	relay *bot.Relay
	store *core.Store
	log   *slog.Logger

	mu    sync.Mutex
	botID string
	appID string
	// pools are the support channels' webhook pools (webhooks.go).
	pools map[string]*webhookPool
	// send performs each kind of delivery (senders).
	send bot.Senders

	runCtx context.Context
	// caughtUp is closed when the catch-up after the latest READY is
	// done; live message events wait for it so that a thread's messages
	// are stored in the order they were written.
	caughtUp chan struct{}
	catchups sync.WaitGroup
	// queues handle message events per channel, in gateway order.
	queues channelQueues
}

var _ outbox.Sender = (*Adapter)(nil)

// New returns an adapter for cfg whose inbound messages go to relay. The
// session is not opened until Run.
func New(cfg Config, relay *bot.Relay, log *slog.Logger) (*Adapter, error) {
	if log == nil {
		log = slog.Default()
	}
	dg, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	client, err := httpClient(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	// Paced when there is a pacer; in every case no request leaves for a
	// delivery whose lease may be lost (outbox.LeaseHeld).
	client.Transport = &bot.PacedTransport{Pacer: cfg.Pacer, Base: client.Transport, Budget: budgetOf}
	dg.Client = client
	// 429s come back as *discordgo.RateLimitError: the delivery worker
	// schedules the retry instead of discordgo sleeping on it.
	dg.ShouldRetryOnRateLimit = false
	// Nor does discordgo repeat a request that got a 502 on its own: the
	// request may have gone through (a webhook post would then appear
	// twice). The worker retries, after looking for the earlier copy.
	dg.MaxRestRetries = 0
	dg.Identify.Intents = Intents
	dg.LogLevel = -1
	// Handlers run in gateway order; message events are then queued per
	// channel (channelQueues), so a thread's messages are stored in the
	// order they were written.
	dg.SyncEvents = true
	a := &Adapter{cfg: cfg, dg: dg, relay: relay, store: relay.Store, log: log.With("platform", core.PlatformDiscord), runCtx: context.Background(), caughtUp: closedChan()}
	a.send = a.senders()
	// Clients Discord says nothing about read the guild's language.
	if relay.DiscordGuildLocale == nil {
		relay.DiscordGuildLocale = a.GuildLocale
	}
	dg.AddHandler(a.onConnect)
	dg.AddHandler(a.onDisconnect)
	dg.AddHandler(a.onReady)
	dg.AddHandler(a.onResumed)
	dg.AddHandler(a.onMessageCreate)
	dg.AddHandler(a.onMessageUpdate)
	dg.AddHandler(a.onMessageDelete)
	dg.AddHandler(a.onInteraction)
	return a, nil
}

// GuildLocale returns the clients' guild's preferred locale ("fr",
// "en-US") as the gateway last told it, "" before it has.
func (a *Adapter) GuildLocale() string {
	g, err := a.dg.State.Guild(a.cfg.GuildID)
	if err != nil || g == nil {
		return ""
	}
	return g.PreferredLocale
}

// Session returns the discordgo session the adapter uses.
func (a *Adapter) Session() *discordgo.Session { return a.dg }

// Platform names the platform the adapter delivers to.
func (a *Adapter) Platform() string { return core.PlatformDiscord }

// Run opens the gateway session, registers the slash commands and serves
// until ctx ends, then closes the session. discordgo reconnects by itself (RESUME, or a fresh
// IDENTIFY followed by a catch-up) while Run runs.
func (a *Adapter) Run(ctx context.Context) error {
	a.mu.Lock()
	a.runCtx = ctx
	a.mu.Unlock()
	// Discord may be unreachable at start: keep trying (an IDENTIFY
	// storm would get the token reset, so back off up to a minute).
	for delay := time.Second; ; delay = min(delay*2, time.Minute) {
		err := a.dg.Open()
		if err == nil {
			break
		}
		a.log.Error("cannot open the Discord gateway; retrying", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
	}
	defer func() {
		a.dg.Close()
		a.catchups.Wait()
		a.queues.wait()
	}()
	if err := a.registerCommands(ctx); err != nil {
		a.log.Error("register slash commands", "err", err)
	}
	a.log.Info("discord connected", "guild", a.cfg.GuildID, "support_channels", a.supportChannels())
	<-ctx.Done()
	return nil
}

// supportChannels are the channels where clients open tickets.
func (a *Adapter) supportChannels() []string {
	if len(a.cfg.SupportChannels) == 0 {
		return []string{a.cfg.SupportChannel}
	}
	return a.cfg.SupportChannels
}

// isSupport reports whether clients open tickets in channel id.
func (a *Adapter) isSupport(id string) bool { return slices.Contains(a.supportChannels(), id) }

func (a *Adapter) ctx() context.Context {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runCtx
}

// botUserID is the bot's own user ID (known from READY).
func (a *Adapter) botUserID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botID
}

// onReady follows a fresh IDENTIFY (first connection, or after the
// session was invalidated): nothing missed is replayed, so catch up. The
// catch-up runs beside the event loop (which must keep reading, for
// heartbeat acknowledgements) while live message events wait for it.
func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	gate := make(chan struct{})
	a.mu.Lock()
	if r.User != nil {
		a.botID = r.User.ID
	}
	if r.Application != nil {
		a.appID = r.Application.ID
	}
	ctx := a.runCtx
	a.caughtUp = gate
	a.mu.Unlock()
	a.log.Info("discord session ready; catching up on ticket threads", "session", r.SessionID)
	a.catchups.Add(1)
	go func() {
		defer a.catchups.Done()
		defer close(gate)
		if err := a.CatchUp(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("catch-up", "err", err)
		}
	}()
}

// afterCatchUp waits until the current catch-up is done (or ctx ends).
func (a *Adapter) afterCatchUp(ctx context.Context) {
	a.mu.Lock()
	gate := a.caughtUp
	a.mu.Unlock()
	select {
	case <-gate:
	case <-ctx.Done():
	}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// onConnect and onDisconnect follow the gateway connection.
func (a *Adapter) onConnect(_ *discordgo.Session, _ *discordgo.Connect) {
	a.Metrics.GatewayConnected(core.PlatformDiscord, true)
	a.Ready.Set(core.PlatformDiscord, true, "")
}

func (a *Adapter) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	a.Metrics.GatewayConnected(core.PlatformDiscord, false)
	a.Ready.Set(core.PlatformDiscord, false, "gateway disconnected; reconnecting")
}

// onResumed follows a RESUME: Discord replays what was missed.
func (a *Adapter) onResumed(_ *discordgo.Session, _ *discordgo.Resumed) {
	a.log.Info("discord session resumed")
}

// httpClient returns the client discordgo uses: requests for Discord's
// hosts go to apiURL's scheme and host, keeping their paths (discordgo's
// endpoint strings are fixed at package init).
func httpClient(apiURL string) (*http.Client, error) {
	c := &http.Client{Timeout: 20 * time.Second}
	if apiURL == "" || apiURL == "https://discord.com" {
		return c, nil
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("DISCORD_API_URL: want an origin like https://discord.com, got %q", apiURL)
	}
	c.Transport = &rewriteTransport{target: u, base: http.DefaultTransport}
	return c, nil
}

// rewriteTransport sends requests for Discord's hosts to target.
type rewriteTransport struct {
	target *url.URL
	base   http.RoundTripper
}

// RoundTrip rewrites the scheme and host of requests for Discord's hosts.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Host {
	case "discord.com", "discordapp.com", "cdn.discordapp.com", "media.discordapp.net":
		r := req.Clone(req.Context())
		r.URL.Scheme = t.target.Scheme
		r.URL.Host = t.target.Host
		r.Host = t.target.Host
		req = r
	}
	return t.base.RoundTrip(req)
}
