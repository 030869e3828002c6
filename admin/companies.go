package admin

import (
	"net/http"

	"github.com/jayaya/jayayacrm/core"
)

type companyListData struct {
	Companies []*core.Company
	Query     string
}

// companyList lists companies (read-only), optionally matching a search.
func (s *Server) companyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	list, err := s.store.BrowseCompanies(r.Context(), q, 200)
	if err != nil && core.ErrorCode(err) != core.EINVALID {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "companies.html", &page{Title: s.printer(r).T("panel.nav.companies"), Nav: "companies",
		Data: companyListData{Companies: list, Query: q}})
}

type companyData struct {
	Company  *core.Company
	People   []core.CompanyMember
	Comments []*core.Comment
}

// companyShow shows one company with its people and latest comments.
func (s *Server) companyShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	var d companyData
	if d.Company, err = s.store.Company(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.People, err = s.store.CompanyPeople(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Comments, err = s.store.Comments(ctx, id, 50); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "company.html", &page{Title: d.Company.Name, Nav: "companies", Data: d})
}
