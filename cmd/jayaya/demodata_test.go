package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
)

func TestDemoData(t *testing.T) {
	t.Parallel()
	for engine, mkURL := range databaseURLs(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"DATABASE_URL": mkURL(t)}
			for _, args := range [][]string{{}, {"--small", "--companies", "3"}, {"--people", "5"}, {"--small", "extra"}} {
				if code, _, errs := jayaya(t, env, "", append([]string{"demo-data"}, args...)...); code != 2 || !strings.HasPrefix(errs, "jayaya demo-data: ") {
					t.Errorf("demo-data %q: %d %q", args, code, errs)
				}
			}
			code, out, errs := jayaya(t, env, "", "demo-data", "--small")
			if code != 0 || !strings.Contains(out, "added 12 companies") || !strings.Contains(out, "(3 independent)") {
				t.Fatalf("demo-data --small: %d %q %q", code, out, errs)
			}
			code, _, errs = jayaya(t, env, "", "demo-data", "--small")
			if code != 1 || !strings.Contains(errs, "already has 12 companies") || !strings.Contains(errs, "nothing was changed") {
				t.Fatalf("second run: %d %q", code, errs)
			}

			ctx := context.Background()
			st, err := core.Open(ctx, env["DATABASE_URL"])
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if n, _ := st.CountCompanies(ctx); n != 12 {
				t.Errorf("companies = %d after two runs", n)
			}
			dupont, err := st.CompanyByName(ctx, "dupont & fils")
			if err != nil || len(dupont.Interests) != 2 || dupont.Website != "https://dupont-fils.example" {
				t.Fatalf("Dupont & Fils = %+v, %v", dupont, err)
			}
			if cs, _ := st.Comments(ctx, dupont.ID, 0); len(cs) != 2 || cs[0].AuthorName == "" {
				t.Errorf("comments = %+v", cs)
			}
			if people, _ := st.CompanyPeople(ctx, dupont.ID); len(people) != 2 {
				t.Errorf("people at Dupont = %d", len(people))
			}
			zoe, err := st.FindPeople(ctx, "zoe fontaine", 5)
			if err != nil || len(zoe) != 1 {
				t.Fatalf("independent person: %v %v", zoe, err)
			}
			if aff, _ := st.PersonCompanies(ctx, zoe[0].ID); len(aff) != 0 {
				t.Errorf("Zoë has companies: %+v", aff)
			}
			if list, _ := st.ListInterests(ctx); len(list) != len(core.DemoInterests) {
				t.Errorf("interests = %d", len(list))
			}
		})
	}
}

func TestDemoDataGenerated(t *testing.T) {
	t.Parallel()
	for engine, mkURL := range databaseURLs(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"DATABASE_URL": mkURL(t)}
			code, out, errs := jayaya(t, env, "", "demo-data", "--companies", "300", "--people", "2000", "--seed", "7")
			if code != 0 || !strings.Contains(out, "generated 300 companies and 2000 people") {
				t.Fatalf("generate: %d %q %q", code, out, errs)
			}
			ctx := context.Background()
			st, err := core.Open(ctx, env["DATABASE_URL"])
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if n, _ := st.CountCompanies(ctx); n != 300 {
				t.Errorf("companies = %d", n)
			}
			name := core.GeneratedCompanyName(123)
			found, err := st.FindCompanies(ctx, name, 5)
			if err != nil || len(found) != 1 || found[0].Name != name {
				t.Fatalf("find %q: %v %v", name, found, err)
			}
			// New rows after generation get fresh IDs (the sequence moved on).
			c, err := st.CreateCompany(ctx, core.CompanyInput{Name: "After Generation"})
			if err != nil || c.ID != 301 {
				t.Fatalf("create after generation: %+v %v", c, err)
			}
			if p, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "New"}); err != nil || p.ID != 2001 {
				t.Fatalf("person after generation: %+v %v", p, err)
			}
		})
	}
}
