package admin_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// ticketFixture is a ticket with a client message relayed to Slack, a staff
// reply relayed to Discord (parked), and a company, person and interest.
type ticketFixture struct {
	ticket   *core.Ticket
	client   *core.User
	parked   *core.Delivery
	done     *core.Delivery
	company  *core.Company
	person   *core.Person
	interest *core.Interest
}

func seedTicket(t *testing.T, p *panel, staff *core.User) ticketFixture {
	t.Helper()
	st := p.st
	ctx := context.Background()
	var f ticketFixture
	var err error
	f.client, err = st.CreateUser(ctx, core.NewUser{Login: "cleo", Name: "Cleo Client", Role: core.RoleClient, Email: "cleo@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if f.interest, err = st.CreateInterest(ctx, "Solar panels", "#F59F00"); err != nil {
		t.Fatal(err)
	}
	if f.company, err = st.CreateCompany(ctx, core.CompanyInput{Name: "Acme Énergie", Phone: "+33 1 23 45 67 89", InterestIDs: []int64{f.interest.ID}}); err != nil {
		t.Fatal(err)
	}
	if f.person, err = st.CreatePerson(ctx, core.PersonInput{FirstName: "Paul", LastName: "Durand", Email: "cleo@acme.example", JobTitle: "Buyer"}); err != nil {
		t.Fatal(err)
	}
	if err := st.LinkPerson(ctx, f.company.ID, f.person.ID, "Buyer"); err != nil {
		t.Fatal(err)
	}
	if f.ticket, err = st.OpenTicket(ctx, f.client, "Inverter makes a noise", core.TicketPrivate); err != nil {
		t.Fatal(err)
	}
	tid := f.ticket.ID
	msg := func(author *core.User, body, platform, source, target string) *core.Delivery {
		d := &core.Delivery{Stream: "ticket:" + strconv.FormatInt(tid, 10) + ":" + target, Kind: target + ".post", Platform: target, TicketID: &tid, Payload: "{}"}
		m := &core.Message{TicketID: tid, AuthorID: &author.ID, AuthorName: author.Name, Body: body, SourcePlatform: platform, SourceID: source}
		if _, err := st.RecordMessage(ctx, m, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := msg(f.client, "Hello, the inverter <b>hums</b> at night.", core.PlatformDiscord, "d-1", core.PlatformSlack)
	p.clock.Advance(time.Minute)
	second := msg(staff, "We will send someone on Monday.", core.PlatformSlack, "C0STAFF:1700000000.000101", core.PlatformDiscord)
	claimed, err := st.ClaimDeliveries(ctx, "test", 10, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if _, err := st.CompleteDelivery(ctx, nil, first.ID, "test", "1700000000.000100"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ParkDelivery(ctx, second.ID, "test", "discord: 403 Missing Access"); err != nil {
		t.Fatal(err)
	}
	f.done, _ = st.Delivery(ctx, first.ID)
	f.parked, _ = st.Delivery(ctx, second.ID)
	return f
}
