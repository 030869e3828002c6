package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// atWords introduce the company in `/crm person add … at <company>`.
var atWords = newVocabulary([]string{"at", "chez"})

// PersonAddArgs is what `/crm person add` was given: an optional name and
// an optional company after the word "at".
type PersonAddArgs struct {
	FirstName string
	LastName  string
	Company   string
}

// ParsePersonAdd reads the text after `/crm person add`: "Jane Roe",
// "Jane Roe at \"Dupont & Fils\"" ("chez" in French), "at Acme" or
// nothing. The last bare "at" separates the name from the company; a
// quoted "at" is part of a name. The first word is the first name, the
// rest the last name. Errors: EINVALID.
func ParsePersonAdd(text string) (PersonAddArgs, error) {
	var out PersonAddArgs
	words, err := splitWords(text)
	if err != nil {
		return out, core.InvalidE("name", "crm.quote_unclosed")
	}
	at := -1
	for i, w := range words {
		if !w.quoted && atWords.of(w.text) == "at" {
			at = i
		}
	}
	name := words
	if at >= 0 {
		name = words[:at]
		var co []string
		for _, w := range words[at+1:] {
			co = append(co, w.text)
		}
		out.Company = strings.TrimSpace(strings.Join(co, " "))
		if out.Company == "" {
			return out, core.InvalidE("company", "crm.person.at_empty", i18n.Args{"Word": words[at].text})
		}
	}
	if len(name) > 0 {
		out.FirstName = name[0].text
		var last []string
		for _, w := range name[1:] {
			last = append(last, w.text)
		}
		out.LastName = strings.Join(last, " ")
	}
	return out, nil
}

// person answers /crm person …
func (c *crm) person(ctx context.Context, call *Call) Reply {
	pr := call.P
	if len(call.Args) == 0 {
		return usage(pr, pr.T("crm.person.which"), "crm.person.usage")
	}
	if !quoted(call.Rest) {
		switch crmWords.of(call.Args[0]) {
		case "add":
			pa, err := ParsePersonAdd(afterFirstWord(call.Rest))
			if err != nil {
				return usage(pr, core.ErrorMessageIn(err, pr.Locale()), "crm.person.usage_add")
			}
			return c.personAdd(ctx, call, pa)
		case "edit":
			if len(call.Args) < 2 {
				return usage(pr, pr.T("crm.person.which_edit"), "crm.person.usage_edit")
			}
			return c.personEdit(ctx, pr, strings.Join(call.Args[1:], " "))
		}
	}
	args, share := takeShare(call.Args)
	query := strings.Join(args, " ")
	p, found, err := c.resolvePerson(ctx, query)
	if err != nil {
		return c.fail(pr, err)
	}
	var rep Reply
	switch {
	case p != nil:
		if rep, err = c.personCard(ctx, pr, p.ID, ""); err != nil {
			return c.fail(pr, err)
		}
	case len(found) == 0:
		return Reply{Text: joinSentences(pr.T("crm.person.no_match", i18n.Args{"Query": query}), shortHint(pr, query)),
			Sections: []Section{{Buttons: []Button{{Label: pr.T("crm.person.add_button"), Action: "person.new", Style: StylePrimary}}}}}
	default:
		rep = personList(pr, found, matches(pr, "crm.person.matches", "crm.person.matches_more", len(found), query), pr.T("crm.show"), "person.show")
	}
	rep.Public = share
	return rep
}

func personList(pr i18n.Printer, found []*core.Person, intro, label, action string) Reply {
	rep := Reply{Text: intro}
	for i, p := range found {
		if i == listLimit {
			break
		}
		rep.Sections = append(rep.Sections, Section{Title: p.FullName(), Text: joinLines(p.JobTitle, p.Email),
			Buttons: []Button{{Label: label, Action: action, Value: strconv.FormatInt(p.ID, 10)}}})
	}
	if m := moreLine(pr, min(len(found), listLimit), len(found)); m != "" {
		rep.Sections = append(rep.Sections, Section{Text: m})
	}
	return rep
}

