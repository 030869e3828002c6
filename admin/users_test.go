package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func userForm(login, name, role string) url.Values {
	return url.Values{"login": {login}, "name": {name}, "role": {role}, "email": {""}, "phone": {""},
		"slack_id": {""}, "discord_id": {""}, "time_zone": {"UTC"}, "password": {""}}
}

func TestUserListSearchAndRoleFilter(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.user("ada", core.RoleAdmin)
	coretest.MustUser(t, st, "sam", core.RoleStaff)
	coretest.MustUser(t, st, "cleo", core.RoleClient)
	b := p.loggedIn("ada")
	all := b.get("/admin/users")
	wantBody(t, all, ">Ada Test</a>", ">Sam<", ">Cleo<")
	staff := b.get("/admin/users?role=staff")
	wantBody(t, staff, ">Sam<", `<option value="staff" selected>`)
	if strings.Contains(staff.body, ">Cleo<") || strings.Contains(staff.body, ">Ada Test</a>") {
		t.Fatalf("role filter shows other roles:\n%s", staff.body)
	}
	found := b.get("/admin/users?q=CLE")
	wantBody(t, found, ">Cleo<", `value="CLE"`)
	if strings.Contains(found.body, ">Sam<") {
		t.Fatalf("search shows non-matching users")
	}
	wantBody(t, b.get("/admin/users?q=zzz"), "No user matches.")
}

func TestUserCreateEditDelete(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		b := p.loggedIn("ada")
		wantBody(t, b.get("/admin/users/new"), `name="slack_id"`, `name="discord_id"`, `name="time_zone"`, `<option value="staff" selected>`)

		f := userForm("bob", "Bob Builder", "staff")
		f.Set("email", "bob@example.com")
		f.Set("phone", "+33 6 12 34 56 78")
		f.Set("slack_id", "U0BOB1234")
		f.Set("discord_id", "123456789012345678")
		f.Set("time_zone", "Europe/Paris")
		f.Set("password", "bob's long password")
		res := b.post("/admin/users", f)
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, b.get(res.location), "User created.", "Bob Builder", "U0BOB1234")
		bob, err := st.UserByLogin(ctx, "bob")
		if err != nil || bob.TimeZone != "Europe/Paris" || bob.Email != "bob@example.com" || !core.CheckPassword(bob.PasswordHash, "bob's long password") {
			t.Fatalf("created user: %+v, %v", bob, err)
		}

		edit := b.get(fmt.Sprintf("/admin/users/%d", bob.ID))
		wantBody(t, edit, `value="Bob Builder"`, `value="123456789012345678"`, "leave blank to keep")
		f.Set("name", "Robert Builder")
		f.Set("role", "admin")
		f.Set("password", "")
		wantStatus(t, b.post(fmt.Sprintf("/admin/users/%d", bob.ID), f), http.StatusSeeOther)
		bob, _ = st.UserByID(ctx, bob.ID)
		if bob.Name != "Robert Builder" || bob.Role != core.RoleAdmin || !core.CheckPassword(bob.PasswordHash, "bob's long password") {
			t.Fatalf("edited user: %+v (a blank password must keep the old one)", bob)
		}

		confirm := b.get(fmt.Sprintf("/admin/users/%d/delete", bob.ID))
		wantBody(t, confirm, "<strong>Delete Robert Builder (bob, admin)?</strong>", `method="post"`)
		wantStatus(t, b.post(fmt.Sprintf("/admin/users/%d/delete", bob.ID), nil), http.StatusSeeOther)
		if _, err := st.UserByID(ctx, bob.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("deleted user still there: %v", err)
		}
		got := auditActions(t, st)
		for _, a := range []string{core.AuditUserCreate, core.AuditUserUpdate, core.AuditUserDelete} {
			if !slices.Contains(got, a) {
				t.Fatalf("audit log lacks %s: %v", a, got)
			}
		}
		audit := b.get("/admin/audit?kind=user.")
		wantBody(t, audit, "user.update", "role: “staff” → “admin”", "bob", "ada")
	})
}

