package slacktest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// DefaultScopes are the bot scopes the fake grants when Config.Scopes is nil:
// everything the product needs.
var DefaultScopes = []string{
	"app_mentions:read", "channels:history", "channels:join", "channels:read", "chat:write",
	"chat:write.customize", "commands", "files:read", "files:write",
	"groups:history", "groups:read", "im:history", "im:read", "im:write",
	"reactions:read", "reactions:write", "users:read", "users:read.email",
}

// Config describes the fake workspace and its app. Zero fields take the
// defaults named in their comments.
type Config struct {
	BotToken          string   // "xoxb-fake-bot-token"
	AppToken          string   // "xapp-fake-app-token", for apps.connections.open
	SigningSecret     string   // "fake-signing-secret"
	VerificationToken string   // "fake-verification-token", the deprecated token field of payloads
	TeamID            string   // "T0FAKETEAM"
	TeamDomain        string   // "jayaya-test"
	TeamName          string   // "Jayaya Test"
	AppID             string   // "A0FAKEAPP"
	BotID             string   // "B0FAKEBOT"
	BotUserID         string   // "U0FAKEBOT"
	BotName           string   // "jayaya"
	Scopes            []string // DefaultScopes; sent in X-OAuth-Scopes, checked per method

	// ProductURL is the product's base URL for HTTP callbacks, which go to
	// ProductURL+CommandsPath and so on. SetProductURL sets it later.
	ProductURL       string
	CommandsPath     string // "/slack/commands"
	EventsPath       string // "/slack/events"
	InteractionsPath string // "/slack/interactions"

	Now             func() time.Time // time.Now; shifted by Server.Advance
	TriggerTTL      time.Duration    // 3s: how long a trigger_id opens a view
	PingInterval    time.Duration    // 10s: Socket Mode pings; slack-go gives up after 30s without one
	WaitTimeout     time.Duration    // 5s: State.WaitFor's limit
	CallbackTimeout time.Duration    // 10s: how long a callback may take when ctx has no deadline
	AckTimeout      time.Duration    // SlackDeadline (3s): an Events API envelope unacknowledged this long is sent again

	// Unlimited switches the rate-limit model off: every call is answered
	// however fast they come. Off by default, the fake refuses calls
	// beyond Limits as Slack does.
	Unlimited bool
	// Limits tunes the rate-limit model; zero fields take Slack's
	// documented limits (see Limits).
	Limits Limits

	baseURL string // the fake's own URL, set by New
}

func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.BotToken, "xoxb-fake-bot-token")
	def(&c.AppToken, "xapp-fake-app-token")
	def(&c.SigningSecret, "fake-signing-secret")
	def(&c.VerificationToken, "fake-verification-token")
	def(&c.TeamID, "T0FAKETEAM")
	def(&c.TeamDomain, "jayaya-test")
	def(&c.TeamName, "Jayaya Test")
	def(&c.AppID, "A0FAKEAPP")
	def(&c.BotID, "B0FAKEBOT")
	def(&c.BotUserID, "U0FAKEBOT")
	def(&c.BotName, "jayaya")
	def(&c.CommandsPath, "/slack/commands")
	def(&c.EventsPath, "/slack/events")
	def(&c.InteractionsPath, "/slack/interactions")
	if c.Scopes == nil {
		c.Scopes = DefaultScopes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	dur := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	dur(&c.TriggerTTL, 3*time.Second)
	dur(&c.PingInterval, 10*time.Second)
	dur(&c.WaitTimeout, 5*time.Second)
	dur(&c.CallbackTimeout, 10*time.Second)
	dur(&c.AckTimeout, SlackDeadline)
	c.Limits.setDefaults()
}

// Server is a running fake Slack: Web API, callbacks into the product and
// Socket Mode, all on one httptest server.
type Server struct {
	cfg     Config
	ts      *httptest.Server
	state   *State
	faults  faults
	limiter limiter
	hub     *socketHub
	client  *http.Client // for callbacks into the product
	offset  atomic.Int64 // nanoseconds added to cfg.Now by Advance

	mu         sync.Mutex
	productURL string
}

// New starts a fake Slack for the test and stops it when the test ends.
func New(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s := NewServer(cfg)
	tb.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Slack outside a test; call Close when done.
func NewServer(cfg Config) *Server {
	cfg.setDefaults()
	s := &Server{cfg: cfg, productURL: cfg.ProductURL, client: &http.Client{}}
	s.faults.init()
	s.ts = httptest.NewUnstartedServer(s.routes())
	// Everything the handlers read is ready before the server starts.
	s.cfg.baseURL = "http://" + s.ts.Listener.Addr().String()
	s.state = newState(&s.cfg, s.Now)
	s.hub = newSocketHub(s)
	s.state.AddUser(User{ID: cfg.BotUserID, Name: cfg.BotName, RealName: cfg.BotName, IsBot: true})
	s.ts.Start()
	return s
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("POST /upload/v1/{file}", s.serveUpload)
	mux.HandleFunc("GET /files-pri/{file}/", s.serveFile)
	mux.HandleFunc("POST /hooks/response/{hook}", s.serveResponseURL)
	mux.HandleFunc("GET /socket-mode", s.serveSocket)
	return mux
}

// Close drops Socket Mode connections and stops the server.
func (s *Server) Close() {
	s.ClearFaults() // releases held answers
	s.hub.close()
	s.ts.Close()
}

// URL is the fake's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.ts.URL }

// APIURL is the Web API base for slack.OptionAPIURL, with its trailing slash.
func (s *Server) APIURL() string { return s.ts.URL + "/api/" }

// Config returns the configuration with its defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// State is what the workspace holds and what the fake saw.
func (s *Server) State() *State { return s.state }

// WaitFor is State().WaitFor.
func (s *Server) WaitFor(tb testing.TB, cond func(*State) bool) {
	tb.Helper()
	s.state.WaitFor(tb, cond)
}

// Client returns a real slack-go client for the fake's bot, with the app-level
// token set so socketmode.New works with it too.
func (s *Server) Client(opts ...slack.Option) *slack.Client {
	opts = append([]slack.Option{slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(s.cfg.AppToken)}, opts...)
	return slack.New(s.cfg.BotToken, opts...)
}

// SetProductURL sets the product's base URL for HTTP callbacks.
func (s *Server) SetProductURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.productURL = strings.TrimSuffix(u, "/")
}

func (s *Server) productEndpoint(p string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.productURL == "" {
		return ""
	}
	return s.productURL + p
}

// Now is the fake's clock: Config.Now shifted by every Advance so far. It
// stamps messages, signs callbacks and expires trigger_ids.
func (s *Server) Now() time.Time { return s.cfg.Now().Add(time.Duration(s.offset.Load())) }

// Advance moves the fake's clock forward, e.g. past a trigger_id's life.
// Callbacks are signed with the fake's clock too: past five minutes, a
// verifier on the real clock rejects them.
func (s *Server) Advance(d time.Duration) { s.offset.Add(int64(d)) }
