package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/jayaya/jayayacrm/core"
)

const commentUse = "/crm comment <company> <text>"

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
				return "", "", fmt.Errorf("A quote is not closed.")
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
	name, text, err := cutWord(call.Rest)
	if err != nil {
		return usage(err.Error(), commentUse)
	}
	if name == "" || text == "" {
		return usage("Say which company and what to note; quote names with spaces.", commentUse+"` · example: `/crm comment \"Dupont & Fils\" Sent the quote")
	}
	co, found, err := c.resolveCompany(ctx, name)
	if err != nil {
		return c.fail(err)
	}
	if co == nil && len(found) == 0 {
		return Reply{Text: fmt.Sprintf("No company matches “%s”; nothing was saved. Quote names with spaces: `/crm comment \"Dupont & Fils\" …`", name)}
	}
	if co == nil {
		rep := companyList(found, fmt.Sprintf("Several companies match “%s”; nothing was saved. Comment on which one?", name), "Comment here", "comment.new")
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
		return usage(core.ErrorMessage(err), commentUse)
	}
	if err != nil {
		return c.fail(err)
	}
	return Reply{Text: fmt.Sprintf("Comment added to *%s*: %s", co.Name, clip(cm.Body, 300)),
		Sections: []Section{{Buttons: []Button{{Label: "Show " + clip(co.Name, 40), Action: "company.show", Value: strconv.FormatInt(co.ID, 10)}}}}}
}

// commentAction answers comment.new: it opens the comment form of a
// company (value "ID" or "ID\ntext"), loaded again to check it exists.
func (c *crm) commentAction(ctx context.Context, call *Call, action, value string) Reply {
	if action != "comment.new" {
		return Reply{Text: "That button no longer works here."}
	}
	idv, text, _ := strings.Cut(value, "\n")
	id, ok := parseID(idv)
	if !ok {
		return Reply{Text: "That button no longer works here."}
	}
	co, err := c.st.Company(ctx, id)
	if err != nil {
		return c.fail(err)
	}
	return Reply{Form: &Form{ID: FormComment, Title: "Comment", Submit: "Add", Meta: strconv.FormatInt(co.ID, 10),
		Inputs: []Input{{Name: "body", Label: "Comment on " + clip(co.Name, 60), Kind: InputTextarea, Value: text}}}}
}

// submitComment saves the comment form; the company is loaded again by core.
func (c *crm) submitComment(ctx context.Context, call *Call, meta string, values map[string][]string) FormResult {
	id, ok := parseID(meta)
	if !ok {
		return FormResult{Reply: &Reply{Text: "That form is no longer valid; open it again."}}
	}
	cm, err := c.st.AddComment(ctx, id, call.User, first(values["body"]))
	if res, failed := c.formError(err, "body"); failed {
		return res
	}
	co, err := c.st.Company(ctx, cm.CompanyID)
	name := "the company"
	if err == nil {
		name = co.Name
	}
	return FormResult{Reply: &Reply{Text: fmt.Sprintf("Comment added to *%s*: %s", name, clip(cm.Body, 300)),
		Sections: []Section{{Buttons: []Button{{Label: "Show " + clip(name, 40), Action: "company.show", Value: meta}}}}}}
}
