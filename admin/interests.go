package admin

import (
	"net/http"
	"net/url"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

var interestFields = []string{"name", "color", "slack_channel"}

// interestList lists interests with their colour and company count.
func (s *Server) interestList(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.ListInterests(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "interests.html", &page{Title: s.printer(r).T("panel.nav.interests"), Nav: "interests", Data: list})
}

func (s *Server) interestNew(w http.ResponseWriter, r *http.Request) {
	f := newForm(url.Values{"color": {"#4A90D9"}})
	s.render(w, r, http.StatusOK, "interest_form.html", &page{Title: s.printer(r).T("panel.interest.new"), Nav: "interests", Form: f})
}

func (s *Server) interestCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	name, color, channel := r.PostForm.Get("name"), r.PostForm.Get("color"), r.PostForm.Get("slack_channel")
	in, err := s.store.CreateInterestWithAs(r.Context(), actor(r), core.InterestUpdate{Name: &name, Color: &color, SlackChannel: &channel})
	if err != nil {
		s.interestFormFailed(w, r, err, s.printer(r).T("panel.interest.new"), nil)
		return
	}
	s.log.Info("admin: interest created", "interest", in.ID, "by", currentUser(r).ID)
	redirect(w, r, "/admin/interests?done=interest-created")
}

func (s *Server) interestFormFailed(w http.ResponseWriter, r *http.Request, err error, title string, target *core.Interest) {
	if code := core.ErrorCode(err); code == core.EINTERNAL || code == core.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	f := newForm(url.Values{"name": {r.PostForm.Get("name")}, "color": {r.PostForm.Get("color")}, "slack_channel": {r.PostForm.Get("slack_channel")}})
	top := f.setError(err, s.locale(r), interestFields...)
	s.render(w, r, httpStatus(err), "interest_form.html", &page{Title: title, Nav: "interests", Form: f, Error: top, Data: target})
}

func (s *Server) targetInterest(w http.ResponseWriter, r *http.Request) *core.Interest {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	in, err := s.store.InterestWithCount(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	return in
}

func (s *Server) interestEdit(w http.ResponseWriter, r *http.Request) {
	in := s.targetInterest(w, r)
	if in == nil {
		return
	}
	route, err := s.store.InterestRoute(r.Context(), in.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(url.Values{"name": {in.Name}, "color": {in.Color}})
	if route != nil {
		f.Values.Set("slack_channel", route.SlackChannelID)
	}
	s.render(w, r, http.StatusOK, "interest_form.html", &page{Title: s.printer(r).T("panel.action.edit_named", i18n.Args{"Name": in.Name}), Nav: "interests", Form: f, Data: in})
}

func (s *Server) interestUpdate(w http.ResponseWriter, r *http.Request) {
	in := s.targetInterest(w, r)
	if in == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	name, color := r.PostForm.Get("name"), r.PostForm.Get("color")
	up := core.InterestUpdate{Name: &name, Color: &color}
	if _, ok := r.PostForm["slack_channel"]; ok {
		channel := r.PostForm.Get("slack_channel")
		up.SlackChannel = &channel
	}
	if _, err := s.store.UpdateInterestAs(r.Context(), actor(r), in.ID, up); err != nil {
		s.interestFormFailed(w, r, err, s.printer(r).T("panel.action.edit_named", i18n.Args{"Name": in.Name}), in)
		return
	}
	s.log.Info("admin: interest saved", "interest", in.ID, "by", currentUser(r).ID)
	redirect(w, r, "/admin/interests?done=interest-saved")
}

// interestDeleteConfirm asks before deleting, saying how many companies
// lose the interest.
func (s *Server) interestDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	in := s.targetInterest(w, r)
	if in == nil {
		return
	}
	s.render(w, r, http.StatusOK, "interest_delete.html", &page{Title: s.printer(r).T("panel.action.delete_named", i18n.Args{"Name": in.Name}), Nav: "interests", Data: in})
}

func (s *Server) interestDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lost, err := s.store.DeleteInterestAs(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: interest deleted", "interest", id, "companies", lost, "by", currentUser(r).ID)
	redirect(w, r, "/admin/interests?done=interest-deleted")
}
