package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/jayaya/jayayacrm/core"
)

// Session cookie names: with the __Host- prefix when Secure (the browser
// then insists on Secure, Path=/ and no Domain), plain otherwise.
const (
	secureCookieName = "__Host-jayaya_session"
	plainCookieName  = "jayaya_session"
)

// secure reports whether the panel is served over HTTPS for this request:
// JAYAYA_PUBLIC_URL is https://… (a TLS-terminating proxy in front), or the
// request itself came over TLS. X-Forwarded-Proto is not trusted on its
// own, since any client can send it.
func (s *Server) secure(r *http.Request) bool { return s.httpsPublic || r.TLS != nil }

func (s *Server) cookieName(r *http.Request) string {
	if s.secure(r) {
		return secureCookieName
	}
	return plainCookieName
}

// sessionToken returns the session token the browser sent, or "".
func (s *Server) sessionToken(r *http.Request) string {
	c, err := r.Cookie(s.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// setSessionCookie gives the browser its session token.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(r), Value: token, Path: "/",
		MaxAge: int(core.SessionTTL.Seconds()), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie makes the browser forget its session token.
func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(r), Value: "", Path: "/",
		MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// startSession logs a user in: a new session replaces the browser's
// previous one (the session ID is rotated) and the cookie is set.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *core.User) error {
	token, err := s.store.CreateSession(r.Context(), u.ID, s.sessionToken(r), remoteAddr(r), r.UserAgent())
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, token)
	return nil
}

// safeNext returns where to go after login: a panel path from ?next=, or
// the panel's home. Anything else (another host, //evil) is ignored.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/admin/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/admin/"
	}
	return u.RequestURI()
}
