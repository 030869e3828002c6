package core_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestCreateUserValidation(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		cases := []struct {
			name  string
			in    core.NewUser
			field string
		}{
			{"no login", core.NewUser{Name: "A", Role: "staff"}, "login"},
			{"bad login", core.NewUser{Login: "a b", Name: "A", Role: "staff"}, "login"},
			{"no name", core.NewUser{Login: "ann", Role: "staff"}, "name"},
			{"bad role", core.NewUser{Login: "ann", Name: "Ann", Role: "boss"}, "role"},
			{"bad email", core.NewUser{Login: "ann", Name: "Ann", Role: "staff", Email: "ann@"}, "email"},
			{"bad slack id", core.NewUser{Login: "ann", Name: "Ann", Role: "staff", SlackID: "ann"}, "slack_id"},
			{"bad discord id", core.NewUser{Login: "ann", Name: "Ann", Role: "client", DiscordID: "12ab"}, "discord_id"},
			{"bad zone", core.NewUser{Login: "ann", Name: "Ann", Role: "staff", TimeZone: "Mars/Olympus"}, "time_zone"},
			{"short password", core.NewUser{Login: "ann", Name: "Ann", Role: "staff", Password: "short"}, "password"},
			{"unknown locale", core.NewUser{Login: "ann", Name: "Ann", Role: "staff", Locale: "xx"}, "locale"},
		}
		for _, c := range cases {
			_, err := st.CreateUser(ctx, c.in)
			if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != c.field {
				t.Errorf("%s: got %v, want invalid %s", c.name, err, c.field)
			}
		}
		if users, _ := st.ListUsers(ctx, core.UserFilter{}); len(users) != 0 {
			t.Fatalf("invalid input wrote %d users", len(users))
		}
	})
}

func TestCreateUserConflicts(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, core.NewUser{Login: "Ann", Name: "Ann Lee", Role: "staff", SlackID: "U123ABC", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Login != "ann" || u.TimeZone != "UTC" || u.PasswordHash == "" || u.PasswordHash == "correct horse" {
			t.Fatalf("stored user = %+v", u)
		}
		if !core.CheckPassword(u.PasswordHash, "correct horse") || core.CheckPassword(u.PasswordHash, "wrong horse") {
			t.Fatal("password hash does not verify")
		}
		_, err = st.CreateUser(ctx, core.NewUser{Login: "ANN", Name: "Other", Role: "staff"})
		wantCode(t, err, core.ECONFLICT)
		_, err = st.CreateUser(ctx, core.NewUser{Login: "bob", Name: "Bob", Role: "staff", SlackID: "U123ABC"})
		wantCode(t, err, core.ECONFLICT)
		if core.ErrorField(err) != "slack_id" {
			t.Fatalf("conflict field = %q", core.ErrorField(err))
		}
		got, err := st.UserBySlackID(ctx, "U123ABC")
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserBySlackID = %v, %v", got, err)
		}
		_, err = st.UserByDiscordID(ctx, "123456789012345678")
		wantCode(t, err, core.ENOTFOUND)
	})
}

func TestLastAdminIsKept(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		a := coretest.MustUser(t, st, "alice", core.RoleAdmin)
		s := coretest.MustUser(t, st, "sam", core.RoleStaff)

		wantCode(t, st.DeleteUser(ctx, a.ID), core.EFORBIDDEN)
		_, err := st.UpdateUser(ctx, a.ID, core.UserUpdate{Role: ptr(core.RoleStaff)})
		wantCode(t, err, core.EFORBIDDEN)
		_, err = st.UpdateUser(ctx, a.ID, core.UserUpdate{Disabled: ptr(true)})
		wantCode(t, err, core.EFORBIDDEN)
		if got, _ := st.UserByID(ctx, a.ID); got.Role != core.RoleAdmin || got.DisabledAt != nil {
			t.Fatalf("refused change still changed the admin: %+v", got)
		}

		// With a second admin, one may go.
		if _, err := st.UpdateUser(ctx, s.ID, core.UserUpdate{Role: ptr(core.RoleAdmin)}); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteUser(ctx, a.ID); err != nil {
			t.Fatalf("delete one of two admins: %v", err)
		}
		wantCode(t, st.DeleteUser(ctx, s.ID), core.EFORBIDDEN)
		// A disabled admin does not count as the remaining one.
		b := coretest.MustUser(t, st, "bea", core.RoleAdmin)
		if _, err := st.UpdateUser(ctx, b.ID, core.UserUpdate{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, st.DeleteUser(ctx, s.ID), core.EFORBIDDEN)
		if n, _ := st.CountAdmins(ctx); n != 1 {
			t.Fatalf("admins = %d, want 1", n)
		}
	})
}

// TestLastAdminConcurrent has two admins remove each other at the same
// moment, many times over: exactly one admin must always remain.
func TestLastAdminConcurrent(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		for round := 0; round < 20; round++ {
			a := coretest.MustUser(t, st, "a"+string(rune('a'+round)), core.RoleAdmin)
			b := coretest.MustUser(t, st, "b"+string(rune('a'+round)), core.RoleAdmin)
			// Leave a and b as the only admins: disable the last round's survivor.
			rest, _ := st.ListUsers(ctx, core.UserFilter{Role: ptr(core.RoleAdmin)})
			for _, u := range rest {
				if u.ID != a.ID && u.ID != b.ID && u.DisabledAt == nil {
					if _, err := st.UpdateUser(ctx, u.ID, core.UserUpdate{Disabled: ptr(true)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			wg.Add(2)
			go func() { defer wg.Done(); <-start; errs[0] = st.DeleteUser(ctx, a.ID) }()
			go func() {
				defer wg.Done()
				<-start
				if round%2 == 0 {
					errs[1] = st.DeleteUser(ctx, b.ID)
				} else {
					_, errs[1] = st.UpdateUser(ctx, b.ID, core.UserUpdate{Role: ptr(core.RoleStaff)})
				}
			}()
			close(start)
			wg.Wait()
			n, err := st.CountAdmins(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("round %d: %d admins remain (errors %v, %v)", round, n, errs[0], errs[1])
			}
			failed := 0
			for _, e := range errs {
				if e != nil {
					wantCode(t, e, core.EFORBIDDEN)
					failed++
				}
			}
			if failed != 1 {
				t.Fatalf("round %d: %d of 2 removals refused, want 1", round, failed)
			}
		}
	})
}

func TestListUsersFilter(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		coretest.MustUser(t, st, "alice", core.RoleAdmin)
		coretest.MustUser(t, st, "carl", core.RoleClient)
		coretest.MustUser(t, st, "cora", core.RoleClient)
		got, err := st.ListUsers(ctx, core.UserFilter{Role: ptr(core.RoleClient), Query: ptr("OR")})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Login != "cora" {
			t.Fatalf("filtered users = %v", got)
		}
	})
}
