// Package admin is JayayaCRM's web panel, served under /admin/: admins
// manage users and interests; staff read companies, people and tickets.
// Pages are server-rendered html/template with embedded templates and
// styles, need no JavaScript, and change nothing on GET.
//
// Security: sessions live in the database (core.CreateSession); the
// cookie is HttpOnly, SameSite=Lax, and Secure with the __Host- prefix when
// the panel is served over HTTPS (JAYAYA_PUBLIC_URL starting with https://,
// or a TLS request); unsafe requests pass http.CrossOriginProtection;
// every response carries a strict Content-Security-Policy.
package admin

import (
	"embed"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the panel needs from the process.
type Config struct {
	// Store is the database.
	Store *core.Store
	// Log receives internal errors and security events.
	Log *slog.Logger
	// PublicURL is JAYAYA_PUBLIC_URL. When it starts with https:// the
	// session cookie is Secure and named with the __Host- prefix, and its
	// origin is trusted for unsafe requests (for a proxy that rewrites Host).
	PublicURL string
	// Locale is JAYAYA_LOCALE: the panel's language for a viewer with no
	// setting, no choice in this browser and no language the browser asks
	// for that the panel speaks. Empty means i18n.Default.
	Locale i18n.Locale
	// Routing is where tickets go on Slack when no rule routes them, and
	// the Discord support channels a rule may name (the Routing page).
	Routing RoutingConfig
	// Lanes are the Slack channels and Discord webhook pools the Channels
	// page shows the load of (bot.LoadLanes).
	Lanes core.LoadLanes
}

// RoutingConfig is the routing part of the configuration: the default
// Slack channel (SLACK_STAFF_CHANNEL), the overflow channels
// (SLACK_OVERFLOW_CHANNELS) and the Discord support channels
// (DISCORD_SUPPORT_CHANNEL). Empty when a platform is off.
type RoutingConfig struct {
	SlackChannel    string
	SlackOverflow   []string
	DiscordChannels []string
}

// Server serves the panel. Build it with New and mount Routes at /admin.
type Server struct {
	store       *core.Store
	log         *slog.Logger
	httpsPublic bool
	pages       map[i18n.Locale]map[string]pageTemplate
	cop         *http.CrossOriginProtection
	// defaultLocale is Config.Locale, checked.
	defaultLocale i18n.Locale
	routing       RoutingConfig
	lanes         core.LoadLanes
}

// New parses the embedded templates and returns a panel server.
func New(cfg Config) (*Server, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: cfg.Store, log: log, httpsPublic: strings.HasPrefix(cfg.PublicURL, "https://"),
		defaultLocale: i18n.Pick(i18n.Default, string(cfg.Locale)), routing: cfg.Routing, lanes: cfg.Lanes}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.cop = http.NewCrossOriginProtection()
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := s.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			log.Warn("admin: public URL not usable as a trusted origin", "url", cfg.PublicURL, "err", err)
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	return s, nil
}

// Routes returns the panel's handler, to be mounted at /admin (its links
// are absolute /admin/… paths).
func (s *Server) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(SecurityHeaders, noStore, s.cop.Handler, s.loadSession)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	static, _ := fs.Sub(staticFS, "static")
	r.Handle("/static/*", http.StripPrefix("/admin/static/", staticHandler(static)))

	r.Get("/login", s.loginForm)
	r.Post("/login", s.login)
	r.Post("/logout", s.logout)
	r.Post("/language", s.languageSwitch)
	r.Get("/setup", s.setupForm)
	r.Post("/setup", s.setup)

	r.Group(func(r chi.Router) {
		r.Use(s.requireStaff)
		r.Get("/", s.home)
		r.Get("/tickets", s.ticketList)
		r.Get("/tickets/{id}", s.ticketShow)
		r.Post("/tickets/{id}/deliveries/{delivery}/retry", s.deliveryRetry)
		r.Get("/companies", s.companyList)
		r.Get("/companies/{id}", s.companyShow)
		r.Get("/people", s.personList)
		r.Get("/people/{id}", s.personShow)
		r.Get("/channels", s.channels)

		r.Group(func(r chi.Router) {
			r.Use(s.requireAdmin)
			r.Get("/users", s.userList)
			r.Get("/users/new", s.userNew)
			r.Post("/users", s.userCreate)
			r.Get("/users/{id}", s.userEdit)
			r.Post("/users/{id}", s.userUpdate)
			r.Get("/users/{id}/delete", s.userDeleteConfirm)
			r.Post("/users/{id}/delete", s.userDelete)
			r.Get("/interests", s.interestList)
			r.Get("/interests/new", s.interestNew)
			r.Post("/interests", s.interestCreate)
			r.Get("/interests/{id}", s.interestEdit)
			r.Post("/interests/{id}", s.interestUpdate)
			r.Get("/interests/{id}/delete", s.interestDeleteConfirm)
			r.Post("/interests/{id}/delete", s.interestDelete)
			r.Get("/routing", s.routingList)
			r.Post("/routing", s.routingCreate)
			r.Post("/routing/{id}/move", s.routingMove)
			r.Post("/routing/{id}/delete", s.routingDelete)
			r.Get("/audit", s.auditList)
			r.Post("/channels/language", s.channelLanguage)
		})
	})
	return r
}

// actor is the logged-in user of a request, with its address, for the
// audit log.
func actor(r *http.Request) core.Actor {
	return core.Actor{User: currentUser(r), RemoteAddr: remoteAddr(r)}
}

// remoteAddr is the client's IP as the server saw it (no proxy header is
// trusted: a client could forge it).
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// httpStatus maps a core error code to an HTTP status, in one place.
func httpStatus(err error) int {
	switch core.ErrorCode(err) {
	case core.EINVALID:
		return http.StatusUnprocessableEntity
	case core.ENOTFOUND:
		return http.StatusNotFound
	case core.ECONFLICT:
		return http.StatusConflict
	case core.EFORBIDDEN:
		return http.StatusForbidden
	case core.ELIMITED:
		return http.StatusTooManyRequests
	case core.EBUSY:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorTitles are the error page's titles by core error code.
var errorTitles = map[string]string{
	core.EINVALID:   "panel.error.title.invalid",
	core.ENOTFOUND:  "panel.error.title.not_found",
	core.ECONFLICT:  "panel.error.title.conflict",
	core.EFORBIDDEN: "panel.error.title.forbidden",
	core.ELIMITED:   "panel.error.title.limited",
	core.EBUSY:      "panel.error.title.busy",
	core.EINTERNAL:  "panel.error.title.internal",
}

// fail renders an error page for err, in the viewer's language; internal
// errors are logged with their detail and shown as a short apology.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpStatus(err)
	if status == http.StatusInternalServerError {
		s.log.Error("admin: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if r.Context().Err() != nil {
		return // the client went away
	}
	title, ok := errorTitles[core.ErrorCode(err)]
	if !ok {
		title = errorTitles[core.EINTERNAL]
	}
	l := s.locale(r)
	s.render(w, r, status, "error.html", &page{Title: i18n.T(l, title), Error: core.ErrorMessageIn(err, l)})
}
