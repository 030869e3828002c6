package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// TestCRMRefusesNonStaff: clients and unregistered Slack users get the
// short refusal for every command, button and form, and nothing changes.
func TestCRMRefusesNonStaff(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, true)
	_, _, dupont := seedContacts(t, w)
	seedTickets(t, w)
	ctx := context.Background()
	comments := func() int {
		cs, err := w.st.Comments(ctx, dupont.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}

	card := w.cmd(w.sam, `company "Dupont & Fils" share`)
	ts := w.post(card.d.Body)
	refusedViews := 0
	for _, u := range []slacktest.User{w.carl, w.nina} {
		// Forms opened by staff, submitted by someone else (a forged or
		// replayed payload): the server checks the submitter.
		w.cmd(w.sam, `company edit "Dupont & Fils"`)
		staffForm := w.lastView("company.form")
		w.press(w.sam, ts, w.find(buttons(card.d.Body), "Comment"))
		commentForm := w.lastView("comment.form")
		views := len(w.srv.State().Views())
		for _, text := range []string{"company dupont", "company add Evil Corp", `company edit "Dupont & Fils"`, "person add Eve Hacker",
			`comment "Dupont & Fils" spam`, "interests", "tickets all", "ticket 1", "ticket close 1", "help", ""} {
			a := w.cmd(u, text)
			if a.msg.Text != i18n.T(i18n.EN, bot.Refusal) || strings.Contains(a.text, "Dupont") {
				t.Errorf("%s: /crm %s answered %q", u.Name, text, a.text)
			}
		}
		for _, action := range []string{"company.edit", "person.new", "comment.new", "person.edit"} {
			before := w.ephemeralsTo(u)
			w.press(u, ts, w.findAction(buttons(card.d.Body), action, ""))
			w.srv.WaitFor(t, func(st *slacktest.State) bool { return w.ephemeralsTo(u) > before })
			w.waitEphemeral(u, i18n.T(i18n.EN, bot.Refusal))
		}
		before := w.ephemeralsTo(u)
		_, resp := w.submit(u, staffForm, map[string]string{"name": "Pwned"}, nil)
		if resp.ResponseAction != "" {
			t.Errorf("%s submitting a form: %+v", u.Name, resp)
		}
		w.srv.WaitFor(t, func(st *slacktest.State) bool { return w.ephemeralsTo(u) > before })
		_, _ = w.submit(u, commentForm, map[string]string{"body": "spam"}, nil)
		refusedViews += len(w.srv.State().Views()) - views
	}
	if refusedViews != 0 {
		t.Errorf("refused users opened %d forms", refusedViews)
	}
	if d, _ := w.st.Company(ctx, dupont.ID); d.Name != "Dupont & Fils" {
		t.Errorf("company renamed to %q", d.Name)
	}
	if n := w.companyCount(); n != 3 {
		t.Errorf("companies = %d", n)
	}
	if n := comments(); n != 1 {
		t.Errorf("comments = %d", n)
	}
	if tk, _ := w.st.TicketByNumber(ctx, 1); tk.Status != "open" {
		t.Error("ticket closed by a refused user")
	}
	if len(w.setter.by) != 0 {
		t.Errorf("status setter called: %q", w.setter.by)
	}
}

// TestCRMSlowDatabase: a command stuck behind a lock is answered "working
// on it" within Slack's 3 seconds, and the real answer follows through the
// response_url once the database answers.
func TestCRMSlowDatabase(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	w.mustCompany("Acme Corp")
	w.ad.AnswerWithin = 300 * time.Millisecond
	ctx := context.Background()

	tx, err := w.st.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "LOCK TABLE companies IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	a := w.cmd(w.sam, "company acme")
	if a.msg.Text != "Working on it…" || a.msg.ResponseType != "ephemeral" || a.d.Duration > 2*time.Second {
		t.Fatalf("slow command answered %q in %s", a.msg.Text, a.d.Duration)
	}
	if n := len(w.srv.State().ResponsePosts()); n != 0 {
		t.Fatalf("%d response_url posts while the database is locked", n)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	w.srv.WaitFor(t, func(st *slacktest.State) bool { return len(st.ResponsePosts()) == 1 })
	post := w.srv.State().ResponsePosts()[0]
	if post.Status != 200 || post.URL != a.d.ResponseURL || !strings.Contains(allText(post.Body), "Acme Corp") {
		t.Fatalf("late answer = %+v", post)
	}
	w.waitEphemeral(w.sam, "Acme Corp")

	// A form submission stuck the same way closes the modal and tells the
	// outcome afterwards.
	w.ad.AnswerWithin = 2200 * time.Millisecond
	w.cmd(w.sam, "company edit acme")
	v := w.lastView("company.form")
	w.ad.AnswerWithin = 300 * time.Millisecond
	tx, err = w.st.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "LOCK TABLE companies IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	d, resp := w.submit(w.sam, v, map[string]string{"name": "Acme Corporation"}, nil)
	if resp.ResponseAction != "" || d.Duration > 2*time.Second {
		t.Fatalf("slow submission answered %+v in %s", resp, d.Duration)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	w.waitEphemeral(w.sam, "Saved *Acme Corporation*")
}
