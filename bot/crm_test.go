package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestParsePersonAdd(t *testing.T) {
	cases := []struct {
		name, in string
		want     bot.PersonAddArgs
		err      bool
	}{
		{"nothing", "", bot.PersonAddArgs{}, false},
		{"first only", "Jane", bot.PersonAddArgs{FirstName: "Jane"}, false},
		{"first last", "Jane  Roe", bot.PersonAddArgs{FirstName: "Jane", LastName: "Roe"}, false},
		{"compound last name", "Jean de La Fontaine", bot.PersonAddArgs{FirstName: "Jean", LastName: "de La Fontaine"}, false},
		{"at company", "Jane Roe at Acme", bot.PersonAddArgs{FirstName: "Jane", LastName: "Roe", Company: "Acme"}, false},
		{"quoted company", `Jane Roe at "Dupont & Fils"`, bot.PersonAddArgs{FirstName: "Jane", LastName: "Roe", Company: "Dupont & Fils"}, false},
		{"AT in capitals", "Jane AT acme corp", bot.PersonAddArgs{FirstName: "Jane", Company: "acme corp"}, false},
		{"only a company", "at Acme", bot.PersonAddArgs{Company: "Acme"}, false},
		{"last at wins", "Anna at at Home", bot.PersonAddArgs{FirstName: "Anna", LastName: "at", Company: "Home"}, false},
		{"quoted at is a name", `Jane "at" Roe`, bot.PersonAddArgs{FirstName: "Jane", LastName: "at Roe"}, false},
		{"quoted full name", `"Mary Ann" Smith at Acme`, bot.PersonAddArgs{FirstName: "Mary Ann", LastName: "Smith", Company: "Acme"}, false},
		{"at without company", "Jane Roe at", bot.PersonAddArgs{}, true},
		{"open quote", `Jane at "Acme`, bot.PersonAddArgs{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := bot.ParsePersonAdd(c.in)
			if (err != nil) != c.err || (!c.err && got != c.want) {
				t.Errorf("ParsePersonAdd(%q) = %+v, %v; want %+v (error %v)", c.in, got, err, c.want, c.err)
			}
		})
	}
}

func TestParseTickets(t *testing.T) {
	cases := []struct {
		name string
		in   []string
		want bot.TicketsQuery
		err  bool
	}{
		{"default is mine", nil, bot.TicketsQuery{Mine: true}, false},
		{"mine", []string{"mine"}, bot.TicketsQuery{Mine: true}, false},
		{"all", []string{"ALL"}, bot.TicketsQuery{}, false},
		{"open alone is the queue", []string{"open"}, bot.TicketsQuery{Status: core.TicketOpen}, false},
		{"closed alone", []string{"closed"}, bot.TicketsQuery{Status: core.TicketClosed}, false},
		{"mine open", []string{"mine", "open"}, bot.TicketsQuery{Mine: true, Status: core.TicketOpen}, false},
		{"all closed", []string{"closed", "all"}, bot.TicketsQuery{Status: core.TicketClosed}, false},
		{"mine and all", []string{"mine", "all"}, bot.TicketsQuery{}, true},
		{"open and closed", []string{"open", "closed"}, bot.TicketsQuery{}, true},
		{"unknown word", []string{"urgent"}, bot.TicketsQuery{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := bot.ParseTickets(c.in)
			if (err != nil) != c.err || (!c.err && got != c.want) {
				t.Errorf("ParseTickets(%q) = %+v, %v; want %+v (error %v)", c.in, got, err, c.want, c.err)
			}
		})
	}
}

