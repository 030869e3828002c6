package admin

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// BenchmarkRenderTicketPage reports how long the panel takes to render a
// busy ticket's page (40 messages, each with its deliveries) in English
// and in French (Accept-Language), without the database: the cost of the
// templates and of the catalog. It reports; it asserts nothing about speed.
func BenchmarkRenderTicketPage(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	d := ticketData{Ticket: &core.Ticket{ID: 1, Number: 42, Subject: "Inverter makes a noise", Status: core.TicketOpen,
		Visibility: core.TicketPrivate, CreatedAt: at}}
	for i := range 40 {
		tid, mid := int64(1), int64(i+1)
		m := &core.Message{ID: mid, TicketID: 1, AuthorName: "Cleo Client", Body: "Message " + strconv.Itoa(i),
			SourcePlatform: core.PlatformDiscord, CreatedAt: at.Add(time.Duration(i) * time.Minute)}
		dels := []*core.Delivery{
			{ID: 2*mid - 1, TicketID: &tid, MessageID: &mid, Kind: "slack.post", Platform: core.PlatformSlack, Status: core.DeliveryDone},
			{ID: 2 * mid, TicketID: &tid, MessageID: &mid, Kind: "discord.react", Platform: core.PlatformDiscord, Status: core.DeliveryPending, Attempts: 2, LastError: "429"},
		}
		d.Lines = append(d.Lines, transcriptLine{Message: m, Deliveries: dels})
	}
	admin := &core.User{ID: 1, Name: "Ada", Role: core.RoleAdmin, TimeZone: "Europe/Paris"}
	for _, lang := range []string{"en", "fr"} {
		b.Run(lang, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/admin/tickets/1", nil)
			r.Header.Set("Accept-Language", lang)
			for b.Loop() {
				w := httptest.NewRecorder()
				s.render(w, r, http.StatusOK, "ticket.html", &page{Title: "Ticket #42", Nav: "tickets", User: admin, Data: d})
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
