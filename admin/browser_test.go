package admin_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/admin/browsertest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestBrowserWalkthrough drives headless Chromium through the panel: log
// in, retry a parked delivery from a ticket's transcript, create an interest, create a user (after a validation error), try to
// delete the last admin, log out. It saves a screenshot of every page in
// $JAYAYA_TEST_OUTPUT, or admin/testdata/out/. Without Chromium it skips,
// unless JAYAYA_REQUIRE_BROWSER=1 (as .ci/run sets), when it fails.
func TestBrowserWalkthrough(t *testing.T) {
	t.Parallel()
	chromium := browsertest.Chromium(t)
	out := browsertest.OutputDir(t, "browser")

	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.clock.Set(time.Now()) // the browser's cookie expiry follows the real clock
	ada := p.user("ada", core.RoleAdmin)
	ada, _ = st.UpdateUser(context.Background(), ada.ID, core.UserUpdate{Name: ptr("Ada Lovelace")})
	f := seedTicket(t, p, p.user("tom", core.RoleStaff))

	b := browsertest.Launch(t, chromium)
	b.Viewport(1200, 850, false)
	shot := func(name string) { t.Helper(); b.Shot(out, name) }

	// Log in: an anonymous visit lands on the login page.
	b.Open(p.srv.URL + "/admin/")
	b.WantText("Log in")
	if bg := b.Eval(`getComputedStyle(document.documentElement).backgroundColor`); bg != "rgb(245, 246, 249)" {
		t.Fatalf("the stylesheet did not load under the CSP: page background %v", bg)
	}
	shot("01-login")
	b.Fill("#login", "ada")
	b.Fill("#password", "wrong password")
	b.Submit("main form button[type=submit]")
	b.WantText("Wrong login or password.")
	shot("02-login-refused")
	b.Fill("#password", testPassword)
	b.Submit("main form button[type=submit]")
	b.WantText("Open tickets")
	shot("03-home")

	// A ticket's transcript; its parked delivery is retried.
	b.Submit(fmt.Sprintf(`a[href="/admin/tickets/%d"]`, f.ticket.ID))
	b.WantText("We will send someone on Monday.")
	shot("04-ticket")
	b.Submit(fmt.Sprintf("#delivery-%d button", f.parked.ID))
	b.WantText("back in line")
	if d, _ := st.Delivery(context.Background(), f.parked.ID); d.Status != core.DeliveryPending {
		t.Fatalf("retried delivery is %s", d.Status)
	}

	// Create an interest.
	b.Open(p.srv.URL + "/admin/interests/new")
	b.Fill("#name", "Wind turbines")
	b.Fill("#color", "#1c7ed6")
	shot("05-interest-form")
	b.Submit("main form button[type=submit]")
	b.WantText("Interest created.")
	b.WantText("Wind turbines")
	shot("06-interests")

	// Create a user: first with a bad email, which comes back beside the field.
	b.Open(p.srv.URL + "/admin/users/new")
	b.Fill("#name", "Sam Support")
	b.Fill("#login", "sam")
	b.Fill("#email", "sam-at-example")
	b.Fill("#slack_id", "U0SAM12345")
	b.Fill("#time_zone", "Europe/Paris")
	b.Fill("#password", "sam's long password")
	b.EvalJS(`document.querySelector('#email').type = 'text'`) // let the server, not the browser, judge it
	b.Submit("main form button[type=submit]")
	b.WantText("is not a valid email address")
	if v := b.Eval(`document.querySelector('#name').value`); v != "Sam Support" {
		t.Fatalf("the form lost what was typed: name %q", v)
	}
	shot("07-user-invalid")
	b.Fill("#email", "sam@example.com")
	b.Fill("#password", "sam's long password")
	b.Submit("main form button[type=submit]")
	b.WantText("User created.")
	b.WantText("U0SAM12345")
	shot("08-users")
	if _, err := st.UserByLogin(context.Background(), "sam"); err != nil {
		t.Fatalf("the browser did not create sam: %v", err)
	}

	// The same list on a phone.
	b.Viewport(390, 844, true)
	b.Open(p.srv.URL + "/admin/users")
	shot("09-users-phone")
	b.Viewport(1200, 850, false)

	// Try to delete the last admin: the panel explains why not.
	b.Open(fmt.Sprintf("%s/admin/users/%d", p.srv.URL, ada.ID))
	b.Submit("a.danger-link")
	b.WantText("cannot be deleted")
	b.WantText("This is the last admin")
	shot("10-delete-last-admin")
	if u, err := st.UserByID(context.Background(), ada.ID); err != nil || !u.IsAdmin() {
		t.Fatalf("the last admin: %+v %v", u, err)
	}

	// The audit log tells who did all that.
	b.Open(p.srv.URL + "/admin/audit")
	b.WantText("interest.create")
	b.WantText("user.create")
	b.WantText("login.failed")
	shot("11-audit")

	// Log out.
	b.Submit("form.logout button")
	b.WantText("You are logged out.")
	shot("12-logged-out")
	if n, _ := st.CountSessions(context.Background(), ada.ID); n != 0 {
		t.Fatalf("%d sessions after logout", n)
	}
	b.Open(p.srv.URL + "/admin/users")
	b.WantText("Log in")
}

func ptr[T any](v T) *T { return &v }
