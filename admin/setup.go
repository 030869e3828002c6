package admin

import (
	"net/http"
	"net/url"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// setupFields are the fields of the first-admin form.
var setupFields = []string{"name", "login", "email", "time_zone", "password", "password2"}

// setupForm shows the first-admin form when the link's token is still good.
func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := s.store.CheckSetupToken(r.Context(), token); err != nil {
		s.setupRefused(w, r, err)
		return
	}
	f := newForm(url.Values{"token": {token}, "time_zone": {"UTC"}})
	s.render(w, r, http.StatusOK, "setup.html", &page{Title: s.printer(r).T("panel.setup.title"), Form: f, Here: setupHere(token)})
}

// setup creates the first admin, spends the token and logs the admin in.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	v := r.PostForm
	token := v.Get("token")
	f := newForm(url.Values{"token": {token}, "name": {v.Get("name")}, "login": {v.Get("login")},
		"email": {v.Get("email")}, "time_zone": {v.Get("time_zone")}})
	l := s.locale(r)
	title := i18n.T(l, "panel.setup.title")
	if v.Get("password") != v.Get("password2") {
		f.Errors["password2"] = i18n.T(l, "panel.setup.passwords_differ")
		s.render(w, r, http.StatusUnprocessableEntity, "setup.html", &page{Title: title, Form: f, Here: setupHere(token)})
		return
	}
	u, err := s.store.CreateFirstAdmin(r.Context(), token, core.NewUser{
		Name: v.Get("name"), Login: v.Get("login"), Email: v.Get("email"), TimeZone: v.Get("time_zone"),
		Password: v.Get("password"),
	}, remoteAddr(r))
	if err != nil {
		if core.ErrorCode(err) == core.EFORBIDDEN {
			s.setupRefused(w, r, err)
			return
		}
		if core.ErrorCode(err) == core.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		top := f.setError(err, l, setupFields...)
		s.render(w, r, httpStatus(err), "setup.html", &page{Title: title, Form: f, Error: top, Here: setupHere(token)})
		return
	}
	s.log.Info("admin: first admin created with the setup link", "user", u.ID)
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/admin/?done=admin-created")
}

func (s *Server) setupRefused(w http.ResponseWriter, r *http.Request, err error) {
	if core.ErrorCode(err) != core.EFORBIDDEN {
		s.fail(w, r, err)
		return
	}
	l := s.locale(r)
	s.render(w, r, http.StatusForbidden, "error.html", &page{Title: i18n.T(l, "panel.setup.used_title"), Error: core.ErrorMessageIn(err, l)})
}

// setupHere is the setup page's address with its token, where the
// language switch comes back to (also after a refused POST).
func setupHere(token string) string { return "/admin/setup?" + url.Values{"token": {token}}.Encode() }
