package admin

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/jayaya/jayayacrm/core"
)

// contentSecurityPolicy allows only the process's own files: no inline
// script or style, no framing, forms post only to the same origin.
const contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

// SecurityHeaders sets the headers every response of JayayaCRM carries,
// before the handler runs: the panel's pages, the health and metrics
// endpoints, redirects, 404s and errors alike (cmd/jayaya puts it in
// front of every route; the panel puts it in front of its own too, so it
// is safe on its own). A handler that needs a stricter policy (the file
// proxy's sandbox) sets its own header over it.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// noStore keeps the panel's pages (but not its static files) out of
// every cache.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/admin/static/") {
			w.Header().Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// staticHandler serves the embedded styles, cacheable for an hour.
func staticHandler(files fs.FS) http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

type userKey struct{}

// currentUser returns the logged-in user of a request, or nil.
func currentUser(r *http.Request) *core.User {
	u, _ := r.Context().Value(userKey{}).(*core.User)
	return u
}

// loadSession puts the user of the request's session cookie, if it is
// live, in the request context.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := s.sessionToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.store.SessionUser(r.Context(), token)
		switch core.ErrorCode(err) {
		case "":
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		case core.ENOTFOUND:
			s.clearSessionCookie(w, r)
		default:
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireStaff sends anonymous visitors to the login page (GET) or refuses
// them (other methods).
func (s *Server) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			to := "/admin/login"
			if r.URL.Path != "/admin/" && r.URL.Path != "/admin" {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		pr := s.printer(r)
		s.render(w, r, http.StatusUnauthorized, "error.html", &page{Title: pr.T("panel.error.title.log_in"),
			Error: pr.T("panel.error.session_ended")})
	})
}

// requireAdmin refuses staff who are not admins with a 403 page.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !currentUser(r).IsAdmin() {
			pr := s.printer(r)
			s.render(w, r, http.StatusForbidden, "error.html", &page{Title: pr.T("panel.error.title.admins_only"),
				Error: pr.T("panel.error.admins_only")})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginDenied answers a cross-site unsafe request. It runs before
// loadSession: the session is only read, for the page's language and menu.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("admin: cross-origin request refused", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "remote", remoteAddr(r))
	if token := s.sessionToken(r); token != "" {
		if u, err := s.store.SessionUser(r.Context(), token); err == nil {
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		}
	}
	pr := s.printer(r)
	s.render(w, r, http.StatusForbidden, "error.html", &page{Title: pr.T("panel.error.title.refused"),
		Error: pr.T("panel.error.cross_site")})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	pr := s.printer(r)
	s.render(w, r, http.StatusNotFound, "error.html", &page{Title: pr.T("panel.error.title.not_found"),
		Error: pr.T("panel.error.no_such_page")})
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	pr := s.printer(r)
	s.render(w, r, http.StatusMethodNotAllowed, "error.html", &page{Title: pr.T("panel.error.title.not_allowed"),
		Error: pr.T("panel.error.method")})
}