// personAdd creates a person from the command, or opens the form when no
// name is given. The company, when given, must be unambiguous.
func (c *crm) personAdd(ctx context.Context, call *Call, pa PersonAddArgs) Reply {
	pr := call.P
	var co *core.Company
	if pa.Company != "" {
		var found []*core.Company
		var err error
		co, found, err = c.resolveCompany(ctx, pa.Company)
		if err != nil {
			return c.fail(pr, err)
		}
		if co == nil && len(found) == 0 {
			return Reply{Text: pr.T("crm.person.company_unknown", i18n.Args{"Company": pa.Company})}
		}
		if co == nil {
			rep := companyList(pr, found, pr.T("crm.person.company_ambiguous", i18n.Args{"Company": pa.Company}), pr.T("crm.show"), "company.show")
			return rep
		}
	}
	if pa.FirstName == "" {
		f, err := c.personForm(ctx, pr, nil, co)
		if err != nil {
			return c.fail(pr, err)
		}
		return Reply{Form: f}
	}
	in := core.PersonInput{FirstName: pa.FirstName, LastName: pa.LastName}
	if co != nil {
		in.Companies = []core.PersonLink{{CompanyID: co.ID}}
	}
	p, err := c.st.CreatePerson(ctx, in)
	if core.ErrorCode(err) == core.EINVALID {
		return usage(pr, core.ErrorMessageIn(err, pr.Locale()), "crm.person.usage_add")
	}
	if err != nil {
		return c.fail(pr, err)
	}
	note := pr.T("crm.person.added", i18n.Args{"Name": p.FullName()})
	if co != nil {
		note = pr.T("crm.person.added_at", i18n.Args{"Name": p.FullName(), "Company": co.Name})
	}
	rep, err := c.personCard(ctx, pr, p.ID, note)
	if err != nil {
		return c.fail(pr, err)
	}
	return rep
}

// personEdit opens the form of the one person query means.
func (c *crm) personEdit(ctx context.Context, pr i18n.Printer, query string) Reply {
	p, found, err := c.resolvePerson(ctx, query)
	if err != nil {
		return c.fail(pr, err)
	}
	if p == nil && len(found) == 0 {
		return Reply{Text: pr.T("crm.person.no_match", i18n.Args{"Query": query})}
	}
	if p == nil {
		return personList(pr, found, pr.T("crm.person.which_of_edit", i18n.Args{"Query": query}), pr.T("crm.edit"), "person.edit")
	}
	f, err := c.personForm(ctx, pr, p, nil)
	if err != nil {
		return c.fail(pr, err)
	}
	return Reply{Form: f}
}

// personAction answers the person.* buttons, loading the person or company
// again (it may be gone).
func (c *crm) personAction(ctx context.Context, call *Call, action, value string) Reply {
	pr := call.P
	switch action {
	case "person.new":
		var co *core.Company
		if value != "" {
			id, ok := parseID(value)
			if !ok {
				return Reply{Text: pr.T("crm.button_gone")}
			}
			var err error
			if co, err = c.st.Company(ctx, id); err != nil {
				return c.fail(pr, err)
			}
		}
		f, err := c.personForm(ctx, pr, nil, co)
		if err != nil {
			return c.fail(pr, err)
		}
		return Reply{Form: f}
	case "person.show", "person.edit":
		id, ok := parseID(value)
		if !ok {
			return Reply{Text: pr.T("crm.button_gone")}
		}
		if action == "person.show" {
			rep, err := c.personCard(ctx, pr, id, "")
			if err != nil {
				return c.fail(pr, err)
			}
			return rep
		}
		p, err := c.st.Person(ctx, id)
		if err != nil {
			return c.fail(pr, err)
		}
		f, err := c.personForm(ctx, pr, p, nil)
		if err != nil {
			return c.fail(pr, err)
		}
		return Reply{Form: f}
	}
	return Reply{Text: pr.T("crm.button_gone")}
}

