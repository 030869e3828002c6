package admin

import (
	"net/http"

	"github.com/jayaya/jayayacrm/core"
)

type homeData struct {
	Open    []*core.Ticket
	Outbox  core.OutboxStats
	Parked  bool
	Pending bool
}

// home is the panel's start page: open tickets and the outbox's state.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	open := core.TicketOpen
	list, err := s.store.ListTickets(r.Context(), core.TicketFilter{Status: &open, Limit: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stats, err := s.store.OutboxStats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home.html", &page{Title: s.printer(r).T("panel.nav.home"), Nav: "home",
		Data: homeData{Open: list, Outbox: stats, Parked: stats.Parked > 0, Pending: stats.Pending > 0}})
}