func TestParseTicketNumber(t *testing.T) {
	cases := map[string]int64{"42": 42, "#42": 42, " 7 ": 7, "0": 0, "-3": 0, "#": 0, "abc": 0, "4x": 0}
	for in, want := range cases {
		got, ok := bot.ParseTicketNumber(in)
		if ok != (want > 0) || (ok && got != want) {
			t.Errorf("ParseTicketNumber(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
}

// crmRouter is a router with the /crm commands and a staff member.
func crmRouter(t *testing.T, st *core.Store) (*bot.Router, bot.Actor) {
	t.Helper()
	if _, err := st.CreateUser(context.Background(), core.NewUser{Login: "sam", Name: "Sam", Role: core.RoleStaff, SlackID: "U0SAM"}); err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter(st, nil)
	bot.RegisterCRM(r, bot.CRMDeps{})
	return r, bot.Actor{Platform: core.PlatformSlack, UserID: "U0SAM"}
}

// TestCRMSearchNeverGuesses: the exact name wins over longer names; a
// fragment several names share lists them all; quoting keeps a name that
// is also a subcommand word.
func TestCRMSearchNeverGuesses(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r, sam := crmRouter(t, st)
		ctx := context.Background()
		for _, n := range []string{"Acme", "Acme Labs", "Labs of Acme", "Add", "Zeta"} {
			if _, err := st.CreateCompany(ctx, core.CompanyInput{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		rep := r.Command(ctx, sam, "company ACMÉ")
		if len(rep.Sections) == 0 || rep.Sections[0].Title != "Acme" || rep.Form != nil {
			t.Errorf("exact name: %+v", rep)
		}
		rep = r.Command(ctx, sam, "company acm")
		var titles []string
		for _, s := range rep.Sections {
			titles = append(titles, s.Title)
			if len(s.Buttons) != 1 || s.Buttons[0].Action != "company.show" {
				t.Errorf("candidate %q has buttons %+v", s.Title, s.Buttons)
			}
		}
		if got := strings.Join(titles, "|"); got != "Acme|Acme Labs|Labs of Acme" {
			t.Errorf("candidates = %q (exact, then prefix, then containing)", got)
		}
		if rep := r.Command(ctx, sam, `company "add"`); len(rep.Sections) == 0 || rep.Sections[0].Title != "Add" {
			t.Errorf(`quoted "add": %+v`, rep)
		}
		if rep := r.Command(ctx, sam, "company add"); rep.Form == nil || rep.Form.ID != bot.FormCompany {
			t.Errorf("company add without a name: %+v", rep)
		}
		if rep := r.Command(ctx, sam, "company !!!"); !strings.Contains(rep.Text, "Type part of a name") {
			t.Errorf("no letters: %q", rep.Text)
		}
	})
}

// TestCRMFormsRecheckOnServer: a form's meta and a button's value are
// re-checked: a malformed or stale ID changes nothing.
func TestCRMFormsRecheckOnServer(t *testing.T) {
	st := coretest.MustOpenSQLite(t)
	r, sam := crmRouter(t, st)
	ctx := context.Background()
	co, err := st.CreateCompany(ctx, core.CompanyInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	for _, meta := range []string{"abc", "-1", "999"} {
		res := r.Submit(ctx, sam, bot.FormCompany, meta, map[string][]string{"name": {"Renamed"}})
		if res.Reply == nil || len(res.Errors) > 0 {
			t.Errorf("meta %q: %+v", meta, res)
		}
		if res := r.Submit(ctx, sam, bot.FormComment, meta, map[string][]string{"body": {"x"}}); res.Reply == nil {
			t.Errorf("comment meta %q: %+v", meta, res)
		}
	}
	res := r.Submit(ctx, sam, bot.FormCompany, "", map[string][]string{"name": {"New"}, "interests": {"1; DROP TABLE"}})
	if res.Errors["interests"] == "" {
		t.Errorf("forged interest value: %+v", res)
	}
	for _, a := range []struct{ action, value string }{{"company.edit", "x"}, {"company.show", "999"}, {"person.edit", "0"}, {"comment.new", "999\nhi"}, {"company.nope", "1"}} {
		if rep := r.Action(ctx, sam, a.action, a.value); rep.Form != nil || rep.Text == "" {
			t.Errorf("%s %q: %+v", a.action, a.value, rep)
		}
	}
	if got, _ := st.Company(ctx, co.ID); got.Name != "Acme" {
		t.Errorf("company renamed to %q", got.Name)
	}
	if n, _ := st.CountCompanies(ctx); n != 1 {
		t.Errorf("companies = %d", n)
	}
}

// TestCRMPersonFormManyCompanies: past 100 companies (Slack's limit for a
// select), the person form adds a field for other companies by name,
// resolved without guessing.
func TestCRMPersonFormManyCompanies(t *testing.T) {
	st := coretest.MustOpenSQLite(t)
	r, sam := crmRouter(t, st)
	ctx := context.Background()
	if err := st.GenerateContacts(ctx, 105, 0, 1); err != nil {
		t.Fatal(err)
	}
	rep := r.Command(ctx, sam, "person add")
	if rep.Form == nil {
		t.Fatalf("no form: %+v", rep)
	}
	byName := map[string]bot.Input{}
	for _, in := range rep.Form.Inputs {
		byName[in.Name] = in
	}
	if n := len(byName["companies"].Options); n != 100 {
		t.Errorf("companies select has %d options", n)
	}
	if _, ok := byName["more_companies"]; !ok {
		t.Fatal("no field for other companies")
	}
	target := core.GeneratedCompanyName(104)
	res := r.Submit(ctx, sam, bot.FormPerson, "", map[string][]string{"first_name": {"Ann"}, "more_companies": {"sarl"}})
	if !strings.Contains(res.Errors["more_companies"], "Several companies match") {
		t.Errorf("ambiguous line: %+v", res)
	}
	res = r.Submit(ctx, sam, bot.FormPerson, "", map[string][]string{"first_name": {"Ann"}, "more_companies": {"\n" + strings.ToUpper(target) + "\n"}})
	if res.Reply == nil || len(res.Errors) > 0 {
		t.Fatalf("valid line: %+v", res)
	}
	ann, err := st.FindPeople(ctx, "ann", 5)
	if err != nil || len(ann) != 1 {
		t.Fatalf("people named Ann: %v %v", ann, err)
	}
	aff, _ := st.PersonCompanies(ctx, ann[0].ID)
	if len(aff) != 1 || aff[0].Company.Name != target {
		t.Errorf("Ann's companies = %+v", aff)
	}
}
