package core_test

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestInterests(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		wine, err := st.CreateInterest(ctx, "Wine", "#aa0011")
		if err != nil {
			t.Fatal(err)
		}
		if wine.Color != "#AA0011" {
			t.Fatalf("colour = %s", wine.Color)
		}
		_, err = st.CreateInterest(ctx, "  WINE ", "#000000")
		wantCode(t, err, core.ECONFLICT)
		_, err = st.CreateInterest(ctx, "Cheese", "red")
		wantCode(t, err, core.EINVALID)
		_, err = st.CreateInterest(ctx, "", "#000000")
		wantCode(t, err, core.EINVALID)
		cheese, err := st.CreateInterest(ctx, "Cheese", "#FFEE00")
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.UpdateInterest(ctx, cheese.ID, core.InterestUpdate{Name: ptr("wine")})
		wantCode(t, err, core.ECONFLICT)
		up, err := st.UpdateInterest(ctx, cheese.ID, core.InterestUpdate{Name: ptr("Fromage"), Color: ptr("#123456")})
		if err != nil || up.Name != "Fromage" || up.Color != "#123456" {
			t.Fatalf("update = %+v, %v", up, err)
		}
		c, err := st.CreateCompany(ctx, core.CompanyInput{Name: "Acme", InterestIDs: []int64{wine.ID, cheese.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Interests) != 2 {
			t.Fatalf("company interests = %d", len(c.Interests))
		}
		list, _ := st.ListInterests(ctx)
		if len(list) != 2 || list[0].Name != "Fromage" || list[0].Companies != 1 {
			t.Fatalf("list = %+v", list)
		}
		if err := st.DeleteInterest(ctx, wine.ID); err != nil {
			t.Fatal(err)
		}
		c, _ = st.Company(ctx, c.ID)
		if len(c.Interests) != 1 || c.Interests[0].ID != cheese.ID {
			t.Fatalf("after delete, interests = %+v", c.Interests)
		}
		wantCode(t, st.DeleteInterest(ctx, wine.ID), core.ENOTFOUND)
	})
}

