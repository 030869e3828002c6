package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestControlCharactersAreRefused: a NUL (which PostgreSQL cannot store)
// in any text field, through every service that takes it, is refused as
// EINVALID naming the field, on both engines, and nothing is stored.
func TestControlCharactersAreRefused(t *testing.T) {
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
		wine, err := st.CreateInterest(ctx, "Wine", "#8E244D")
		if err != nil {
			t.Fatal(err)
		}
		task, err := st.CreateTask(ctx, admin, core.TaskInput{Title: "Call", DueAt: st.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := st.OpenTicket(ctx, client, "Printer", "")
		if err != nil {
			t.Fatal(err)
		}
		m := &core.Message{TicketID: tk.ID, AuthorName: "Carl", Body: "hello", SourcePlatform: core.PlatformDiscord, SourceID: "1"}
		if _, err := st.RecordMessage(ctx, m); err != nil {
			t.Fatal(err)
		}

		const nul = "bad\x00text"
		p := func(s string) *string { return &s }
		cases := []struct {
			name  string
			field string
			typed bool // the field is free text: the message names control characters
			call  func() error
		}{
			{"user name", "name", true, func() error {
				_, err := st.CreateUser(ctx, core.NewUser{Login: "nul1", Name: nul, Role: core.RoleStaff})
				return err
			}},
			{"user email", "email", false, func() error {
				_, err := st.CreateUser(ctx, core.NewUser{Login: "nul2", Name: "N", Email: "a\x00@b.example", Role: core.RoleStaff})
				return err
			}},
			{"user phone", "phone", false, func() error {
				_, err := st.CreateUser(ctx, core.NewUser{Login: "nul3", Name: "N", Phone: "+33\x00 1", Role: core.RoleStaff})
				return err
			}},
			{"user name, updated", "name", true, func() error { _, err := st.UpdateUser(ctx, client.ID, core.UserUpdate{Name: p(nul)}); return err }},
			{"interest name", "name", true, func() error { _, err := st.CreateInterest(ctx, nul, "#112233"); return err }},
			{"interest name, updated", "name", true, func() error {
				_, err := st.UpdateInterest(ctx, wine.ID, core.InterestUpdate{Name: p(nul)})
				return err
			}},
			{"company name", "name", true, func() error { _, err := st.CreateCompany(ctx, core.CompanyInput{Name: nul}); return err }},
			{"company address", "address", true, func() error {
				_, err := st.CreateCompany(ctx, core.CompanyInput{Name: "B", Address: nul})
				return err
			}},
			{"company phone", "phone", false, func() error {
				_, err := st.CreateCompany(ctx, core.CompanyInput{Name: "C", Phone: "01\x00"})
				return err
			}},
			{"company email", "email", false, func() error {
				_, err := st.CreateCompany(ctx, core.CompanyInput{Name: "D", Email: "x@y\x00.example"})
				return err
			}},
			{"company website", "website", false, func() error {
				_, err := st.CreateCompany(ctx, core.CompanyInput{Name: "E", Website: "acme\x00.example"})
				return err
			}},
			{"company address, updated", "address", true, func() error {
				_, err := st.UpdateCompany(ctx, acme.ID, core.CompanyUpdate{Address: p(nul)})
				return err
			}},
			{"person first name", "first_name", true, func() error { _, err := st.CreatePerson(ctx, core.PersonInput{FirstName: nul}); return err }},
			{"person last name", "last_name", true, func() error {
				_, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "J", LastName: nul})
				return err
			}},
			{"person job title", "job_title", true, func() error {
				_, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "J", JobTitle: nul})
				return err
			}},
			{"person job title at a company", "job_title", true, func() error {
				_, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "J", Companies: []core.PersonLink{{CompanyID: acme.ID, JobTitle: nul}}})
				return err
			}},
			{"person last name, updated", "last_name", true, func() error {
				_, err := st.UpdatePerson(ctx, jane.ID, core.PersonUpdate{LastName: p(nul)})
				return err
			}},
			{"link job title", "job_title", true, func() error { return st.LinkPerson(ctx, acme.ID, jane.ID, nul) }},
			{"comment", "body", true, func() error { _, err := st.AddComment(ctx, acme.ID, admin, nul); return err }},
			{"task title", "title", true, func() error {
				_, err := st.CreateTask(ctx, admin, core.TaskInput{Title: nul, DueAt: st.Now().Add(time.Hour)})
				return err
			}},
			{"task place", "place", true, func() error {
				_, err := st.CreateTask(ctx, admin, core.TaskInput{Title: "T", Place: nul, DueAt: st.Now().Add(time.Hour)})
				return err
			}},
			{"task description", "description", true, func() error {
				_, err := st.CreateTask(ctx, admin, core.TaskInput{Title: "T", Description: nul, DueAt: st.Now().Add(time.Hour)})
				return err
			}},
			{"task description, updated", "description", true, func() error {
				_, err := st.UpdateTask(ctx, admin, task.ID, core.TaskUpdate{Description: p(nul)})
				return err
			}},
			{"ticket subject", "subject", true, func() error { _, err := st.OpenTicket(ctx, client, nul, ""); return err }},
			{"message", "body", true, func() error {
				_, err := st.RecordMessage(ctx, &core.Message{TicketID: tk.ID, AuthorName: "Carl", Body: nul, SourcePlatform: core.PlatformDiscord, SourceID: "2"})
				return err
			}},
			{"message, edited", "body", true, func() error {
				_, err := st.EditMessageTx(ctx, st.DB, m.ID, nul)
				return err
			}},
			{"comment with another control character", "body", true, func() error {
				_, err := st.AddComment(ctx, acme.ID, admin, "bell\x07")
				return err
			}},
			{"comment that is not UTF-8", "body", false, func() error {
				_, err := st.AddComment(ctx, acme.ID, admin, "caf\xe9")
				return err
			}},
		}
		for _, c := range cases {
			err := c.call()
			if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != c.field {
				t.Errorf("%s: %v (code %s, field %q), want invalid %s", c.name, err, core.ErrorCode(err), core.ErrorField(err), c.field)
				continue
			}
			if c.typed && !strings.Contains(core.ErrorMessage(err), "must not contain control characters") {
				t.Errorf("%s: message %q", c.name, core.ErrorMessage(err))
			}
		}

		// Nothing of it was stored.
		if cs, _ := st.Comments(ctx, acme.ID, 0); len(cs) != 0 {
			t.Errorf("comments stored: %d", len(cs))
		}
		if got, _ := st.MessageBySource(ctx, core.PlatformDiscord, "1"); got == nil || got.Body != "hello" {
			t.Errorf("message after the refused edit: %+v", got)
		}

		// Line breaks and tabs are text; a Windows line break becomes \n.
		c, err := st.AddComment(ctx, acme.ID, admin, "line one\r\nline two\tend")
		if err != nil || c.Body != "line one\nline two\tend" {
			t.Fatalf("comment with line breaks: %+v %v", c, err)
		}
	})
}