// personForm is the add (p nil) or edit form of a person; co, when set, is
// chosen in the companies list.
func (c *crm) personForm(ctx context.Context, pr i18n.Printer, p *core.Person, co *core.Company) (*Form, error) {
	f := &Form{ID: FormPerson, Title: pr.T("crm.person.form.new"), Submit: pr.T("crm.form.create")}
	cur := &core.Person{}
	chosen := map[int64]*core.Company{}
	if co != nil {
		chosen[co.ID] = co
	}
	if p != nil {
		f.Title, f.Submit, f.Meta, cur = pr.T("crm.person.form.edit"), pr.T("crm.form.save"), strconv.FormatInt(p.ID, 10), p
		aff, err := c.st.PersonCompanies(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range aff {
			chosen[a.Company.ID] = a.Company
		}
	}
	total, err := c.st.CountCompanies(ctx)
	if err != nil {
		return nil, err
	}
	others, err := c.st.ListCompanies(ctx, selectMax)
	if err != nil {
		return nil, err
	}
	sel := Input{Name: "companies", Label: pr.T("crm.label.companies"), Kind: InputMultiSelect, Optional: true,
		Hint: pr.T("crm.person.form.companies_hint")}
	for _, co := range sortedCompanies(chosen) {
		sel.Options = append(sel.Options, Option{Value: strconv.FormatInt(co.ID, 10), Label: co.Name})
		sel.Values = append(sel.Values, strconv.FormatInt(co.ID, 10))
	}
	for _, o := range others {
		if len(sel.Options) == selectMax {
			break
		}
		if chosen[o.ID] == nil {
			sel.Options = append(sel.Options, Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
		}
	}
	f.Inputs = []Input{
		{Name: "first_name", Label: pr.T("crm.label.first_name"), Kind: InputText, Value: cur.FirstName},
		{Name: "last_name", Label: pr.T("crm.label.last_name"), Kind: InputText, Value: cur.LastName, Optional: true},
		{Name: "email", Label: pr.T("crm.label.email"), Kind: InputEmail, Value: cur.Email, Optional: true},
		{Name: "phone", Label: pr.T("crm.label.phone"), Kind: InputText, Value: cur.Phone, Optional: true},
		{Name: "job_title", Label: pr.T("crm.label.job_title"), Kind: InputText, Value: cur.JobTitle, Optional: true},
	}
	if len(sel.Options) > 0 {
		f.Inputs = append(f.Inputs, sel)
	}
	if total > len(sel.Options) {
		f.Inputs = append(f.Inputs, Input{Name: "more_companies", Label: pr.T("crm.person.form.more_companies"), Kind: InputTextarea, Optional: true,
			Hint: pr.T("crm.person.form.more_companies_hint")})
	}
	return f, nil
}

func sortedCompanies(m map[int64]*core.Company) []*core.Company {
	out := make([]*core.Company, 0, len(m))
	for _, co := range m {
		out = append(out, co)
	}
	slices.SortFunc(out, func(a, b *core.Company) int { return strings.Compare(a.NameKey, b.NameKey) })
	return out
}

// submitPerson saves the person form. The person named by meta and every
// chosen company are loaded again by core.
func (c *crm) submitPerson(ctx context.Context, call *Call, meta string, values map[string][]string) FormResult {
	pr := call.P
	ids, bad := parseIDs(values["companies"])
	if bad {
		return FormResult{Errors: map[string]string{"companies": pr.T("crm.person.form.choose_companies")}}
	}
	for _, line := range strings.Split(first(values["more_companies"]), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		co, found, err := c.resolveCompany(ctx, line)
		if err != nil {
			return FormResult{Errors: map[string]string{"more_companies": core.ErrorMessageIn(err, pr.Locale())}}
		}
		if co == nil && len(found) == 0 {
			return FormResult{Errors: map[string]string{"more_companies": pr.T("crm.company.no_match", i18n.Args{"Query": line})}}
		}
		if co == nil {
			return FormResult{Errors: map[string]string{"more_companies": pr.T("crm.person.form.company_ambiguous", i18n.Args{"Company": line})}}
		}
		ids = append(ids, co.ID)
	}
	get := func(k string) *string { v := first(values[k]); return &v }
	var (
		p   *core.Person
		err error
		msg string
	)
	if meta == "" {
		in := core.PersonInput{FirstName: *get("first_name"), LastName: *get("last_name"), Email: *get("email"),
			Phone: *get("phone"), JobTitle: *get("job_title")}
		for _, id := range ids {
			in.Companies = append(in.Companies, core.PersonLink{CompanyID: id})
		}
		p, err = c.st.CreatePerson(ctx, in)
		msg = "crm.person.added_form"
	} else {
		id, ok := parseID(meta)
		if !ok {
			return FormResult{Reply: &Reply{Text: pr.T("crm.form_stale")}}
		}
		// Keep the job title held at companies that stay chosen.
		titles := map[int64]string{}
		if aff, err := c.st.PersonCompanies(ctx, id); err == nil {
			for _, a := range aff {
				titles[a.Company.ID] = a.JobTitle
			}
		}
		links := []core.PersonLink{}
		for _, cid := range ids {
			links = append(links, core.PersonLink{CompanyID: cid, JobTitle: titles[cid]})
		}
		up := core.PersonUpdate{FirstName: get("first_name"), LastName: get("last_name"), Email: get("email"),
			Phone: get("phone"), JobTitle: get("job_title")}
		_, shown := values["companies"]
		if _, more := values["more_companies"]; shown || more {
			up.Companies = &links
		}
		p, err = c.st.UpdatePerson(ctx, id, up)
		msg = "crm.person.saved"
	}
	if res, failed := c.formError(pr, err, "first_name", "last_name", "email", "phone", "job_title", "companies"); failed {
		return res
	}
	note := pr.T(msg, i18n.Args{"Name": p.FullName()})
	rep, err := c.personCard(ctx, pr, p.ID, note)
	if err != nil {
		rep = Reply{Text: note}
	}
	return FormResult{Reply: &rep}
}

// personCard shows a person with their companies.
func (c *crm) personCard(ctx context.Context, pr i18n.Printer, id int64, note string) (Reply, error) {
	p, err := c.st.Person(ctx, id)
	if err != nil {
		return Reply{}, err
	}
	aff, err := c.st.PersonCompanies(ctx, p.ID)
	if err != nil {
		return Reply{}, err
	}
	head := Section{Title: p.FullName()}
	for _, f := range []Field{{pr.T("crm.label.job_title"), p.JobTitle}, {pr.T("crm.label.email"), p.Email}, {pr.T("crm.label.phone"), p.Phone}} {
		if f.Value != "" {
			head.Fields = append(head.Fields, f)
		}
	}
	if len(head.Fields) == 0 {
		head.Text = pr.T("crm.no_details")
	}
	rep := Reply{Text: note, Sections: []Section{head}}
	companies := Section{Title: pr.T("crm.label.companies"), Text: pr.T("crm.person.card.independent")}
	var lines []string
	var buttons []Button
	for _, a := range aff {
		l := "• " + a.Company.Name
		if a.JobTitle != "" {
			l += " — " + a.JobTitle
		}
		lines = append(lines, l)
		if len(buttons) < 4 {
			buttons = append(buttons, Button{Label: clip(a.Company.Name, 70), Action: "company.show", Value: strconv.FormatInt(a.Company.ID, 10)})
		}
	}
	if len(lines) > 0 {
		companies.Text = strings.Join(lines, "\n")
	}
	rep.Sections = append(rep.Sections, companies)
	buttons = append([]Button{{Label: pr.T("crm.edit"), Action: "person.edit", Value: strconv.FormatInt(p.ID, 10)}}, buttons...)
	rep.Sections = append(rep.Sections, Section{Buttons: buttons})
	return rep, nil
}