func TestUserFormKeepsInputAndShowsErrorsBesideFields(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		coretest.MustUser(t, st, "taken", core.RoleStaff)
		b := p.loggedIn("ada")
		cases := []struct {
			name   string
			set    map[string]string
			status int
			field  string
			msg    string
		}{
			{"bad email", map[string]string{"email": "not-an-email"}, http.StatusUnprocessableEntity, "email", "is not a valid email address"},
			{"bad slack id", map[string]string{"slack_id": "bob"}, http.StatusUnprocessableEntity, "slack_id", "is not a valid Slack user ID"},
			{"bad time zone", map[string]string{"time_zone": "Mars/Olympus"}, http.StatusUnprocessableEntity, "time_zone", "Mars/Olympus"},
			{"short password", map[string]string{"password": "short"}, http.StatusUnprocessableEntity, "password", "at least 8"},
			{"login taken", map[string]string{"login": "taken"}, http.StatusConflict, "login", "already used"},
			{"no name", map[string]string{"name": " "}, http.StatusUnprocessableEntity, "name", "Name is required"},
			{"bidi override in the name", map[string]string{"name": "Nina\u202Eanin"}, http.StatusUnprocessableEntity, "name", "must not contain bidirectional control characters"},
			{"bidi isolate in the name", map[string]string{"name": "\u2067Nina\u2069"}, http.StatusUnprocessableEntity, "name", "must not contain bidirectional control characters"},
		}
		for _, c := range cases {
			f := userForm("newbie", "Nina Newbie", "staff")
			f.Set("phone", "+1 555 0100")
			for k, v := range c.set {
				f.Set(k, v)
			}
			res := b.post("/admin/users", f)
			if res.status != c.status {
				t.Fatalf("%s: status %d, want %d\n%s", c.name, res.status, c.status, res.body)
			}
			// The error sits right after its field, which is marked invalid.
			field := regexp(`id="` + c.field + `"[^>]*aria-invalid="true"[^>]*>\s*(</select>\s*)?<p class="err">[^<]*` + c.msg)
			if !field.MatchString(res.body) {
				t.Fatalf("%s: no error beside %s:\n%s", c.name, c.field, res.body)
			}
			if c.field != "phone" {
				wantBody(t, res, `value="&#43;1 555 0100"`)
			}
			if c.set["password"] != "" && strings.Contains(res.body, c.set["password"]) {
				t.Fatalf("%s: the typed password is sent back", c.name)
			}
		}
		if n, _ := st.ListUsers(context.Background(), core.UserFilter{}); len(n) != 2 {
			t.Fatalf("invalid forms created users: %d", len(n))
		}
	})
}

func TestLastAdminCannotBeDeletedOrDemoted(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		ada := p.user("ada", core.RoleAdmin)
		b := p.loggedIn("ada")
		confirm := b.get(fmt.Sprintf("/admin/users/%d/delete", ada.ID))
		wantBody(t, confirm, "cannot be deleted", "last admin")
		if strings.Contains(confirm.body, `action="/admin/users/`) {
			t.Fatalf("the confirmation page offers a delete button for the last admin")
		}
		res := b.post(fmt.Sprintf("/admin/users/%d/delete", ada.ID), nil)
		wantStatus(t, res, http.StatusForbidden)
		wantBody(t, res, "last admin")

		f := userForm("ada", "Ada Test", "staff")
		res = b.post(fmt.Sprintf("/admin/users/%d", ada.ID), f)
		wantStatus(t, res, http.StatusForbidden)
		if !regexp(`id="role"[^>]*aria-invalid="true"[\s\S]*?<p class="err">This is the last admin`).MatchString(res.body) {
			t.Fatalf("no last-admin error beside the role:\n%s", res.body)
		}
		f = userForm("ada", "Ada Test", "admin")
		f.Set("disabled", "1")
		wantStatus(t, b.post(fmt.Sprintf("/admin/users/%d", ada.ID), f), http.StatusForbidden)
		if u, _ := st.UserByID(ctx, ada.ID); !u.IsAdmin() {
			t.Fatalf("the last admin lost their rights: %+v", u)
		}
	})
}

