package admin

import (
	"net/http"
	"net/url"

	"github.com/jayaya/jayayacrm/core"
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
	s.render(w, r, http.StatusOK, "setup.html", &page{Title: "Create the first admin", Form: f})
}

// setup creates the first admin, spends the token and logs the admin in.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, core.Errorf(core.EINVALID, "The form could not be read."))
		return
	}
	v := r.PostForm
	token := v.Get("token")
	f := newForm(url.Values{"token": {token}, "name": {v.Get("name")}, "login": {v.Get("login")},
		"email": {v.Get("email")}, "time_zone": {v.Get("time_zone")}})
	if v.Get("password") != v.Get("password2") {
		f.Errors["password2"] = "The two passwords differ."
		s.render(w, r, http.StatusUnprocessableEntity, "setup.html", &page{Title: "Create the first admin", Form: f})
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
		top := f.setError(err, setupFields...)
		s.render(w, r, httpStatus(err), "setup.html", &page{Title: "Create the first admin", Form: f, Error: top})
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
	s.render(w, r, http.StatusForbidden, "error.html", &page{Title: "Setup link used", Error: core.ErrorMessage(err)})
}