func TestCompanySearchIgnoresCaseAndAccents(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		for _, n := range []string{"Société Générale", "Générale Optique", "Crédit Agricole", "Dupont & Fils", "50%_Off Ltd"} {
			if _, err := st.CreateCompany(ctx, core.CompanyInput{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			q    string
			want []string
		}{
			{"societe gen", []string{"Société Générale"}},
			{"GENERALE", []string{"Société Générale", "Générale Optique"}},
			{"gen societe", []string{"Société Générale"}},
			{"CREDIT", []string{"Crédit Agricole"}},
			{"dupont &", []string{"Dupont & Fils"}},
			{"50%", []string{"50%_Off Ltd"}},
			{"_", nil},
			{"nothing", nil},
		}
		for _, c := range cases {
			got, err := st.SearchCompanies(ctx, c.q, 10)
			if c.q == "_" {
				wantCode(t, err, core.EINVALID)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range got {
				names = append(names, g.Name)
			}
			if !sameSet(names, c.want) {
				t.Errorf("search %q = %v, want %v", c.q, names, c.want)
			}
		}
		_, err := st.CreateCompany(ctx, core.CompanyInput{Name: "SOCIETE generale"})
		wantCode(t, err, core.ECONFLICT)
		_, err = st.CreateCompany(ctx, core.CompanyInput{Name: "X", Website: "not a url"})
		wantCode(t, err, core.EINVALID)
		c, err := st.CreateCompany(ctx, core.CompanyInput{Name: "Web Co", Website: "example.com", Email: "hi@example.com"})
		if err != nil || c.Website != "https://example.com" {
			t.Fatalf("website = %q, %v", c.Website, err)
		}
		got, err := st.CompanyByName(ctx, "societe generale")
		if err != nil || got.Name != "Société Générale" {
			t.Fatalf("CompanyByName = %v, %v", got, err)
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestPeopleAndCompanies(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		acme, _ := st.CreateCompany(ctx, core.CompanyInput{Name: "Acme"})
		globex, _ := st.CreateCompany(ctx, core.CompanyInput{Name: "Globex"})
		p, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "Zoé", LastName: "Müller", JobTitle: "Buyer",
			Companies: []core.PersonLink{{CompanyID: acme.ID}, {CompanyID: globex.ID, JobTitle: "Advisor"}}})
		if err != nil {
			t.Fatal(err)
		}
		indep, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "Ivan"})
		if err != nil {
			t.Fatal(err)
		}
		aff, _ := st.PersonCompanies(ctx, p.ID)
		if len(aff) != 2 || aff[0].Company.Name != "Acme" || aff[0].JobTitle != "Buyer" || aff[1].JobTitle != "Advisor" {
			t.Fatalf("affiliations = %+v", aff)
		}
		if aff, _ := st.PersonCompanies(ctx, indep.ID); len(aff) != 0 {
			t.Fatalf("independent person has %d companies", len(aff))
		}
		// Edit from the company side.
		members, _ := st.CompanyPeople(ctx, acme.ID)
		if len(members) != 1 || members[0].Person.ID != p.ID {
			t.Fatalf("members = %+v", members)
		}
		if _, err := st.UpdatePerson(ctx, members[0].Person.ID, core.PersonUpdate{Phone: ptr("+33 1 23 45 67 89")}); err != nil {
			t.Fatal(err)
		}
		if err := st.LinkPerson(ctx, acme.ID, p.ID, "CEO"); err != nil {
			t.Fatal(err)
		}
		members, _ = st.CompanyPeople(ctx, acme.ID)
		if members[0].JobTitle != "CEO" || members[0].Person.Phone != "+33 1 23 45 67 89" {
			t.Fatalf("after edit = %+v %+v", members[0], members[0].Person)
		}
		got, _ := st.SearchPeople(ctx, "zoe mull", 10)
		if len(got) != 1 || got[0].ID != p.ID {
			t.Fatalf("search people = %v", got)
		}
		_, err = st.UpdatePerson(ctx, p.ID, core.PersonUpdate{Email: ptr("zoé at acme")})
		wantCode(t, err, core.EINVALID)
		if _, err := st.UpdatePerson(ctx, p.ID, core.PersonUpdate{Companies: &[]core.PersonLink{}}); err != nil {
			t.Fatal(err)
		}
		if aff, _ := st.PersonCompanies(ctx, p.ID); len(aff) != 0 {
			t.Fatalf("still linked: %+v", aff)
		}
		_, err = st.CreatePerson(ctx, core.PersonInput{FirstName: "X", Companies: []core.PersonLink{{CompanyID: 9999}}})
		wantCode(t, err, core.ENOTFOUND)
		if n, _ := st.SearchPeople(ctx, "x", 10); len(n) != 0 {
			t.Fatalf("failed create left a person behind")
		}
	})
}

func TestComments(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		staff := coretest.MustUser(t, st, "sam", core.RoleStaff)
		client := coretest.MustUser(t, st, "cli", core.RoleClient)
		c, _ := st.CreateCompany(ctx, core.CompanyInput{Name: "Acme"})
		if _, err := st.AddComment(ctx, c.ID, staff, "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddComment(ctx, c.ID, staff, "second"); err != nil {
			t.Fatal(err)
		}
		_, err := st.AddComment(ctx, c.ID, client, "nope")
		wantCode(t, err, core.EFORBIDDEN)
		_, err = st.AddComment(ctx, c.ID, staff, "   ")
		wantCode(t, err, core.EINVALID)
		_, err = st.AddComment(ctx, 424242, staff, "x")
		wantCode(t, err, core.ENOTFOUND)
		list, _ := st.Comments(ctx, c.ID, 0)
		if len(list) != 2 || list[0].Body != "second" || list[0].AuthorName != "Sam" {
			t.Fatalf("comments = %+v", list)
		}
	})
}
