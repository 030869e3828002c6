package slack_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// seedContacts adds two interests, three companies, a person and a comment.
func seedContacts(t *testing.T, w *crmWorld) (wine, logistics *core.Interest, dupont *core.Company) {
	t.Helper()
	ctx := context.Background()
	var err error
	if wine, err = w.st.CreateInterest(ctx, "Wine", "#8E244D"); err != nil {
		t.Fatal(err)
	}
	if logistics, err = w.st.CreateInterest(ctx, "Logistics", "#1E88E5"); err != nil {
		t.Fatal(err)
	}
	dupont = w.mustCompany("Dupont & Fils", wine.ID, logistics.ID)
	w.mustCompany("Dupont Transports")
	w.mustCompany("Société Générale")
	if _, err := w.st.CreatePerson(ctx, core.PersonInput{FirstName: "Jane", LastName: "Roe", JobTitle: "CTO",
		Companies: []core.PersonLink{{CompanyID: dupont.ID}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.AddComment(ctx, dupont.ID, w.samUser, "Wants a quote for 40 pallets"); err != nil {
		t.Fatal(err)
	}
	return wine, logistics, dupont
}

func TestCRMCompanySearchAndCard(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		w := newCRMWorld(t, st, false)
		seedContacts(t, w)

		card := w.cmd(w.sam, `company "dupont & fils"`)
		if card.msg.ResponseType != slack.ResponseTypeEphemeral {
			t.Errorf("card response_type = %q", card.msg.ResponseType)
		}
		wantContains(t, "card", card.text, "Dupont &amp; Fils", "🟥 Wine", "🟦 Logistics", "Jane Roe — CTO",
			"Sam Staff", "Wants a quote for 40 pallets")
		bs := buttons(card.d.Body)
		for _, action := range []string{"company.edit", "person.new", "comment.new", "person.edit"} {
			w.findAction(bs, action, "")
		}

		list := w.cmd(w.sam, "company DUPONT")
		wantContains(t, "list", list.text, "2 companies match", "Dupont &amp; Fils", "Dupont Transports")
		if n := len(buttons(list.d.Body)); n != 2 {
			t.Errorf("list has %d buttons, want one Show per company", n)
		}
		if strings.Contains(list.text, "Jane Roe") {
			t.Error("an ambiguous search showed a card")
		}

		shared := w.cmd(w.sam, "company societe generale share")
		if shared.msg.ResponseType != slack.ResponseTypeInChannel {
			t.Errorf("shared card response_type = %q", shared.msg.ResponseType)
		}
		wantContains(t, "shared", shared.text, "Société Générale", "Nobody yet.")

		none := w.cmd(w.sam, "company zebra")
		wantContains(t, "none", none.text, "No company matches “zebra”")
		if b := w.find(buttons(none.d.Body), "Create"); b.ActionID != "company.add" || b.Value != "zebra" {
			t.Errorf("create button = %+v", b)
		}

		wantContains(t, "no query", w.cmd(w.sam, "company").text, "Usage", "/crm company add")
		wantContains(t, "help", w.cmd(w.sam, "help").text, "/crm company", "/crm person", "/crm comment", "/crm interests",
			"/crm tickets", "/crm ticket ", "Example")
		wantContains(t, "interests", w.cmd(w.sam, "interests").text, "🟥 *Wine*", "#8E244D · 1 company", "🟦 *Logistics*")
	})
}

func TestCRMCompanyModal(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	wine, _, dupont := seedContacts(t, w)
	ctx := context.Background()

	add := w.cmd(w.sam, "company add")
	if len(add.d.Body) != 0 {
		t.Fatalf("opening a form answered %s", add.d.Body)
	}
	v := w.lastView("company.form")
	_, _, opts := viewInput(v, "interests")
	if !strings.Contains(strings.Join(opts, ","), strconv.FormatInt(wine.ID, 10)+"=🟥 Wine") {
		t.Errorf("interest options = %q, want colours shown", opts)
	}

	invalid := []struct {
		name  string
		texts map[string]string
		field string
	}{
		{"missing name", map[string]string{"name": " "}, "name"},
		{"bad email", map[string]string{"name": "Acme Corp", "email": "not-an-email"}, "email"},
		{"bad url", map[string]string{"name": "Acme Corp", "website": "ftp://files"}, "website"},
		{"duplicate name", map[string]string{"name": "DUPONT & FILS"}, "name"},
	}
	for _, c := range invalid {
		_, resp := w.submit(w.sam, v, c.texts, map[string][]string{"interests": nil})
		if resp.ResponseAction != slack.RAErrors || resp.Errors[c.field] == "" || len(resp.Errors) != 1 {
			t.Errorf("%s: response %+v, want an error beside %s", c.name, resp, c.field)
		}
		if open, _ := w.srv.State().View(v.ID); open.Closed {
			t.Fatalf("%s closed the modal", c.name)
		}
	}
	if n := w.companyCount(); n != 3 {
		t.Fatalf("invalid submissions created companies: %d", n)
	}

	_, resp := w.submit(w.sam, v, map[string]string{"name": "Acme Corp", "email": "hello@acme.example", "website": "acme.example",
		"phone": "+33 1 23 45 67 89", "address": "1 rue de la Paix"}, map[string][]string{"interests": {strconv.FormatInt(wine.ID, 10)}})
	if resp.ResponseAction != "" {
		t.Fatalf("valid submission answered %+v", resp)
	}
	if closed, _ := w.srv.State().View(v.ID); !closed.Closed {
		t.Error("modal still open after a valid submission")
	}
	w.waitEphemeral(w.sam, "Created *Acme Corp*")
	acme, err := w.st.CompanyByName(ctx, "acme corp")
	if err != nil || acme.Website != "https://acme.example" || len(acme.Interests) != 1 || acme.Interests[0].ID != wine.ID {
		t.Fatalf("saved company = %+v, %v", acme, err)
	}

	direct := w.cmd(w.sam, "company add Beta Ltd")
	wantContains(t, "add by name", direct.text, "Created *Beta Ltd*")
	again := w.cmd(w.sam, "company add beta ltd")
	wantContains(t, "add twice", again.text, "already exists")
	w.find(buttons(again.d.Body), "Show Beta Ltd")

	edit := w.cmd(w.sam, "company edit acme")
	if len(edit.d.Body) != 0 {
		t.Fatalf("edit answered %s", edit.d.Body)
	}
	ev := w.lastView("company.form")
	if name, chosen, _ := viewInput(ev, "name"); name != "Acme Corp" || chosen != nil {
		t.Errorf("edit form name = %q", name)
	}
	if _, chosen, _ := viewInput(ev, "interests"); len(chosen) != 1 || chosen[0] != strconv.FormatInt(wine.ID, 10) {
		t.Errorf("edit form interests = %q", chosen)
	}
	_, resp = w.submit(w.sam, ev, map[string]string{"name": "Acme Corp", "phone": "+44 20 7946 0000"}, map[string][]string{"interests": nil})
	if resp.ResponseAction != "" {
		t.Fatalf("edit answered %+v", resp)
	}
	w.waitEphemeral(w.sam, "Saved *Acme Corp*")
	if acme, _ = w.st.Company(ctx, acme.ID); acme.Phone != "+44 20 7946 0000" || len(acme.Interests) != 0 || acme.Email != "" {
		t.Errorf("after edit: %+v", acme)
	}

	views := len(w.srv.State().Views())
	amb := w.cmd(w.sam, "company edit dupont")
	wantContains(t, "ambiguous edit", amb.text, "Several companies match")
	if b := w.find(buttons(amb.d.Body), "Edit"); b.ActionID != "company.edit" {
		t.Errorf("candidate button = %+v", b)
	}
	if len(w.srv.State().Views()) != views {
		t.Error("an ambiguous edit opened a form")
	}

	// A form for a company deleted meanwhile: the server re-loads it.
	w.cmd(w.sam, `company edit "Dupont & Fils"`)
	gone := w.lastView("company.form")
	if err := w.st.DeleteCompany(ctx, dupont.ID); err != nil {
		t.Fatal(err)
	}
	_, resp = w.submit(w.sam, gone, map[string]string{"name": "Dupont & Fils"}, nil)
	if resp.ResponseAction != "" {
		t.Fatalf("deleted company: %+v", resp)
	}
	w.waitEphemeral(w.sam, "No such company.")
}

func TestCRMCompanyCardButtons(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	_, _, dupont := seedContacts(t, w)
	ctx := context.Background()

	card := w.cmd(w.sam, `company "Dupont & Fils" share`)
	ts := w.post(card.d.Body)
	bs := buttons(card.d.Body)

	w.press(w.sam, ts, w.findAction(bs, "company.edit", ""))
	if v := w.lastView("company.form"); !strings.Contains(v.PrivateMetadata, strconv.FormatInt(dupont.ID, 10)) {
		t.Errorf("edit form metadata = %q", v.PrivateMetadata)
	}

	// Each person on the card has an Edit button.
	w.press(w.sam, ts, w.findAction(bs, "person.edit", ""))
	if first, _, _ := viewInput(w.lastView("person.form"), "first_name"); first != "Jane" {
		t.Errorf("person edit from the card: first name %q", first)
	}

	w.press(w.sam, ts, w.find(bs, "Add person"))
	pv := w.lastView("person.form")
	if _, chosen, _ := viewInput(pv, "companies"); len(chosen) != 1 || chosen[0] != strconv.FormatInt(dupont.ID, 10) {
		t.Errorf("add person from the card: companies = %q", chosen)
	}
	_, resp := w.submit(w.sam, pv, map[string]string{"first_name": "Paul", "last_name": "Dupont", "job_title": "Owner"},
		map[string][]string{"companies": {strconv.FormatInt(dupont.ID, 10)}})
	if resp.ResponseAction != "" {
		t.Fatalf("person form: %+v", resp)
	}
	w.waitEphemeral(w.sam, "Added *Paul Dupont*")
	members, _ := w.st.CompanyPeople(ctx, dupont.ID)
	if len(members) != 2 {
		t.Errorf("company has %d people, want 2", len(members))
	}

	w.press(w.sam, ts, w.find(bs, "Comment"))
	cv := w.lastView("comment.form")
	_, resp = w.submit(w.sam, cv, map[string]string{"body": ""}, nil)
	if resp.Errors["body"] == "" {
		t.Errorf("empty comment: %+v", resp)
	}
	_, resp = w.submit(w.sam, cv, map[string]string{"body": "Quote sent"}, nil)
	if resp.ResponseAction != "" {
		t.Fatalf("comment form: %+v", resp)
	}
	w.waitEphemeral(w.sam, "Comment added to *Dupont &amp; Fils*")
	comments, _ := w.st.Comments(ctx, dupont.ID, 0)
	if len(comments) != 2 || comments[0].Body != "Quote sent" || comments[0].AuthorName != "Sam Staff" {
		t.Errorf("comments = %+v", comments)
	}

	// "No company matches" offers to create it: the form opens with the name.
	none := w.cmd(w.sam, "company Zebra Films")
	nts := w.post(none.d.Body)
	w.press(w.sam, nts, w.findAction(buttons(none.d.Body), "company.add", "Zebra Films"))
	if name, _, _ := viewInput(w.lastView("company.form"), "name"); name != "Zebra Films" {
		t.Errorf("create from search: name %q", name)
	}

	list := w.cmd(w.sam, "company dupont")
	lts := w.post(list.d.Body)
	w.press(w.sam, lts, w.find(buttons(list.d.Body), "Show"))
	w.waitEphemeral(w.sam, "Jane Roe — CTO")
	posts := w.srv.State().ResponsePosts()
	if last := posts[len(posts)-1]; last.Status != 200 || last.ResponseType == "in_channel" {
		t.Errorf("Show answered %+v", last)
	}
}
