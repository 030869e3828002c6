package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// company answers /crm company …
func (c *crm) company(ctx context.Context, call *Call) Reply {
	p := call.P
	if len(call.Args) == 0 {
		return usage(p, p.T("crm.company.which"), "crm.company.usage")
	}
	if !quoted(call.Rest) {
		switch crmWords.of(call.Args[0]) {
		case "add":
			return c.companyAdd(ctx, call, strings.Join(call.Args[1:], " "))
		case "edit":
			if len(call.Args) < 2 {
				return usage(p, p.T("crm.company.which_edit"), "crm.company.usage_edit")
			}
			return c.companyEdit(ctx, p, strings.Join(call.Args[1:], " "))
		}
	}
	args, share := takeShare(call.Args)
	query := strings.Join(args, " ")
	co, found, err := c.resolveCompany(ctx, query)
	if err != nil {
		return c.fail(p, err)
	}
	if co != nil {
		rep, err := c.companyCard(ctx, call, co.ID, "")
		if err != nil {
			return c.fail(p, err)
		}
		rep.Public = share
		return rep
	}
	if len(found) == 0 {
		return Reply{
			Text: joinSentences(p.T("crm.company.no_match", i18n.Args{"Query": query}), shortHint(p, query)),
			Sections: []Section{{Buttons: []Button{{Label: p.T("crm.company.create_button", i18n.Args{"Name": clip(query, 40)}),
				Action: "company.add", Value: clip(query, 200), Style: StylePrimary}}}},
		}
	}
	rep := companyList(p, found, matches(p, "crm.company.matches", "crm.company.matches_more", len(found), query), p.T("crm.show"), "company.show")
	rep.Public = share
	return rep
}

// companyList lists candidates, each with a button.
func companyList(p i18n.Printer, found []*core.Company, intro, label, action string) Reply {
	rep := Reply{Text: intro}
	for i, co := range found {
		if i == listLimit {
			break
		}
		var names []string
		for _, in := range co.Interests {
			names = append(names, in.Name)
		}
		rep.Sections = append(rep.Sections, Section{Title: co.Name, Text: strings.Join(names, ", "),
			Buttons: []Button{{Label: label, Action: action, Value: strconv.FormatInt(co.ID, 10)}}})
	}
	if m := moreLine(p, min(len(found), listLimit), len(found)); m != "" {
		rep.Sections = append(rep.Sections, Section{Text: m})
	}
	return rep
}

// companyAdd creates a company by name, or opens the form when no name is
// given.
func (c *crm) companyAdd(ctx context.Context, call *Call, name string) Reply {
	p := call.P
	if strings.TrimSpace(name) == "" {
		f, err := c.companyForm(ctx, p, nil, "")
		if err != nil {
			return c.fail(p, err)
		}
		return Reply{Form: f}
	}
	co, err := c.st.CreateCompany(ctx, core.CompanyInput{Name: name})
	if core.ErrorCode(err) == core.ECONFLICT {
		rep := Reply{Text: core.ErrorMessageIn(err, p.Locale())}
		if old, err := c.st.CompanyByName(ctx, name); err == nil {
			rep.Sections = []Section{{Buttons: []Button{{Label: p.T("crm.show_named", i18n.Args{"Name": clip(old.Name, 40)}),
				Action: "company.show", Value: strconv.FormatInt(old.ID, 10)}}}}
		}
		return rep
	}
	if core.ErrorCode(err) == core.EINVALID {
		return usage(p, core.ErrorMessageIn(err, p.Locale()), "crm.company.usage_add")
	}
	if err != nil {
		return c.fail(p, err)
	}
	rep, err := c.companyCard(ctx, call, co.ID, p.T("crm.company.created", i18n.Args{"Name": co.Name}))
	if err != nil {
		return c.fail(p, err)
	}
	return rep
}

// companyEdit opens the form of the one company query means.
func (c *crm) companyEdit(ctx context.Context, p i18n.Printer, query string) Reply {
	co, found, err := c.resolveCompany(ctx, query)
	if err != nil {
		return c.fail(p, err)
	}
	if co == nil && len(found) == 0 {
		return Reply{Text: p.T("crm.company.no_match", i18n.Args{"Query": query})}
	}
	if co == nil {
		return companyList(p, found, p.T("crm.company.which_of_edit", i18n.Args{"Query": query}), p.T("crm.edit"), "company.edit")
	}
	f, err := c.companyForm(ctx, p, co, "")
	if err != nil {
		return c.fail(p, err)
	}
	return Reply{Form: f}
}