func TestAdminCannotLockThemselvesOut(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		ada := p.user("ada", core.RoleAdmin)
		p.user("ben", core.RoleAdmin)
		b := p.loggedIn("ada")
		wantBody(t, b.get(fmt.Sprintf("/admin/users/%d", ada.ID)), "This is you")
		for _, c := range []struct {
			name, path string
			form       url.Values
			msg        string
		}{
			{"demote", fmt.Sprintf("/admin/users/%d", ada.ID), userForm("ada", "Ada Test", "staff"), "take away your own admin rights"},
			{"disable", fmt.Sprintf("/admin/users/%d", ada.ID), func() url.Values { f := userForm("ada", "Ada Test", "admin"); f.Set("disabled", "1"); return f }(), "cannot disable your own account"},
			{"delete", fmt.Sprintf("/admin/users/%d/delete", ada.ID), nil, "cannot delete your own account"},
		} {
			res := b.post(c.path, c.form)
			if res.status != http.StatusForbidden || !strings.Contains(res.body, c.msg) {
				t.Fatalf("%s yourself: %d\n%s", c.name, res.status, res.body)
			}
		}
		if u, _ := st.UserByID(ctx, ada.ID); !u.IsAdmin() {
			t.Fatalf("ada locked herself out: %+v", u)
		}
		// Changing one's own name and password is fine, and keeps one logged in.
		f := userForm("ada", "Ada Lovelace", "admin")
		f.Set("password", "a brand new password")
		res := b.post(fmt.Sprintf("/admin/users/%d", ada.ID), f)
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, b.get(res.location), "Your password was changed", "Ada Lovelace")
		// Another admin may demote ada.
		ben := p.loggedIn("ben")
		wantStatus(t, ben.post(fmt.Sprintf("/admin/users/%d", ada.ID), userForm("ada", "Ada Lovelace", "staff")), http.StatusSeeOther)
	})
}

func TestSessionsEndWhenUserIsDemotedDisabledRepasswordedOrDeleted(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		admin := p.loggedIn("ada")
		cases := []struct {
			name   string
			change func(u *core.User) response
		}{
			{"demoted", func(u *core.User) response {
				return admin.post(fmt.Sprintf("/admin/users/%d", u.ID), userForm(u.Login, u.Name, "client"))
			}},
			{"admin demoted", func(u *core.User) response {
				return admin.post(fmt.Sprintf("/admin/users/%d", u.ID), userForm(u.Login, u.Name, "staff"))
			}},
			{"disabled", func(u *core.User) response {
				f := userForm(u.Login, u.Name, u.Role)
				f.Set("disabled", "1")
				return admin.post(fmt.Sprintf("/admin/users/%d", u.ID), f)
			}},
			{"new password", func(u *core.User) response {
				f := userForm(u.Login, u.Name, u.Role)
				f.Set("password", "another long password")
				return admin.post(fmt.Sprintf("/admin/users/%d", u.ID), f)
			}},
			{"deleted", func(u *core.User) response {
				return admin.post(fmt.Sprintf("/admin/users/%d/delete", u.ID), nil)
			}},
		}
		for i, c := range cases {
			role := core.RoleStaff
			if c.name == "admin demoted" {
				role = core.RoleAdmin
			}
			u := p.user(fmt.Sprintf("victim%d", i), role)
			victim := p.loggedIn(u.Login)
			wantStatus(t, victim.get("/admin/tickets"), http.StatusOK)
			wantStatus(t, c.change(u), http.StatusSeeOther)
			if n, _ := st.CountSessions(ctx, u.ID); n != 0 {
				t.Fatalf("%s: %d sessions left", c.name, n)
			}
			if res := victim.get("/admin/tickets"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/admin/login") {
				t.Fatalf("%s: the old session still works: %d", c.name, res.status)
			}
		}
		// Renaming someone does not log them out.
		u := p.user("keeper", core.RoleStaff)
		keeper := p.loggedIn("keeper")
		wantStatus(t, admin.post(fmt.Sprintf("/admin/users/%d", u.ID), userForm("keeper", "Keeper Renamed", "staff")), http.StatusSeeOther)
		wantStatus(t, keeper.get("/admin/tickets"), http.StatusOK)
	})
}
