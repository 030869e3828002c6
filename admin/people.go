package admin

import (
	"net/http"

	"github.com/jayaya/jayayacrm/core"
)

type personListData struct {
	People []*core.Person
	Query  string
}

// personList lists people (read-only), optionally matching a search.
func (s *Server) personList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	list, err := s.store.BrowsePeople(r.Context(), q, 200)
	if err != nil && core.ErrorCode(err) != core.EINVALID {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "people.html", &page{Title: s.printer(r).T("panel.nav.people"), Nav: "people",
		Data: personListData{People: list, Query: q}})
}

type personData struct {
	Person    *core.Person
	Companies []core.Affiliation
}

// personShow shows one person and the companies they work for.
func (s *Server) personShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var d personData
	if d.Person, err = s.store.Person(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Companies, err = s.store.PersonCompanies(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "person.html", &page{Title: d.Person.FullName(), Nav: "people", Data: d})
}
