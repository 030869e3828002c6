package bot

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// cutWord splits a command line into its first word (unquoted) and the raw
// text after it.
func cutWord(s string) (first, rest string, err error) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if s == "" {
		return "", "", nil
	}
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
		if after, ok := strings.CutPrefix(s, q[0]); ok {
			i := strings.Index(after, q[1])
			if i < 0 {
				return "", "", errQuote
			}
			return after[:i], strings.TrimSpace(after[i+len(q[1]):]), nil
		}
	}
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, "", nil
	}
	return s[:i], strings.TrimSpace(s[i:]), nil
}

// comment answers /crm comment <company> <text>.
func (c *crm) comment(ctx context.Context, call *Call) Reply {
	p := call.P
	name, text, err := cutWord(call.Rest)
	if err != nil {
		return usage(p, p.T("crm.quote_unclosed"), "crm.comment.usage")
	}
	if name == "" || text == "" {
		return usage(p, p.T("crm.comment.what"), "crm.comment.usage_example")
	}
	co, found, err := c.resolveCompany(ctx, name)
	if err != nil {
		return c.fail(p, err)
	}
	if co == nil && len(found) == 0 {
		return Reply{Text: p.T("crm.comment.no_match", i18n.Args{"Query": name})}
	}
	if co == nil {
		rep := companyList(p, found, p.T("crm.comment.which", i18n.Args{"Query": name}), p.T("crm.comment.here"), "comment.new")
		// Carry the text so the form opens with it.
		for i := range rep.Sections {
			for j := range rep.Sections[i].Buttons {
				if len(text) <= 1500 {
					rep.Sections[i].Buttons[j].Value += "\n" + text
				}
			}
		}
		return rep
	}
	cm, err := c.st.AddComment(ctx, co.ID, call.User, text)
	if core.ErrorCode(err) == core.EINVALID {
		return usage(p, core.ErrorMessageIn(err, p.Locale()), "crm.comment.usage")
	}
	if err != nil {
		return c.fail(p, err)
	}
	return Reply{Text: p.T("crm.comment.added", i18n.Args{"Company": co.Name, "Text": clip(cm.Body, 300)}),
		Sections: []Section{{Buttons: []Button{{Label: p.T("crm.show_named", i18n.Args{"Name": clip(co.Name, 40)}),
			Action: "company.show", Value: strconv.FormatInt(co.ID, 10)}}}}}
}

// commentAction answers comment.new: it opens the comment form of a
// company (value "ID" or "ID\ntext"), loaded again to check it exists.
func (c *crm) commentAction(ctx context.Context, call *Call, action, value string) Reply {
	p := call.P
	if action != "comment.new" {
		return Reply{Text: p.T("crm.button_gone")}
	}
	idv, text, _ := strings.Cut(value, "\n")
	id, ok := parseID(idv)
	if !ok {
		return Reply{Text: p.T("crm.button_gone")}
	}
	co, err := c.st.Company(ctx, id)
	if err != nil {
		return c.fail(p, err)
	}
	return Reply{Form: &Form{ID: FormComment, Title: p.T("crm.comment.form.title"), Submit: p.T("crm.form.add"), Meta: strconv.FormatInt(co.ID, 10),
		Inputs: []Input{{Name: "body", Label: p.T("crm.comment.form.body", i18n.Args{"Company": clip(co.Name, 60)}), Kind: InputTextarea, Value: text}}}}
}

// submitComment saves the comment form; the company is loaded again by core.
func (c *crm) submitComment(ctx context.Context, call *Call, meta string, values map[string][]string) FormResult {
	p := call.P
	id, ok := parseID(meta)
	if !ok {
		return FormResult{Reply: &Reply{Text: p.T("crm.form_stale")}}
	}
	cm, err := c.st.AddComment(ctx, id, call.User, first(values["body"]))
	if res, failed := c.formError(p, err, "body"); failed {
		return res
	}
	co, err := c.st.Company(ctx, cm.CompanyID)
	if err != nil {
		return FormResult{Reply: &Reply{Text: p.T("crm.comment.added_gone", i18n.Args{"Text": clip(cm.Body, 300)})}}
	}
	return FormResult{Reply: &Reply{Text: p.T("crm.comment.added", i18n.Args{"Company": co.Name, "Text": clip(cm.Body, 300)}),
		Sections: []Section{{Buttons: []Button{{Label: p.T("crm.show_named", i18n.Args{"Name": clip(co.Name, 40)}), Action: "company.show", Value: meta}}}}}}
}
