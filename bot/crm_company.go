package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jayaya/jayayacrm/core"
)

const companyUse = "/crm company <name> [share]` · `/crm company add [name]` · `/crm company edit <name>"

// company answers /crm company …
func (c *crm) company(ctx context.Context, call *Call) Reply {
	if len(call.Args) == 0 {
		return usage("Which company? Type part of its name.", companyUse)
	}
	if !quoted(call.Rest) {
		switch strings.ToLower(call.Args[0]) {
		case "add", "new", "create":
			return c.companyAdd(ctx, strings.Join(call.Args[1:], " "))
		case "edit":
			if len(call.Args) < 2 {
				return usage("Which company do you want to edit?", "/crm company edit <name>")
			}
			return c.companyEdit(ctx, strings.Join(call.Args[1:], " "))
		}
	}
	args, share := takeShare(call.Args)
	query := strings.Join(args, " ")
	co, found, err := c.resolveCompany(ctx, query)
	if err != nil {
		return c.fail(err)
	}
	if co != nil {
		rep, err := c.companyCard(ctx, co.ID, "")
		if err != nil {
			return c.fail(err)
		}
		rep.Public = share
		return rep
	}
	if len(found) == 0 {
		return Reply{
			Text:     fmt.Sprintf("No company matches “%s”.", query) + shortHint(query),
			Sections: []Section{{Buttons: []Button{{Label: "Create " + clip(query, 40), Action: "company.add", Value: clip(query, 200), Style: StylePrimary}}}},
		}
	}
	rep := companyList(found, fmt.Sprintf("%s companies match “%s” — which one?", matchCount(len(found)), query), "Show", "company.show")
	rep.Public = share
	return rep
}

// companyList lists candidates, each with a button.
func companyList(found []*core.Company, intro, label, action string) Reply {
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
	if m := moreLine(min(len(found), listLimit), len(found)); m != "" {
		rep.Sections = append(rep.Sections, Section{Text: m})
	}
	return rep
}

// companyAdd creates a company by name, or opens the form when no name is
// given.
func (c *crm) companyAdd(ctx context.Context, name string) Reply {
	if strings.TrimSpace(name) == "" {
		f, err := c.companyForm(ctx, nil, "")
		if err != nil {
			return c.fail(err)
		}
		return Reply{Form: f}
	}
	co, err := c.st.CreateCompany(ctx, core.CompanyInput{Name: name})
	if core.ErrorCode(err) == core.ECONFLICT {
		rep := Reply{Text: core.ErrorMessage(err)}
		if old, err := c.st.CompanyByName(ctx, name); err == nil {
			rep.Sections = []Section{{Buttons: []Button{{Label: "Show " + clip(old.Name, 40), Action: "company.show", Value: strconv.FormatInt(old.ID, 10)}}}}
		}
		return rep
	}
	if core.ErrorCode(err) == core.EINVALID {
		return usage(core.ErrorMessage(err), "/crm company add [name]")
	}
	if err != nil {
		return c.fail(err)
	}
	rep, err := c.companyCard(ctx, co.ID, fmt.Sprintf("Created *%s*. Use Edit to add its details and interests.", co.Name))
	if err != nil {
		return c.fail(err)
	}
	return rep
}

// companyEdit opens the form of the one company query means.
func (c *crm) companyEdit(ctx context.Context, query string) Reply {
	co, found, err := c.resolveCompany(ctx, query)
	if err != nil {
		return c.fail(err)
	}
	if co == nil && len(found) == 0 {
		return Reply{Text: fmt.Sprintf("No company matches “%s”.", query)}
	}
	if co == nil {
		return companyList(found, fmt.Sprintf("Several companies match “%s” — which one do you want to edit?", query), "Edit", "company.edit")
	}
	f, err := c.companyForm(ctx, co, "")
	if err != nil {
		return c.fail(err)
	}
	return Reply{Form: f}
}

// companyAction answers the company.* buttons. The value is re-checked:
// the company is loaded again and may be gone.
func (c *crm) companyAction(ctx context.Context, call *Call, action, value string) Reply {
	switch action {
	case "company.add":
		f, err := c.companyForm(ctx, nil, value)
		if err != nil {
			return c.fail(err)
		}
		return Reply{Form: f}
	case "company.show", "company.edit":
		id, ok := parseID(value)
		if !ok {
			return Reply{Text: "That button no longer works here."}
		}
		if action == "company.show" {
			rep, err := c.companyCard(ctx, id, "")
			if err != nil {
				return c.fail(err)
			}
			return rep
		}
		co, err := c.st.Company(ctx, id)
		if err != nil {
			return c.fail(err)
		}
		f, err := c.companyForm(ctx, co, "")
		if err != nil {
			return c.fail(err)
		}
		return Reply{Form: f}
	}
	return Reply{Text: "That button no longer works here."}
}

