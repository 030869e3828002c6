package admin

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// userFields are the user form's fields, in the names core errors use.
var userFields = []string{"name", "login", "email", "phone", "role", "slack_id", "discord_id", "time_zone", "locale", "password", "disabled"}

type userListData struct {
	Users []*core.User
	Query string
	Role  string
}

// userList lists users, filtered by a search and a role.
func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	q, role := r.URL.Query().Get("q"), r.URL.Query().Get("role")
	users, err := s.store.ListUsers(r.Context(), core.UserFilter{Query: &q, Role: &role})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "users.html", &page{Title: s.printer(r).T("panel.nav.users"), Nav: "users",
		Data: userListData{Users: users, Query: q, Role: role}})
}

type userFormData struct {
	// Target is the user being edited (nil when creating).
	Target *core.User
	// Self is true when admins edit their own account.
	Self bool
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) {
	f := newForm(url.Values{"role": {core.RoleStaff}, "time_zone": {"UTC"}})
	s.render(w, r, http.StatusOK, "user_form.html", &page{Title: s.printer(r).T("panel.user.new"), Nav: "users", Form: f, Data: userFormData{}})
}

// userCreate creates a user; on a validation error the form comes back
// with what was typed (except the password) and the error beside its field.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	v := r.PostForm
	u, err := s.store.CreateUserAs(r.Context(), actor(r), core.NewUser{
		Login: v.Get("login"), Name: v.Get("name"), Email: v.Get("email"), Phone: v.Get("phone"),
		Role: v.Get("role"), SlackID: v.Get("slack_id"), DiscordID: v.Get("discord_id"),
		TimeZone: v.Get("time_zone"), Locale: v.Get("locale"), Password: v.Get("password"),
	})
	if err != nil {
		s.userFormFailed(w, r, err, s.printer(r).T("panel.user.new"), userFormData{})
		return
	}
	s.log.Info("admin: user created", "user", u.ID, "by", currentUser(r).ID)
	redirect(w, r, "/admin/users?done=user-created")
}

// userFormFailed shows the user form again after err.
func (s *Server) userFormFailed(w http.ResponseWriter, r *http.Request, err error, title string, d userFormData) {
	if core.ErrorCode(err) == core.EINTERNAL || core.ErrorCode(err) == core.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	v := url.Values{}
	for k, vals := range r.PostForm {
		if k != "password" {
			v[k] = vals
		}
	}
	f := newForm(v)
	top := f.setError(err, s.locale(r), userFields...)
	s.render(w, r, httpStatus(err), "user_form.html", &page{Title: title, Nav: "users", Form: f, Error: top, Data: d})
}

// pathID reads a numeric URL parameter; a bad one is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.E(core.ENOTFOUND, "panel.error.no_such_page")
	}
	return id, nil
}

func (s *Server) targetUser(w http.ResponseWriter, r *http.Request) *core.User {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	return u
}

// userEdit shows a user's form, filled in.
func (s *Server) userEdit(w http.ResponseWriter, r *http.Request) {
	u := s.targetUser(w, r)
	if u == nil {
		return
	}
	v := url.Values{"login": {u.Login}, "name": {u.Name}, "email": {u.Email}, "phone": {u.Phone},
		"role": {u.Role}, "slack_id": {deref(u.SlackID)}, "discord_id": {deref(u.DiscordID)}, "time_zone": {u.TimeZone},
		"locale": {u.Locale}}
	if u.DisabledAt != nil {
		v.Set("disabled", "1")
	}
	s.render(w, r, http.StatusOK, "user_form.html", &page{Title: editTitle(s.printer(r), u), Nav: "users", Form: newForm(v),
		Data: userFormData{Target: u, Self: u.ID == currentUser(r).ID}})
}

// userUpdate saves a user. A blank password leaves it unchanged. When
// admins change their own password, their other sessions end and this
// browser gets a fresh one.
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	u := s.targetUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	v := r.PostForm
	str := func(k string) *string { x := v.Get(k); return &x }
	disabled := v.Get("disabled") != ""
	up := core.UserUpdate{Login: str("login"), Name: str("name"), Email: str("email"), Phone: str("phone"),
		Role: str("role"), SlackID: str("slack_id"), DiscordID: str("discord_id"), TimeZone: str("time_zone"),
		Locale: str("locale"), Disabled: &disabled}
	if v.Get("password") != "" {
		up.Password = str("password")
	}
	me := currentUser(r)
	self := u.ID == me.ID
	saved, err := s.store.UpdateUserAs(r.Context(), actor(r), u.ID, up)
	if err != nil {
		s.userFormFailed(w, r, err, editTitle(s.printer(r), u), userFormData{Target: u, Self: self})
		return
	}
	s.log.Info("admin: user saved", "user", saved.ID, "by", me.ID)
	if self && up.Password != nil {
		if err := s.startSession(w, r, saved); err != nil {
			s.fail(w, r, err)
			return
		}
		redirect(w, r, "/admin/users?done=password-changed")
		return
	}
	redirect(w, r, "/admin/users?done=user-saved")
}

type userDeleteData struct {
	Target *core.User
	// Refusal says why the user cannot be deleted, when so.
	Refusal string
}

// userDeleteConfirm asks before deleting, or explains why it cannot be done.
func (s *Server) userDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	u := s.targetUser(w, r)
	if u == nil {
		return
	}
	refusal, err := s.store.DeleteRefusal(r.Context(), actor(r), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := userDeleteData{Target: u}
	if refusal != nil {
		d.Refusal = core.ErrorMessageIn(refusal, s.locale(r))
	}
	s.render(w, r, http.StatusOK, "user_delete.html", &page{Title: deleteTitle(s.printer(r), u), Nav: "users", Data: d})
}

// userDelete deletes a user, unless they are the last admin or the admin
// deleting is that user.
func (s *Server) userDelete(w http.ResponseWriter, r *http.Request) {
	u := s.targetUser(w, r)
	if u == nil {
		return
	}
	if err := s.store.DeleteUserAs(r.Context(), actor(r), u.ID); err != nil {
		if core.ErrorCode(err) == core.EFORBIDDEN {
			s.render(w, r, http.StatusForbidden, "user_delete.html", &page{Title: deleteTitle(s.printer(r), u), Nav: "users",
				Data: userDeleteData{Target: u, Refusal: core.ErrorMessageIn(err, s.locale(r))}})
			return
		}
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: user deleted", "user", u.ID, "by", currentUser(r).ID)
	redirect(w, r, "/admin/users?done=user-deleted")
}

func editTitle(p i18n.Printer, u *core.User) string {
	return p.T("panel.action.edit_named", i18n.Args{"Name": u.Name})
}

func deleteTitle(p i18n.Printer, u *core.User) string {
	return p.T("panel.action.delete_named", i18n.Args{"Name": u.Name})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
