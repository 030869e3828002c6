package discordtest

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// discordEpochMS is the first millisecond of 2015, the origin of snowflakes.
const discordEpochMS = 1420070400000

// Config tunes a Server. The zero value is usable: every field has a default.
type Config struct {
	// Token is the bot token, without the "Bot " prefix. REST requests must
	// carry "Authorization: Bot <Token>"; IDENTIFY and RESUME accept the
	// token with or without the prefix. Default "test-bot-token".
	Token string
	// BotName is the bot user's username. Default "JayayaBot".
	BotName string
	// HeartbeatInterval is sent in HELLO. Discord sends 41.25 s, the default;
	// tests that exercise heartbeats want tens of milliseconds.
	HeartbeatInterval time.Duration
	// DisallowedIntents are intents the bot is not allowed to request (the
	// privileged ones not enabled in the developer portal). An IDENTIFY
	// asking for any of them is closed with code 4014.
	DisallowedIntents discordgo.Intent
	// Now is the clock; it decides timestamps, snowflakes and deadlines
	// (interaction callbacks within 3 s, nonce window). Default time.Now.
	Now func() time.Time
	// Logger receives debug logs of requests and gateway traffic.
	// Default: discard.
	Logger *slog.Logger
	// Unlimited switches the rate limits off: every request is answered
	// however fast they come. Off by default, the fake refuses requests
	// beyond Limits as Discord does.
	Unlimited bool
	// Limits tunes the rate limits; zero fields take Discord's (see
	// Limits).
	Limits Limits
}

// Seed holds the IDs of the world every new Server starts with: one guild
// owned by a human, with an @everyone role allowing ordinary member
// permissions (EveryonePermissions), a bot role adding BotRolePermissions,
// the bot as a member, and one text channel.
type Seed struct {
	GuildID        string // the guild, "JayayaCRM Test"
	ChannelID      string // its text channel, "support"
	EveryoneRoleID string // the @everyone role (same ID as the guild)
	BotRoleID      string // the bot's role
	OwnerID        string // the guild owner, a human with every permission
}

// Server is a fake Discord: an HTTP server answering REST under /api/v9 and
// the gateway websocket at "/". It is safe for concurrent use.
type Server struct {
	cfg  Config
	log  *slog.Logger
	http *httptest.Server

	routes  []*route
	limiter limiter

	mu     sync.Mutex
	notify chan struct{} // closed and replaced on every state change
	lastID uint64
	st     *world
	gw     *gateway
	faults []*faultEntry
	reqs   []*Request
	closed bool

	wg sync.WaitGroup // gateway goroutines
}

// NewServer starts a fake Discord on a loopback port. Call Close when done.
func NewServer(cfg Config) *Server {
	if cfg.Token == "" {
		cfg.Token = "test-bot-token"
	}
	if cfg.BotName == "" {
		cfg.BotName = "JayayaBot"
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 41250 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Limits.setDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: log, notify: make(chan struct{})}
	s.gw = newGateway()
	s.st = s.newWorld()
	s.routes = s.buildRoutes()
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Start is NewServer for tests: the server is closed when tb finishes.
// Register it before anything that talks to it, so that clients (closed by
// later cleanups) stop first.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s := NewServer(cfg)
	tb.Cleanup(s.Close)
	return s
}

// Close drops every gateway connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for c := range s.gw.conns {
		c.drop()
	}
	s.unlock()
	s.http.Close()
	s.wg.Wait()
}

// URL is the server's base address, "http://127.0.0.1:port". REST lives
// under URL()+"/api/v9".
func (s *Server) URL() string { return s.http.URL }

// GatewayURL is the websocket address GET /gateway answers, "ws://127.0.0.1:port".
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.http.URL, "http")
}

// Token is the bot token (without "Bot ").
func (s *Server) Token() string { return s.cfg.Token }

// AppID is the application's ID, which is also the bot user's ID.
func (s *Server) AppID() string { return s.st.botID }

// BotUser returns a copy of the bot's user object.
func (s *Server) BotUser() *discordgo.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.userLocked(s.st.botID)
}

// Seed returns the IDs of the world the server started with.
func (s *Server) Seed() Seed { return s.st.seed }

// HTTPClient returns a client whose transport sends https://discord.com/...
// requests to this server, keeping the path. Give it to Session.Client.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: NewRewriteTransport(s.http.URL, nil), Timeout: 10 * time.Second}
}

// NewSession returns a discordgo session aimed at this server, not yet
// opened: Bot token, rewritten HTTP client, ShouldRetryOnRateLimit false,
// intents Guilds|GuildMessages|MessageContent|DirectMessages, logging off.
func (s *Server) NewSession() (*discordgo.Session, error) {
	dg, err := discordgo.New("Bot " + s.cfg.Token)
	if err != nil {
		return nil, err
	}
	dg.Client = s.HTTPClient()
	dg.ShouldRetryOnRateLimit = false
	dg.Identify.Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages |
		discordgo.IntentMessageContent | discordgo.IntentDirectMessages
	dg.LogLevel = -1
	return dg, nil
}

// WaitFor calls cond each time the server's state changes (requests,
// dispatches, gateway traffic) until it returns true or timeout passes, and
// reports whether it became true. cond may call the server's accessors.
func (s *Server) WaitFor(cond func() bool, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.notify
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

// unlock wakes WaitFor callers and releases s.mu. Every path that changed
// state releases the lock through it.
func (s *Server) unlock() {
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
}

// now is the configured clock, in UTC.
func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// newIDLocked returns a fresh snowflake, strictly greater than any before,
// whose timestamp part is the clock's.
func (s *Server) newIDLocked() string {
	ms := uint64(s.now().UnixMilli() - discordEpochMS)
	id := ms << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return strconv.FormatUint(id, 10)
}

// snowflakeTime returns the creation time encoded in a snowflake.
func snowflakeTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpochMS).UTC()
}

// idLess compares two snowflakes numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
