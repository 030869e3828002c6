package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// bidiControls are the embeddings, overrides and isolates of Unicode's
// bidirectional algorithm: U+202A–U+202E and U+2066–U+2069.
var bidiControls = []rune{'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'}

// TestBidiControlsAreRefused: a bidirectional embedding, override or
// isolate in a name or any other text typed into the product (U+202E, the
// right-to-left override, then "fdp.exe" shows as "exe.pdf") is refused
// as EINVALID naming the field and saying why, on both engines, and
// nothing is stored (issue 22, defect 6). Marks (U+200E, U+200F) and
// right-to-left letters stay welcome.
func TestBidiControlsAreRefused(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		admin := coretest.MustUser(t, st, "ada", core.RoleAdmin)
		client := coretest.MustUser(t, st, "carl", core.RoleClient)
		acme, err := st.CreateCompany(ctx, core.CompanyInput{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		jane, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "Jane"})
		if err != nil {
			t.Fatal(err)
		}
		p := func(s string) *string { return &s }
		for _, r := range bidiControls {
			bad := "Ada" + string(r) + "nimda"
			cases := []struct {
				name, field string
				call        func() error
			}{
				{"user name", "name", func() error {
					_, err := st.CreateUser(ctx, core.NewUser{Login: "bidi", Name: bad, Role: core.RoleStaff})
					return err
				}},
				{"user name, updated", "name", func() error { _, err := st.UpdateUser(ctx, client.ID, core.UserUpdate{Name: p(bad)}); return err }},
				{"company name", "name", func() error { _, err := st.CreateCompany(ctx, core.CompanyInput{Name: bad}); return err }},
				{"company name, updated", "name", func() error { _, err := st.UpdateCompany(ctx, acme.ID, core.CompanyUpdate{Name: p(bad)}); return err }},
				{"company address", "address", func() error {
					_, err := st.CreateCompany(ctx, core.CompanyInput{Name: "B", Address: bad})
					return err
				}},
				{"person first name", "first_name", func() error { _, err := st.CreatePerson(ctx, core.PersonInput{FirstName: bad}); return err }},
				{"person last name, updated", "last_name", func() error {
					_, err := st.UpdatePerson(ctx, jane.ID, core.PersonUpdate{LastName: p(bad)})
					return err
				}},
				{"person job title", "job_title", func() error { return st.LinkPerson(ctx, acme.ID, jane.ID, bad) }},
				{"interest name", "name", func() error { _, err := st.CreateInterest(ctx, bad, "#112233"); return err }},
				{"comment", "body", func() error { _, err := st.AddComment(ctx, acme.ID, admin, bad); return err }},
				{"task title", "title", func() error {
					_, err := st.CreateTask(ctx, admin, core.TaskInput{Title: bad, DueAt: st.Now().Add(time.Hour)})
					return err
				}},
				{"ticket subject", "subject", func() error { _, err := st.OpenTicket(ctx, client, bad, ""); return err }},
			}
			for _, c := range cases {
				what := fmt.Sprintf("%s with U+%04X", c.name, r)
				err := c.call()
				if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != c.field {
					t.Errorf("%s: %v (code %s, field %q), want invalid %s", what, err, core.ErrorCode(err), core.ErrorField(err), c.field)
					continue
				}
				if msg := core.ErrorMessage(err); !strings.Contains(msg, "must not contain bidirectional control characters") {
					t.Errorf("%s: message %q", what, msg)
				}
			}
		}

		// The reason reads in the person's language.
		_, err = st.CreateCompany(ctx, core.CompanyInput{Name: "Acme\u202Eemca"})
		if msg := core.ErrorMessageIn(err, i18n.FR); !strings.Contains(msg, "ne doit pas contenir de caractères de contrôle bidirectionnels") {
			t.Errorf("in French: %q", msg)
		}

		// Nothing of it was stored.
		if _, err := st.UserByLogin(ctx, "bidi"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a user with a bidi control in the name was stored: %v", err)
		}
		if n, _ := st.CountCompanies(ctx); n != 1 {
			t.Errorf("%d companies stored", n)
		}
		if cs, _ := st.Comments(ctx, acme.ID, 0); len(cs) != 0 {
			t.Errorf("comments stored: %d", len(cs))
		}
		if c, _ := st.Company(ctx, acme.ID); c == nil || c.Name != "Acme" {
			t.Errorf("company after the refused update: %+v", c)
		}

		// Right-to-left text and the invisible marks are text.
		for _, name := range []string{"شركة النور", "חברה\u200F בע״מ", "Acme\u200E (UK)"} {
			if _, err := st.CreateCompany(ctx, core.CompanyInput{Name: name}); err != nil {
				t.Errorf("company %q: %v", name, err)
			}
		}
	})
}

// TestCleanName: names that arrive from chat platforms (display names,
// subjects, file names) lose control characters and bidi controls rather
// than being refused; relayed text (CleanText) keeps the bidi controls.
func TestCleanName(t *testing.T) {
	cases := map[string]string{
		"plain":                       "plain",
		"Ada\u202Enimda":              "Adanimda",
		"\u2066x\u2069 \u202Ay\u202C": "x y",
		"nul\x00 and rlo\u202E":       "nul and rlo",
		"mark\u200F kept":             "mark\u200F kept",
		"שלום":                        "שלום",
	}
	wantCleaned(t, "CleanName", core.CleanName, cases)
	if in := "quote: \u202Bשלום\u202C ok"; core.CleanText(in) != in {
		t.Errorf("CleanText dropped bidi controls from %q: %q", in, core.CleanText(in))
	}
}
