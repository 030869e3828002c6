package admin

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// loginForm shows the login page; a logged-in user goes to the home page.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if currentUser(r) != nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	f := newForm(url.Values{"next": {r.URL.Query().Get("next")}})
	s.render(w, r, http.StatusOK, "login.html", &page{Title: s.printer(r).T("panel.login.title"), Form: f})
}

// login checks the login and password. Every refusal (unknown login, wrong
// password, locked login, client or disabled user) gets the same answer.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	f := newForm(url.Values{"login": {r.PostForm.Get("login")}, "next": {r.PostForm.Get("next")}})
	u, err := s.store.Authenticate(r.Context(), r.PostForm.Get("login"), r.PostForm.Get("password"), remoteAddr(r))
	if err != nil {
		status := http.StatusUnauthorized
		switch code := core.ErrorCode(err); code {
		case core.EFORBIDDEN:
			s.log.Info("admin: login refused", "remote", remoteAddr(r))
			err = core.E(code, "panel.login.refused")
		case core.ELIMITED, core.EBUSY, core.EINVALID:
			// Too many failures from this address, too many logins
			// being checked at once, or a login no one could have:
			// said on the login page, with when to try again.
			s.log.Info("admin: login not checked", "remote", remoteAddr(r), "reason", code)
			status = httpStatus(err)
			var ce *core.Error
			if errors.As(err, &ce) && ce.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ce.RetryAfter.Seconds()))))
			}
		default:
			s.fail(w, r, err)
			return
		}
		l := s.locale(r)
		s.render(w, r, status, "login.html", &page{Title: i18n.T(l, "panel.login.title"), Form: f, User: nil, Error: core.ErrorMessageIn(err, l)})
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: logged in", "user", u.ID)
	redirect(w, r, safeNext(r.PostForm.Get("next")))
}

// logout ends the session (POST only: a GET never changes anything).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.store.DeleteSession(r.Context(), s.sessionToken(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	redirect(w, r, "/admin/login?done=logged-out")
}
