package slack_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
)

// seedTickets opens #1 (Carl's, Sam takes part, one message and a note,
// with a Slack thread) and #2 (closed, without Sam).
func seedTickets(t *testing.T, w *crmWorld) (one, two *core.Ticket) {
	t.Helper()
	ctx := context.Background()
	carl, err := w.st.UserBySlackID(ctx, w.carl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if one, err = w.st.OpenTicket(ctx, carl, "Printer on fire", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetTicketThreads(ctx, nil, one.ID, "", w.sales.ID, "1700000000.000100"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.AddParticipant(ctx, nil, one.ID, w.samUser.ID); err != nil {
		t.Fatal(err)
	}
	for i, m := range []*core.Message{
		{TicketID: one.ID, AuthorID: &carl.ID, AuthorName: "Carl Client", Body: "It smokes", SourcePlatform: core.PlatformDiscord, SourceID: "m1"},
		{TicketID: one.ID, AuthorID: &w.samUser.ID, AuthorName: "Sam Staff", Body: "note: call him", Internal: true, SourcePlatform: core.PlatformSlack, SourceID: "C0STAFF:1700000000.000002"},
	} {
		if _, err := w.st.RecordMessage(ctx, m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if two, err = w.st.OpenTicket(ctx, carl, "Invoice question", core.TicketPublic); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.SetTicketStatus(ctx, nil, two.ID, core.TicketClosed); err != nil {
		t.Fatal(err)
	}
	return one, two
}

func TestCRMTicketLists(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, true)
	seedTickets(t, w)
	link := "<https://slack.com/archives/" + w.sales.ID + "/p1700000000000100|#1 Printer on fire>"

	mine := w.cmd(w.sam, "tickets")
	wantContains(t, "mine", mine.text, "Tickets you take part in", link, "open", "Carl Client, Sam Staff")
	if strings.Contains(mine.text, "#2") {
		t.Errorf("mine lists a ticket Sam is not in: %q", mine.text)
	}
	wantContains(t, "all", w.cmd(w.sam, "tickets all").text, link, "#2 Invoice question — closed")
	closed := w.cmd(w.sam, "tickets closed")
	wantContains(t, "closed", closed.text, "All tickets (closed)", "#2 Invoice question")
	if strings.Contains(closed.text, "#1") {
		t.Errorf("closed lists an open ticket: %q", closed.text)
	}
	wantContains(t, "mine open", w.cmd(w.sam, "tickets mine open").text, "#1 Printer")
	wantContains(t, "mine closed", w.cmd(w.sam, "tickets mine closed").text, "none", "/crm tickets all")
	wantContains(t, "bad", w.cmd(w.sam, "tickets everything").text, "“everything”", "Usage", "/crm tickets [mine|all] [open|closed]")
	wantContains(t, "both", w.cmd(w.sam, "tickets mine all").text, "not both")
}

func TestCRMTicketSummaryAndStatus(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, true)
	one, _ := seedTickets(t, w)
	ctx := context.Background()

	sum := w.cmd(w.sam, "ticket #1")
	wantContains(t, "summary", sum.text, "Ticket #1: Printer on fire", "*Status*\nopen", "*Client*\nCarl Client",
		"*Clients taking part*\nCarl Client", "*Staff taking part*\nSam Staff", "*Messages*\n2 (1 internal note)")
	if b := w.find(buttons(sum.d.Body), "Open thread"); !strings.HasSuffix(b.URL, "/p1700000000000100") {
		t.Errorf("thread button = %+v", b)
	}

	// The company of the client (a person there has the client's email)
	// shows the open ticket on its card, until it is closed.
	acme := w.mustCompany("Acme Corp")
	if _, err := w.st.CreatePerson(ctx, core.PersonInput{FirstName: "Carl", LastName: "Client", Email: "CARL@acme.example",
		Companies: []core.PersonLink{{CompanyID: acme.ID}}}); err != nil {
		t.Fatal(err)
	}
	wantContains(t, "company card", w.cmd(w.sam, "company acme corp").text, "*Open tickets*", "|#1 Printer on fire>")

	wantContains(t, "close", w.cmd(w.sam, "ticket close 1").text, "closed")
	if strings.Contains(w.cmd(w.sam, "company acme corp").text, "Printer") {
		t.Error("a closed ticket is still on the company card")
	}
	if tk, _ := w.st.Ticket(ctx, one.ID); tk.Status != core.TicketClosed {
		t.Fatalf("status = %s", tk.Status)
	}
	wantContains(t, "close again", w.cmd(w.sam, "ticket close 1").text, "already closed")
	wantContains(t, "reopen", w.cmd(w.sam, "ticket reopen #1").text, "reopened")
	if tk, _ := w.st.Ticket(ctx, one.ID); tk.Status != core.TicketOpen {
		t.Fatalf("status = %s", tk.Status)
	}
	w.setter.mu.Lock()
	by := slices.Clone(w.setter.by)
	w.setter.mu.Unlock()
	if !slices.Equal(by, []string{"sam:closed", "sam:closed", "sam:open"}) {
		t.Errorf("status changes = %q", by)
	}

	wantContains(t, "not a number", w.cmd(w.sam, "ticket abc").text, "“abc” is not a ticket number", "Usage")
	wantContains(t, "none", w.cmd(w.sam, "ticket").text, "Which ticket?")
	wantContains(t, "unknown", w.cmd(w.sam, "ticket 99").text, "There is no ticket #99.")
	wantContains(t, "client", w.cmd(w.carl, "ticket close 1").text, "only for registered staff")
	if tk, _ := w.st.Ticket(ctx, one.ID); tk.Status != core.TicketOpen {
		t.Fatal("a client closed a ticket")
	}
}

func TestCRMTicketActionsUnavailableWithoutRelay(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	one, _ := seedTickets(t, w)
	wantContains(t, "close", w.cmd(w.sam, "ticket close 1").text, "ticket actions are not available")
	if tk, _ := w.st.Ticket(context.Background(), one.ID); tk.Status != core.TicketOpen {
		t.Fatal("status changed without a relay")
	}
}