// companyAction answers the company.* buttons. The value is re-checked:
// the company is loaded again and may be gone.
func (c *crm) companyAction(ctx context.Context, call *Call, action, value string) Reply {
	p := call.P
	switch action {
	case "company.add":
		f, err := c.companyForm(ctx, p, nil, value)
		if err != nil {
			return c.fail(p, err)
		}
		return Reply{Form: f}
	case "company.show", "company.edit":
		id, ok := parseID(value)
		if !ok {
			return Reply{Text: p.T("crm.button_gone")}
		}
		if action == "company.show" {
			rep, err := c.companyCard(ctx, call, id, "")
			if err != nil {
				return c.fail(p, err)
			}
			return rep
		}
		co, err := c.st.Company(ctx, id)
		if err != nil {
			return c.fail(p, err)
		}
		f, err := c.companyForm(ctx, p, co, "")
		if err != nil {
			return c.fail(p, err)
		}
		return Reply{Form: f}
	}
	return Reply{Text: p.T("crm.button_gone")}
}

// companyForm is the add (co nil) or edit form of a company.
func (c *crm) companyForm(ctx context.Context, p i18n.Printer, co *core.Company, name string) (*Form, error) {
	interests, err := c.st.ListInterests(ctx)
	if err != nil {
		return nil, err
	}
	f := &Form{ID: FormCompany, Title: p.T("crm.company.form.new"), Submit: p.T("crm.form.create")}
	cur := &core.Company{Name: name}
	if co != nil {
		f.Title, f.Submit, f.Meta, cur = p.T("crm.company.form.edit"), p.T("crm.form.save"), strconv.FormatInt(co.ID, 10), co
	}
	var chosen []string
	for _, in := range cur.Interests {
		chosen = append(chosen, strconv.FormatInt(in.ID, 10))
	}
	f.Inputs = []Input{
		{Name: "name", Label: p.T("crm.label.name"), Kind: InputText, Value: cur.Name},
		{Name: "address", Label: p.T("crm.label.address"), Kind: InputTextarea, Value: cur.Address, Optional: true},
		{Name: "phone", Label: p.T("crm.label.phone"), Kind: InputText, Value: cur.Phone, Optional: true, Placeholder: "+33 1 23 45 67 89"},
		{Name: "email", Label: p.T("crm.label.email"), Kind: InputEmail, Value: cur.Email, Optional: true, Placeholder: "contact@example.com"},
		{Name: "website", Label: p.T("crm.label.website"), Kind: InputURL, Value: cur.Website, Optional: true, Placeholder: "example.com"},
	}
	if len(interests) > 0 {
		in := Input{Name: "interests", Label: p.T("crm.label.interests"), Kind: InputMultiSelect, Values: chosen, Optional: true}
		for i, it := range interests {
			if i == selectMax {
				break
			}
			in.Options = append(in.Options, Option{Value: strconv.FormatInt(it.ID, 10), Label: it.Name, Color: it.Color})
		}
		f.Inputs = append(f.Inputs, in)
	}
	return f, nil
}

// submitCompany saves the company form. The company named by meta is
// loaded again: it may have been deleted meanwhile.
func (c *crm) submitCompany(ctx context.Context, call *Call, meta string, values map[string][]string) FormResult {
	p := call.P
	ids, bad := parseIDs(values["interests"])
	if bad {
		return FormResult{Errors: map[string]string{"interests": p.T("crm.company.choose_interests")}}
	}
	get := func(k string) *string { v := first(values[k]); return &v }
	var (
		co  *core.Company
		err error
		msg string
	)
	if meta == "" {
		co, err = c.st.CreateCompany(ctx, core.CompanyInput{Name: *get("name"), Address: *get("address"), Phone: *get("phone"),
			Email: *get("email"), Website: *get("website"), InterestIDs: ids})
		msg = "crm.company.created_form"
	} else {
		id, ok := parseID(meta)
		if !ok {
			return FormResult{Reply: &Reply{Text: p.T("crm.form_stale")}}
		}
		up := core.CompanyUpdate{Name: get("name"), Address: get("address"), Phone: get("phone"), Email: get("email"), Website: get("website")}
		if _, shown := values["interests"]; shown {
			up.InterestIDs = &ids
		}
		co, err = c.st.UpdateCompany(ctx, id, up)
		msg = "crm.company.saved"
	}
	if res, failed := c.formError(p, err, "name", "address", "phone", "email", "website", "interests"); failed {
		return res
	}
	note := p.T(msg, i18n.Args{"Name": co.Name})
	rep, err := c.companyCard(ctx, call, co.ID, note)
	if err != nil {
		rep = Reply{Text: note}
	}
	return FormResult{Reply: &rep}
}

