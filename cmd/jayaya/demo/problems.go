package demo

import (
	"fmt"
	"slices"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// A visitor's action that goes wrong comes back with a problem. The
// script shows its text at once; a browser without the script is sent
// back to /demo/?problem=<code>, and the page shows the message of a known
// code only (demo.problem.<code> in the catalog), so that no link can make
// the page say what it likes.

// problemCodes are the problems the page shows after a redirect.
var problemCodes = []string{
	"no-client", "no-staff", "no-staff-text", "discord-refused", "slack-undelivered", "product-error",
	"bad-form", "form-closed", "slash-invalid", "no-response",
}

// problem is what went wrong with an action.
type problem struct {
	// code is one of problemCodes: what a redirect carries.
	code string
	// msg is what the visitor who acted reads, when it says more than
	// the code's own message (demo.problem.<code>).
	msg i18n.Msg
	// detail is added to it in the answer to the action itself, and
	// logged.
	detail string
}

// problemOf returns the problem of code (one of problemCodes).
func problemOf(code string) *problem { return &problem{code: code} }

// text is what the visitor who acted reads, in pr's language.
func (p *problem) text(pr i18n.Printer) string {
	m := p.msg
	if m.ID == "" {
		m = i18n.M("demo.problem." + p.code)
	}
	t := pr.Msg(m)
	if p.detail != "" {
		t += " " + p.detail
	}
	return t
}

// problemText is what /demo/?problem=code shows, in pr's language: the
// known code's message, else nothing.
func problemText(code string, pr i18n.Printer) string {
	if !slices.Contains(problemCodes, code) {
		return ""
	}
	return pr.T("demo.problem." + code)
}

// deliveryProblem says what went wrong delivering a callback to the
// product, or nil when it answered 2xx.
func deliveryProblem(d *slacktest.Delivery, err error) *problem {
	switch {
	case err != nil:
		return &problem{code: "slack-undelivered", detail: err.Error()}
	case !d.OK():
		return &problem{code: "product-error", detail: fmt.Sprintf("(HTTP %d)", d.Status)}
	}
	return nil
}
