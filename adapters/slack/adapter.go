// Package slack is JayayaCRM's Slack adapter (slack-go): it verifies and
// answers Slack's HTTP requests (slash commands, events, interactions) or
// the same over Socket Mode, renders bot replies as Block Kit, and delivers
// outbox rows to Slack. It is the only place Slack types appear.
package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Config is the Slack part of JayayaCRM's configuration.
type Config struct {
	BotToken      string
	SigningSecret string
	AppToken      string // non-empty: Socket Mode instead of HTTP
	StaffChannel  string // channel ID where ticket threads open
	APIURL        string // Web API base URL, with a trailing slash
	PublicURL     string // JayayaCRM's public base URL, for links
	// Locale is JAYAYA_LOCALE, the language of what several people read
	// (the ticket card).
	Locale i18n.Locale
	// Pacer, when set, holds Web API calls within Slack's rate limits
	// (see budgetOf); nil sends them as they come.
	Pacer *bot.Pacer
}

// Interactive is the bot side of /crm commands, buttons and forms
// (implemented by *bot.Router).
type Interactive interface {
	Command(ctx context.Context, a bot.Actor, text string) bot.Reply
	Action(ctx context.Context, a bot.Actor, action, value string) bot.Reply
	Submit(ctx context.Context, a bot.Actor, formID, meta string, values map[string][]string) bot.FormResult
	// LocaleOf is the language the actor reads, for what the adapter
	// says itself; it must answer fast (no platform call).
	LocaleOf(ctx context.Context, a bot.Actor) i18n.Locale
}

// Adapter connects JayayaCRM to one Slack workspace.
type Adapter struct {
	cfg   Config
	api   *slack.Client
	store *core.Store
	ui    Interactive
	log   *slog.Logger
	http  *http.Client
	// send performs each kind of delivery (senders).
	send bot.Senders

	// relay is the ticket relay's state, set by SetRelay.
	relay atomic.Pointer[relayState]
	// dmCache remembers each user's DM channel (see dm.go).
	dmOnce  sync.Once
	dmCache *dmChannels

	// AnswerWithin is how long a command may take before Slack is answered
	// "working on it" and the real answer follows through response_url
	// (Slack gives 3 s in all).
	AnswerWithin time.Duration

	// Metrics and Ready, when set (before Routes and RunSocketMode), count
	// inbound events and follow the Socket Mode connection.
	Metrics *bot.Metrics
	Ready   *bot.Readiness
	// ready is what the Slack line of Ready says (ready.go).
	ready readiness
}

// maxBody caps what is read of a request from Slack.
const maxBody = 1 << 20

// New returns an adapter. ui answers commands, buttons and forms.
func New(cfg Config, store *core.Store, ui Interactive, log *slog.Logger) *Adapter {
	if log == nil {
		log = slog.Default()
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	// Paced when there is a pacer; in every case no request leaves for a
	// delivery whose lease may be lost (outbox.LeaseHeld).
	api := &http.Client{Timeout: hc.Timeout, Transport: &bot.PacedTransport{Pacer: cfg.Pacer, Budget: budgetOf}}
	opts := []slack.Option{slack.OptionHTTPClient(api)}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	a := &Adapter{
		cfg: cfg, api: slack.New(cfg.BotToken, opts...), store: store, ui: ui,
		log: log.With("platform", core.PlatformSlack), http: hc, AnswerWithin: 2200 * time.Millisecond,
	}
	a.send = a.senders()
	return a
}

// API returns the slack-go client the adapter uses.
func (a *Adapter) API() *slack.Client { return a.api }

// Routes mounts POST /slack/commands, /slack/events and /slack/interactions.
// They sit outside any session or CSRF middleware: Slack's signature is
// their only credential.
func (a *Adapter) Routes(r chi.Router) {
	r.Post("/slack/commands", a.verified(false, a.serveCommand))
	r.Post("/slack/events", a.verified(true, a.serveEvent))
	r.Post("/slack/interactions", a.verified(false, a.serveInteraction))
}

// verified reads the body once (capped), checks Slack's signature and
// timestamp, then that the request is not a replay (see firstArrival;
// events tells the Events API endpoint, whose requests Slack retries),
// and only then calls next with the raw body.
func (a *Adapter) verified(events bool, next func(w http.ResponseWriter, r *http.Request, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			http.Error(w, "request too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		if err := a.verify(r.Header, body); err != nil {
			a.log.Warn("rejected unsigned or stale Slack request", "path", r.URL.Path, "err", err)
			a.Metrics.Inbound(core.PlatformSlack, bot.InboundBadSignature)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		first, err := a.firstArrival(r, events)
		if err != nil {
			a.log.Error("cannot check the Slack request against replays", "path", r.URL.Path, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		if !first {
			a.log.Warn("replayed Slack request ignored", "path", r.URL.Path)
			a.Metrics.Inbound(core.PlatformSlack, bot.InboundReplayed)
			w.WriteHeader(http.StatusOK)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r, body)
	}
}

// signatureLife is how long a request's signature must be remembered:
// Slack's signature is accepted while its timestamp is within five
// minutes of the clock, either way; a minute more covers clock
// differences between replicas.
const signatureLife = 6 * time.Minute

// firstArrival records the signature of a request that passed verify, in
// the database so that every replica sees it, and reports whether it is
// the first time it comes: the same signature again is a captured request
// replayed (a second /crm comment, a second form submission), answered
// 200 with nothing done. An Events API retry is Slack's own and is keyed
// with its X-Slack-Retry-Num, so it always passes (its event_id and the
// message's ts make it harmless); commands and interactions are never
// retried by Slack, so their signature alone is the key, whatever headers
// a replay adds.
func (a *Adapter) firstArrival(r *http.Request, events bool) (bool, error) {
	key := replayKey(r.Header, events)
	ts, err := strconv.ParseInt(r.Header.Get("X-Slack-Request-Timestamp"), 10, 64)
	if err != nil {
		return false, err // verify accepted it: not reached
	}
	return a.store.MarkRequestSeen(r.Context(), key, time.Unix(ts, 0).Add(signatureLife))
}

// replayKey is what identifies a request that passed verify: its
// signature, in lower case since the verifier reads the hex in either
// case (a replay in capitals is the same request), and for an Events API
// retry its X-Slack-Retry-Num.
func replayKey(h http.Header, events bool) string {
	key := "slack:" + strings.ToLower(h.Get("X-Slack-Signature"))
	if n := h.Get("X-Slack-Retry-Num"); n != "" && events {
		key += ":retry:" + n
	}
	return key
}

// verify checks a request's signature and timestamp (slack-go's
// verifier: HMAC-SHA256 of "v0:<timestamp>:<body>", within five minutes
// of the clock).
func (a *Adapter) verify(h http.Header, body []byte) error {
	if a.cfg.SigningSecret == "" {
		return errors.New("no signing secret configured")
	}
	sv, err := slack.NewSecretsVerifier(h, a.cfg.SigningSecret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

// formValues parses a form-encoded body.
func formValues(body []byte) (url.Values, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("bad form body: %w", err)
	}
	return v, nil
}