func TestCleanText(t *testing.T) {
	cases := map[string]string{
		"plain":                  "plain",
		"nul\x00 and bell\x07":   "nul and bell",
		"keeps\nlines\tand tabs": "keeps\nlines\tand tabs",
		"windows\r\nline":        "windows\nline",
		"escape \x1b[31mred":     "escape [31mred",
		"c1 \u0085next line":     "c1 next line",
		"bad utf-8 \xff here":    "bad utf-8 \uFFFD here",
		"emoji 🎫 and accents éà": "emoji 🎫 and accents éà",
	}
	wantCleaned(t, "CleanText", core.CleanText, cases)
}

// wantCleaned checks that clean turns each case's key into its value.
func wantCleaned(t *testing.T, name string, clean func(string) string, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		if got := clean(in); got != want {
			t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
		}
	}
}

// TestUserSearchWithControlCharacters: the panel's user search and role
// filter come from the URL; a NUL in them finds what the rest of the text
// finds instead of failing on PostgreSQL.
func TestUserSearchWithControlCharacters(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		coretest.MustUser(t, st, "sam", core.RoleStaff)
		q, role := "sa\x00m", "staff\x00"
		users, err := st.ListUsers(ctx, core.UserFilter{Query: &q})
		if err != nil || len(users) != 1 || users[0].Login != "sam" {
			t.Fatalf("search: %v %v", users, err)
		}
		if users, err = st.ListUsers(ctx, core.UserFilter{Role: &role}); err != nil || len(users) != 1 {
			t.Fatalf("role filter: %v %v", users, err)
		}
	})
}
