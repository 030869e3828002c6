package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
)

// "jayaya user add --locale" sets a user's language and "jayaya user edit"
// changes only the fields it is given; a language the product does not
// speak, an unknown login or a refusal of core change nothing.
func TestUserAddAndEditLocale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "j.db")
	env := map[string]string{"DATABASE_URL": url}
	user := func(login string) *core.User {
		t.Helper()
		st, err := core.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		u, err := st.UserByLogin(ctx, login)
		if err != nil {
			t.Fatalf("%s: %v", login, err)
		}
		return u
	}
	fails := func(code int, want, stdin string, args ...string) {
		t.Helper()
		got, out, errs := jayaya(t, env, stdin, args...)
		if got != code || out != "" || errs != want+"\n" {
			t.Fatalf("jayaya %q: exit %d, stdout %q, stderr %q; want %d and %q", args, got, out, errs, code, want)
		}
	}

	out := mustRun(t, env, "", "user", "add", "--login", "claire", "--name", "Claire Martin", "--role", "staff",
		"--email", "claire@example.com", "--locale", "fr")
	if out != "created staff claire (Claire Martin)\n" || user("claire").Locale != "fr" {
		t.Fatalf("add --locale fr: %q, locale %q", out, user("claire").Locale)
	}
	mustRun(t, env, "s3cret-passw0rd\n", "user", "add", "--login", "ada", "--name", "Ada", "--role", "admin", "--password-stdin")
	fails(2, `jayaya user add: --locale: want en or fr, got "xx"`, "", "user", "add", "--login", "henri", "--name", "Henri", "--role", "client", "--locale", "xx")
	fails(1, `jayaya user edit: no user with login "henri"`, "", "user", "edit", "--login", "henri", "--locale", "fr")

	// One field at a time; the others stay.
	if out := mustRun(t, env, "", "user", "edit", "--login", "claire", "--locale", "en-GB"); out != "updated staff claire (Claire Martin)\n" {
		t.Fatalf("edit: %q", out)
	}
	if u := user("claire"); u.Locale != "en" || u.Name != "Claire Martin" || u.Email != "claire@example.com" || u.Role != core.RoleStaff {
		t.Fatalf("after edit --locale en-GB: %+v", u)
	}
	fails(2, `jayaya user edit: --locale: want en or fr, got "xx"`, "", "user", "edit", "--login", "claire", "--name", "Someone Else", "--locale", "xx")
	if u := user("claire"); u.Locale != "en" || u.Name != "Claire Martin" {
		t.Fatalf("a refused edit changed claire: %+v", u)
	}
	mustRun(t, env, "another-passw0rd\n", "user", "edit", "--login", "claire", "--name", "Claire Dubois", "--email", "", "--locale", "", "--password-stdin")
	if u := user("claire"); u.Locale != "" || u.Name != "Claire Dubois" || u.Email != "" || !core.CheckPassword(u.PasswordHash, "another-passw0rd") {
		t.Fatalf("after edit of name, email, locale and password: %+v", u)
	}

	// Core's refusals: invalid input under its flag (2), the last admin (1).
	fails(2, "jayaya user edit: --slack-id: "+coreMessage(t, env, "--slack-id", "bob"), "", "user", "edit", "--login", "claire", "--slack-id", "bob")
	code, _, errs := jayaya(t, env, "", "user", "edit", "--login", "ada", "--role", "staff")
	if code != 1 || !strings.Contains(errs, "last admin") || user("ada").Role != core.RoleAdmin {
		t.Fatalf("demoting the last admin: exit %d, %q, role %s", code, errs, user("ada").Role)
	}
}

// coreMessage is core's English message for a user with this one bad
// field, as the CLI shows it.
func coreMessage(t *testing.T, env map[string]string, flag, value string) string {
	t.Helper()
	_, _, errs := jayaya(t, env, "", "user", "add", "--login", "zz", "--name", "Z", "--role", "staff", flag, value)
	msg, ok := strings.CutPrefix(strings.TrimSpace(errs), "jayaya user add: "+flag+": ")
	if !ok {
		t.Fatalf("add %s %s: %q", flag, value, errs)
	}
	return msg
}