// companyForm is the add (co nil) or edit form of a company.
func (c *crm) companyForm(ctx context.Context, co *core.Company, name string) (*Form, error) {
	interests, err := c.st.ListInterests(ctx)
	if err != nil {
		return nil, err
	}
	f := &Form{ID: FormCompany, Title: "New company", Submit: "Create"}
	cur := &core.Company{Name: name}
	if co != nil {
		f.Title, f.Submit, f.Meta, cur = "Edit company", "Save", strconv.FormatInt(co.ID, 10), co
	}
	var chosen []string
	for _, in := range cur.Interests {
		chosen = append(chosen, strconv.FormatInt(in.ID, 10))
	}
	f.Inputs = []Input{
		{Name: "name", Label: "Name", Kind: InputText, Value: cur.Name},
		{Name: "address", Label: "Address", Kind: InputTextarea, Value: cur.Address, Optional: true},
		{Name: "phone", Label: "Phone", Kind: InputText, Value: cur.Phone, Optional: true, Placeholder: "+33 1 23 45 67 89"},
		{Name: "email", Label: "Email", Kind: InputEmail, Value: cur.Email, Optional: true, Placeholder: "contact@example.com"},
		{Name: "website", Label: "Website", Kind: InputURL, Value: cur.Website, Optional: true, Placeholder: "example.com"},
	}
	if len(interests) > 0 {
		in := Input{Name: "interests", Label: "Interests", Kind: InputMultiSelect, Values: chosen, Optional: true}
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
	ids, bad := parseIDs(values["interests"])
	if bad {
		return FormResult{Errors: map[string]string{"interests": "Choose interests from the list."}}
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
		msg = "Created *%s*."
	} else {
		id, ok := parseID(meta)
		if !ok {
			return FormResult{Reply: &Reply{Text: "That form is no longer valid; open it again."}}
		}
		up := core.CompanyUpdate{Name: get("name"), Address: get("address"), Phone: get("phone"), Email: get("email"), Website: get("website")}
		if _, shown := values["interests"]; shown {
			up.InterestIDs = &ids
		}
		co, err = c.st.UpdateCompany(ctx, id, up)
		msg = "Saved *%s*."
	}
	if res, failed := c.formError(err, "name", "address", "phone", "email", "website", "interests"); failed {
		return res
	}
	rep, err := c.companyCard(ctx, co.ID, fmt.Sprintf(msg, co.Name))
	if err != nil {
		rep = Reply{Text: fmt.Sprintf(msg, co.Name)}
	}
	return FormResult{Reply: &rep}
}

// formError turns a save error into errors beside the named inputs, or a
// reply when it concerns none of them. failed is false when err is nil.
func (c *crm) formError(err error, inputs ...string) (res FormResult, failed bool) {
	if err == nil {
		return FormResult{}, false
	}
	if f := core.ErrorField(err); f != "" && core.ErrorCode(err) != core.EINTERNAL {
		for _, in := range inputs {
			if in == f {
				return FormResult{Errors: map[string]string{f: core.ErrorMessage(err)}}, true
			}
		}
	}
	rep := c.fail(err)
	return FormResult{Reply: &rep}, true
}

// companyCard shows a company with its interests, people, latest comments
// and open tickets, and the buttons to work on it. note comes first.
func (c *crm) companyCard(ctx context.Context, id int64, note string) (Reply, error) {
	co, err := c.st.Company(ctx, id)
	if err != nil {
		return Reply{}, err
	}
	head := Section{Title: co.Name, Link: co.Website}
	for _, f := range []Field{{"Address", co.Address}, {"Phone", co.Phone}, {"Email", co.Email}, {"Website", co.Website}} {
		if f.Value != "" {
			head.Fields = append(head.Fields, f)
		}
	}
	if len(head.Fields) == 0 {
		head.Text = "No contact details yet."
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
		rep.Sections = append(rep.Sections, Section{Title: "People", Text: "Nobody yet."})
	} else {
		rep.Sections = append(rep.Sections, Section{Title: fmt.Sprintf("People (%d)", len(people))})
	}
	for i, m := range people {
		if i == cardPeople {
			rep.Sections = append(rep.Sections, Section{Text: fmt.Sprintf("…and %d more: `/crm person <name>` finds them.", len(people)-cardPeople)})
			break
		}
		l := "• " + m.Person.FullName()
		if m.JobTitle != "" {
			l += " — " + m.JobTitle
		}
		rep.Sections = append(rep.Sections, Section{Text: l,
			Buttons: []Button{{Label: "Edit", Action: "person.edit", Value: strconv.FormatInt(m.Person.ID, 10)}}})
	}

	comments, err := c.st.Comments(ctx, co.ID, cardComments)
	if err != nil {
		return Reply{}, err
	}
	var lines []string
	for _, cm := range comments {
		lines = append(lines, fmt.Sprintf("*%s*, %s: %s", cm.AuthorName, cm.CreatedAt.Format("2 Jan 2006"), clip(cm.Body, 300)))
	}
	if len(lines) == 0 {
		lines = []string{"No comments yet."}
	}
	rep.Sections = append(rep.Sections, Section{Title: "Latest comments", Text: strings.Join(lines, "\n")})

	tickets, err := c.st.CompanyTickets(ctx, co.ID, core.TicketOpen, cardTickets)
	if err != nil {
		return Reply{}, err
	}
	if len(tickets) > 0 {
		lines = nil
		for _, t := range tickets {
			lines = append(lines, "• "+c.ticketRef(t))
		}
		rep.Sections = append(rep.Sections, Section{Title: "Open tickets", Text: strings.Join(lines, "\n")})
	}
	idv := strconv.FormatInt(co.ID, 10)
	rep.Sections = append(rep.Sections, Section{Buttons: []Button{
		{Label: "Edit", Action: "company.edit", Value: idv},
		{Label: "Add person", Action: "person.new", Value: idv},
		{Label: "Comment", Action: "comment.new", Value: idv},
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