// formError turns a save error into errors beside the named inputs, or a
// reply when it concerns none of them, in p's language. failed is false
// when err is nil.
func (c *crm) formError(p i18n.Printer, err error, inputs ...string) (res FormResult, failed bool) {
	if err == nil {
		return FormResult{}, false
	}
	if f := core.ErrorField(err); f != "" && core.ErrorCode(err) != core.EINTERNAL {
		for _, in := range inputs {
			if in == f {
				return FormResult{Errors: map[string]string{f: core.ErrorMessageIn(err, p.Locale())}}, true
			}
		}
	}
	rep := c.fail(p, err)
	return FormResult{Reply: &rep}, true
}

// companyCard shows a company with its interests, people, latest comments
// and open tickets, and the buttons to work on it, in the language of
// call.P, dates in call.User's time zone. note comes first.
func (c *crm) companyCard(ctx context.Context, call *Call, id int64, note string) (Reply, error) {
	p := call.P
	co, err := c.st.Company(ctx, id)
	if err != nil {
		return Reply{}, err
	}
	head := Section{Title: co.Name, Link: co.Website}
	for _, f := range []Field{{p.T("crm.label.address"), co.Address}, {p.T("crm.label.phone"), co.Phone},
		{p.T("crm.label.email"), co.Email}, {p.T("crm.label.website"), co.Website}} {
		if f.Value != "" {
			head.Fields = append(head.Fields, f)
		}
	}
	if len(head.Fields) == 0 {
		head.Text = p.T("crm.no_details")
	}
	rep := Reply{Text: note, Sections: []Section{head}}
	for _, in := range co.Interests {
		rep.Sections = append(rep.Sections, Section{Title: in.Name, Color: in.Color})
	}

	people, err := c.st.CompanyPeople(ctx, co.ID)
	if err != nil {
		return Reply{}, err
	}
	// One line per person with an Edit button (their details are editable
	// from the company too); past cardPeople, a count.
	if len(people) == 0 {
		rep.Sections = append(rep.Sections, Section{Title: p.T("crm.company.card.people_title"), Text: p.T("crm.company.card.nobody")})
	} else {
		rep.Sections = append(rep.Sections, Section{Title: p.N("crm.company.card.people", len(people))})
	}
	for i, m := range people {
		if i == cardPeople {
			rep.Sections = append(rep.Sections, Section{Text: p.N("crm.company.card.more_people", len(people)-cardPeople)})
			break
		}
		l := "• " + m.Person.FullName()
		if m.JobTitle != "" {
			l += " — " + m.JobTitle
		}
		rep.Sections = append(rep.Sections, Section{Text: l,
			Buttons: []Button{{Label: p.T("crm.edit"), Action: "person.edit", Value: strconv.FormatInt(m.Person.ID, 10)}}})
	}

	comments, err := c.st.Comments(ctx, co.ID, cardComments)
	if err != nil {
		return Reply{}, err
	}
	loc := time.UTC
	if call.User != nil {
		loc = call.User.Location()
	}
	var lines []string
	for _, cm := range comments {
		lines = append(lines, p.T("crm.company.card.comment", i18n.Args{"Author": cm.AuthorName,
			"Date": p.Date(cm.CreatedAt.In(loc)), "Text": clip(cm.Body, 300)}))
	}
	if len(lines) == 0 {
		lines = []string{p.T("crm.company.card.no_comments")}
	}
	rep.Sections = append(rep.Sections, Section{Title: p.T("crm.company.card.comments"), Text: strings.Join(lines, "\n")})

	tickets, err := c.st.CompanyTickets(ctx, co.ID, core.TicketOpen, cardTickets)
	if err != nil {
		return Reply{}, err
	}
	if len(tickets) > 0 {
		lines = nil
		for _, t := range tickets {
			lines = append(lines, "• "+c.ticketRef(t))
		}
		rep.Sections = append(rep.Sections, Section{Title: p.T("crm.company.card.open_tickets"), Text: strings.Join(lines, "\n")})
	}
	idv := strconv.FormatInt(co.ID, 10)
	rep.Sections = append(rep.Sections, Section{Buttons: []Button{
		{Label: p.T("crm.edit"), Action: "company.edit", Value: idv},
		{Label: p.T("crm.company.card.add_person"), Action: "person.new", Value: idv},
		{Label: p.T("crm.company.card.comment_button"), Action: "comment.new", Value: idv},
	}})
	return rep, nil
}

// first returns the first value, or "".
func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// parseIDs reads IDs chosen in a select; bad reports a value that is not one.
func parseIDs(vs []string) (ids []int64, bad bool) {
	ids = []int64{}
	for _, v := range vs {
		id, ok := parseID(v)
		if !ok {
			return nil, true
		}
		ids = append(ids, id)
	}
	return ids, false
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
