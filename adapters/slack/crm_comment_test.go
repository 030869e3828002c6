package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestCRMCommentCommand(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	_, _, dupont := seedContacts(t, w)
	ctx := context.Background()
	count := func() int {
		t.Helper()
		cs, err := w.st.Comments(ctx, dupont.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}

	ok := w.cmd(w.sam, `comment "Dupont & Fils"   Called them:  they accept <the> quote`)
	wantContains(t, "comment", ok.text, "Comment added to *Dupont &amp; Fils*", "Called them:  they accept &lt;the&gt; quote")
	cs, _ := w.st.Comments(ctx, dupont.ID, 1)
	if count() != 2 || cs[0].Body != "Called them:  they accept <the> quote" || cs[0].AuthorName != "Sam Staff" {
		t.Fatalf("comments = %+v", cs)
	}

	amb := w.cmd(w.sam, "comment dupont Follow up next week")
	wantContains(t, "ambiguous", amb.text, "Several companies match “dupont”; nothing was saved")
	if count() != 2 {
		t.Fatal("an ambiguous comment was saved")
	}
	ts := w.post(amb.d.Body)
	w.press(w.sam, ts, w.find(buttons(amb.d.Body), "Comment here"))
	v := w.lastView("comment.form")
	if body, _, _ := viewInput(v, "body"); body != "Follow up next week" {
		t.Errorf("form body = %q, want the typed text", body)
	}

	wantContains(t, "no text", w.cmd(w.sam, "comment acme").text, "Usage", "/crm comment &lt;company&gt; &lt;text&gt;")
	wantContains(t, "nothing", w.cmd(w.sam, "comment").text, "Usage")
	wantContains(t, "open quote", w.cmd(w.sam, `comment "Dupont hello`).text, "quote is not closed")
	wantContains(t, "unknown", w.cmd(w.sam, "comment zebra hi").text, "No company matches “zebra”; nothing was saved")
	if count() != 2 {
		t.Fatalf("comments = %d after refused commands", count())
	}
}

// TestCRMCommentWithControlCharacter: a NUL typed into /crm (which
// PostgreSQL cannot store) gets a clear answer, not an apology, and
// nothing is saved.
func TestCRMCommentWithControlCharacter(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	acme := w.mustCompany("Acme")
	a := w.cmd(w.sam, "comment Acme Called\x00 them")
	wantContains(t, "NUL comment", a.text, "must not contain control characters")
	if strings.Contains(a.text, "went wrong") {
		t.Errorf("answered with an apology: %q", a.text)
	}
	if cs, err := w.st.Comments(context.Background(), acme.ID, 0); err != nil || len(cs) != 0 {
		t.Fatalf("comments = %d, %v", len(cs), err)
	}
}

// TestCRMBidiControlsAreRefused: a right-to-left override typed into a
// /crm command or a form gets an answer that says why, beside the field
// in a form, and nothing is saved (issue 22, defect 6).
func TestCRMBidiControlsAreRefused(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	const why = "must not contain bidirectional control characters"
	a := w.cmd(w.sam, "company add Acme\u202Eemca")
	wantContains(t, "/crm company add", a.text, why)
	if strings.Contains(a.text, "went wrong") {
		t.Errorf("answered with an apology: %q", a.text)
	}
	w.cmd(w.sam, "company add")
	v := w.lastView("company.form")
	_, resp := w.submit(w.sam, v, map[string]string{"name": "Beta\u2067Ltd\u2069"}, map[string][]string{"interests": nil})
	if resp.ResponseAction != slack.RAErrors || !strings.Contains(resp.Errors["name"], why) {
		t.Errorf("form: %+v, want the reason beside the name", resp)
	}
	if n := w.companyCount(); n != 0 {
		t.Fatalf("%d companies saved", n)
	}
	acme := w.mustCompany("Acme")
	wantContains(t, "/crm comment", w.cmd(w.sam, "comment Acme see \u202Dthis").text, why)
	if cs, err := w.st.Comments(context.Background(), acme.ID, 0); err != nil || len(cs) != 0 {
		t.Fatalf("comments = %d, %v", len(cs), err)
	}
}
