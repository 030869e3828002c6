package slack_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestCRMPersonCommands(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	_, _, dupont := seedContacts(t, w)
	ctx := context.Background()
	people := func() int {
		t.Helper()
		n, err := w.st.DB.NewSelect().TableExpr("people").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}

	amb := w.cmd(w.sam, "person add Paul Martin at dupont")
	wantContains(t, "ambiguous company", amb.text, "Several companies match “dupont”", "Dupont Transports")
	if people() != 1 {
		t.Fatal("a person was created for an ambiguous company")
	}

	added := w.cmd(w.sam, `person add Paul Martin at "Dupont & Fils"`)
	wantContains(t, "add at", added.text, "Added *Paul Martin* at *Dupont &amp; Fils*", "• Dupont &amp; Fils")
	w.find(buttons(added.d.Body), "Dupont & Fils")

	indep := w.cmd(w.sam, "person add Zoë Fontaine")
	wantContains(t, "independent", indep.text, "Added *Zoë Fontaine*", "Independent (no company).")

	wantContains(t, "dangling at", w.cmd(w.sam, "person add Paul at").text, "after “at”", "Usage")
	wantContains(t, "no company", w.cmd(w.sam, "person add Paul at Nowhere").text, "No company matches “Nowhere”")
	if people() != 3 {
		t.Fatalf("people = %d, want 3", people())
	}

	wantContains(t, "search", w.cmd(w.sam, "person ZOE").text, "Zoë Fontaine", "Independent")
	wantContains(t, "short", w.cmd(w.sam, "person oe").text, "Nobody matches “oe”", "at least 3 letters")
	w.cmd(w.sam, "person add Jane Smith")
	list := w.cmd(w.sam, "person jane")
	if len(buttons(list.d.Body)) < 2 || !strings.Contains(list.text, "people match") {
		t.Errorf("several matches: %q", list.text)
	}
	nobody := w.cmd(w.sam, "person xavier")
	wantContains(t, "nobody", nobody.text, "Nobody matches “xavier”")
	w.press(w.sam, w.post(nobody.d.Body), w.findAction(buttons(nobody.d.Body), "person.new", ""))
	if _, chosen, _ := viewInput(w.lastView("person.form"), "companies"); len(chosen) != 0 {
		t.Errorf("blank person form has companies %q", chosen)
	}
	w.press(w.sam, w.post(list.d.Body), w.findAction(buttons(list.d.Body), "person.show", ""))
	w.waitEphemeral(w.sam, "Jane")
	wantContains(t, "no query", w.cmd(w.sam, "person").text, "Usage", "/crm person add")

	// The form: add with a company chosen, validation beside the fields.
	w.cmd(w.sam, `person add at "dupont & fils"`)
	v := w.lastView("person.form")
	if _, chosen, _ := viewInput(v, "companies"); len(chosen) != 1 || chosen[0] != strconv.FormatInt(dupont.ID, 10) {
		t.Errorf("form companies = %q", chosen)
	}
	for field, texts := range map[string]map[string]string{
		"first_name": {"first_name": ""},
		"email":      {"first_name": "Ana", "email": "ana@"},
		"phone":      {"first_name": "Ana", "phone": "call me"},
	} {
		_, resp := w.submit(w.sam, v, texts, nil)
		if resp.ResponseAction != slack.RAErrors || resp.Errors[field] == "" {
			t.Errorf("%s: %+v", field, resp)
		}
	}
	_, resp := w.submit(w.sam, v, map[string]string{"first_name": "Ana", "last_name": "Lima", "email": "ana@lima.example"},
		map[string][]string{"companies": {}})
	if resp.ResponseAction != "" {
		t.Fatalf("valid person: %+v", resp)
	}
	w.waitEphemeral(w.sam, "Added *Ana Lima*")
	if people() != 5 {
		t.Fatalf("people = %d, want 5", people())
	}

	// Edit: companies emptied makes Paul independent; the card's Edit button.
	w.cmd(w.sam, "person edit paul martin")
	ev := w.lastView("person.form")
	if first, _, _ := viewInput(ev, "first_name"); first != "Paul" {
		t.Errorf("edit form first name = %q", first)
	}
	_, resp = w.submit(w.sam, ev, map[string]string{"first_name": "Paul", "last_name": "Martin", "job_title": "Buyer"},
		map[string][]string{"companies": nil})
	if resp.ResponseAction != "" {
		t.Fatalf("edit person: %+v", resp)
	}
	w.waitEphemeral(w.sam, "Saved *Paul Martin*")
	card := w.cmd(w.sam, "person paul martin share")
	wantContains(t, "edited card", card.text, "Buyer", "Independent (no company).")
	if card.msg.ResponseType != slack.ResponseTypeInChannel {
		t.Errorf("shared person card: %q", card.msg.ResponseType)
	}
	ts := w.post(card.d.Body)
	w.press(w.sam, ts, w.find(buttons(card.d.Body), "Edit"))
	w.lastView("person.form")

	roe := w.cmd(w.sam, "person roe")
	rts := w.post(roe.d.Body)
	w.press(w.sam, rts, w.find(buttons(roe.d.Body), "Dupont & Fils"))
	w.waitEphemeral(w.sam, "Jane Roe — CTO")

	wantContains(t, "ambiguous edit", w.cmd(w.sam, "person edit jane").text, "Several people match")
}
