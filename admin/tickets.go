package admin

import (
	"fmt"
	"net/http"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

type ticketListData struct {
	Tickets []*core.Ticket
	Status  string
}

// ticketList lists tickets, newest first, optionally by status.
func (s *Server) ticketList(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	if status != core.TicketOpen && status != core.TicketClosed {
		status = ""
	}
	list, err := s.store.ListTickets(r.Context(), core.TicketFilter{Status: &status, Limit: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tickets.html", &page{Title: s.printer(r).T("panel.nav.tickets"), Nav: "tickets",
		Data: ticketListData{Tickets: list, Status: status}})
}

// transcriptLine is one message of a ticket with the deliveries it caused.
type transcriptLine struct {
	Message    *core.Message
	Deliveries []*core.Delivery
}

type ticketData struct {
	Ticket       *core.Ticket
	Participants []*core.User
	Lines        []transcriptLine
	// Other holds the deliveries tied to no message (thread creation,
	// card updates, status changes).
	Other []*core.Delivery
	// Fallback says why the ticket is not in the Slack channel it was
	// routed to, "" when it is.
	Fallback string
}

// ticketShow shows a ticket's transcript: both sides' messages in order,
// each with the state of its deliveries.
func (s *Server) ticketShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := ticketData{Ticket: t}
	if m, ok := t.SlackFallback(func(id string) string { return id }); ok {
		d.Fallback = s.printer(r).Msg(m)
	}
	if d.Participants, err = s.store.TicketPeople(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	msgs, err := s.store.TicketMessages(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dels, err := s.store.TicketDeliveries(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byMsg := map[int64][]*core.Delivery{}
	for _, dl := range dels {
		if dl.MessageID == nil {
			d.Other = append(d.Other, dl)
			continue
		}
		byMsg[*dl.MessageID] = append(byMsg[*dl.MessageID], dl)
	}
	for _, m := range msgs {
		d.Lines = append(d.Lines, transcriptLine{Message: m, Deliveries: byMsg[m.ID]})
	}
	s.render(w, r, http.StatusOK, "ticket.html", &page{Title: s.printer(r).T("panel.ticket.title", i18n.Args{"Number": t.Number}), Nav: "tickets", Data: d})
}

// deliveryRetry puts a parked delivery back in line.
func (s *Server) deliveryRetry(w http.ResponseWriter, r *http.Request) {
	tid, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	did, err := pathID(r, "delivery")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.RetryDeliveryAs(r.Context(), actor(r), tid, did); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: parked delivery requeued", "delivery", did, "ticket", tid, "by", currentUser(r).ID)
	redirect(w, r, fmt.Sprintf("/admin/tickets/%d?done=delivery-retried#delivery-%d", tid, did))
}
