// Package demo serves the page of "jayaya demo": both simulated chats side
// by side, live, with boxes to write as a client in Discord or as staff in
// Slack and to run /crm. It reads and drives the fakes (slacktest,
// discordtest) the way Slack's and Discord's own apps would for a person;
// the product behind them is the real one. Templates, style and script are
// embedded; the page works without JavaScript (forms post and redirect)
// and with it refreshes itself on server-sent events.
package demo

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

//go:embed assets
var assets embed.FS

// Person is someone the visitor can act as: a Slack staff member (ID is
// the Slack user ID) or a Discord client (the Discord user ID).
type Person struct {
	ID   string
	Name string
}

// Config is what the page shows and drives.
type Config struct {
	Slack          *slacktest.Server
	Discord        *discordtest.Server
	StaffChannel   string   // the Slack channel where tickets open
	SupportChannel string   // the Discord channel where clients write
	Staff          []Person // the first one is acted as by default
	Clients        []Person // the first one is acted as by default
	AdminURL       string   // the admin panel, linked from the page
	AdminLogin     string   // the demo admin's login (the password is printed at start)
	Log            *slog.Logger
	// Locale is the page's language for a browser that asks for none the
	// product speaks (JAYAYA_LOCALE).
	Locale i18n.Locale
}

// Page is the demo page's server.
type Page struct {
	cfg  Config
	tmpl *template.Template

	mu      sync.Mutex
	answers []answer // immediate answers to commands and buttons, which Slack shows as ephemeral messages
	// interactions are the IDs of the clients' slash commands; Discord
	// shows each answer only to the client who typed the command.
	interactions []string
	viewState    map[string]*viewInput // what was typed into a modal that came back with errors
	dismissed    map[string]bool       // modals the visitor closed
	version      int64                 // bumped on every change of either chat
	changed      chan struct{}         // closed and replaced with each bump
	started      bool
}

// answer is an immediate answer to a slash command or a button, which Slack
// shows only to the user who acted (or in the channel when shared).
type answer struct {
	User, Channel string
	Text          string
	Blocks        json.RawMessage
	Public        bool
	At            time.Time
}

// New returns the page's server; Start begins watching the chats.
func New(cfg Config) *Page {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Page{cfg: cfg, viewState: map[string]*viewInput{}, dismissed: map[string]bool{}, changed: make(chan struct{})}
	p.tmpl = template.Must(template.New("").ParseFS(assets, "assets/*.html"))
	return p
}

// Handler serves the page, to be mounted at /demo.
func (p *Page) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", p.servePage)
	mux.HandleFunc("GET /panes", p.servePanes)
	mux.HandleFunc("GET /events", p.serveEvents)
	mux.HandleFunc("POST /discord/say", p.discordSay)
	mux.HandleFunc("POST /slack/say", p.slackSay)
	mux.HandleFunc("POST /slack/crm", p.slackCommand)
	mux.HandleFunc("POST /slack/click", p.slackClick)
	mux.HandleFunc("POST /slack/submit", p.slackSubmit)
	mux.HandleFunc("POST /slack/close", p.slackCloseModal)
	// Only the page itself may post: another site open in the same browser
	// cannot write in the demo's chats.
	return noStore(http.NewCrossOriginProtection().Handler(http.StripPrefix("/demo", mux)))
}

// noStore keeps the page and its answers out of every cache. The other
// security headers (CSP without inline code, no framing, nosniff) are the
// whole process's, set in front of every route (admin.SecurityHeaders).
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// Start watches both chats until ctx ends, so that open pages refresh
// when anything changes.
func (p *Page) Start(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return
	}
	p.started = true
	go p.watchSlack(ctx)
	go p.watchDiscord(ctx)
}

// bump records a change and wakes the event streams.
func (p *Page) bump() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version++
	close(p.changed)
	p.changed = make(chan struct{})
}

// watchSlack bumps after every change of the Slack workspace.
func (p *Page) watchSlack(ctx context.Context) {
	for ctx.Err() == nil {
		seen := false
		err := p.cfg.Slack.State().Await(ctx, func(*slacktest.State) bool {
			if !seen {
				seen = true
				return false
			}
			return true
		})
		if err == nil {
			p.bump()
		}
	}
}

// watchDiscord bumps after every change of the Discord guild.
func (p *Page) watchDiscord(ctx context.Context) {
	for ctx.Err() == nil {
		seen := false
		if p.cfg.Discord.WaitFor(func() bool {
			if !seen {
				seen = true
				return false
			}
			return true
		}, 2*time.Second) {
			p.bump()
		}
	}
}

// serveEvents streams "change" events (server-sent events) while the page
// is open, at most a few per second.
func (p *Page) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	keepAlive := time.NewTicker(20 * time.Second)
	defer keepAlive.Stop()
	for {
		p.mu.Lock()
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			w.Write([]byte(": keep-alive\n\n"))
		case <-ch:
			// Let a burst of changes (a message, its reaction, its
			// relay) settle into one refresh.
			select {
			case <-time.After(150 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			p.mu.Lock()
			v := p.version
			p.mu.Unlock()
			if _, err := w.Write([]byte("event: change\ndata: " + strconv.FormatInt(v, 10) + "\n\n")); err != nil {
				return
			}
		}
		flusher.Flush()
	}
}

// servePage renders the whole page.
func (p *Page) servePage(w http.ResponseWriter, r *http.Request) {
	v := p.build(r.URL.Query(), p.printer(r))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := p.tmpl.ExecuteTemplate(w, "page.html", v); err != nil {
		p.cfg.Log.Error("demo page", "err", err)
	}
}

// servePanes renders the live parts of the page, as JSON {element id: HTML},
// for the script to swap in.
func (p *Page) servePanes(w http.ResponseWriter, r *http.Request) {
	v := p.build(r.URL.Query(), p.printer(r))
	out := map[string]string{}
	for _, name := range []string{"discord-feed", "discord-where", "slack-feed", "slack-where", "answers", "dms", "modal"} {
		var b strings.Builder
		if err := p.tmpl.ExecuteTemplate(&b, name, v); err != nil {
			p.cfg.Log.Error("demo pane", "pane", name, "err", err)
			http.Error(w, "pane failed", http.StatusInternalServerError)
			return
		}
		out[name] = b.String()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// done answers a form post: to the script, 204 or the problem's text; to
// a browser without it, a redirect back to the page with the problem's
// code. A problem's detail is logged.
func (p *Page) done(w http.ResponseWriter, r *http.Request, pr *problem) {
	if pr != nil && pr.detail != "" {
		p.cfg.Log.Warn("demo action failed", "path", r.URL.Path, "problem", pr.code, "detail", pr.detail)
	}
	if r.Header.Get("X-Demo-Script") != "" {
		if pr != nil {
			http.Error(w, pr.text(p.printer(r)), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := url.Values{}
	for _, k := range []string{"as", "client"} {
		if v := r.FormValue(k); v != "" {
			q.Set(k, v)
		}
	}
	if pr != nil {
		q.Set("problem", pr.code)
	}
	http.Redirect(w, r, "/demo/?"+q.Encode(), http.StatusSeeOther)
}
