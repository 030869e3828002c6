package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestAuthenticateCountsFailuresInTheDatabase(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		if _, err := st.CreateUser(ctx, core.NewUser{Login: "ada", Name: "Ada", Role: core.RoleAdmin, Password: "right password"}); err != nil {
			t.Fatal(err)
		}
		if u, err := st.Authenticate(ctx, " ADA ", "right password", "192.0.2.1"); err != nil || u.Login != "ada" {
			t.Fatalf("good login: %v %v", u, err)
		}
		// A failure long after the previous one starts the count again, so
		// occasional typos never lock.
		for i := 0; i < 2*core.LoginMaxFailures; i++ {
			clock.Advance(core.LoginLockout + time.Second)
			if _, err := st.Authenticate(ctx, "ada", "wrong", ""); core.ErrorMessage(err) != core.BadLoginMessage {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if _, err := st.Authenticate(ctx, "ada", "right password", ""); err != nil {
			t.Fatalf("slow failures locked the login: %v", err)
		}
		// Failures at once, from several replicas, lock it.
		var wg sync.WaitGroup
		for i := 0; i < core.LoginMaxFailures; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				addr := fmt.Sprintf("198.51.100.%d", i) // each from an address of its own
				if _, err := st.Authenticate(ctx, "ada", "wrong", addr); core.ErrorCode(err) != core.EFORBIDDEN {
					t.Errorf("wrong password: %v", err)
				}
			}()
		}
		wg.Wait()
		if _, err := st.Authenticate(ctx, "ada", "right password", ""); core.ErrorMessage(err) != core.BadLoginMessage {
			t.Fatalf("locked login let in: %v", err)
		}
		clock.Advance(core.LoginLockout)
		if _, err := st.Authenticate(ctx, "ada", "right password", ""); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
		failed := "login.failed"
		list, err := st.ListAudit(ctx, core.AuditFilter{Action: &failed})
		if err != nil || len(list) == 0 || list[0].SubjectName != "ada" || list[0].ActorID != nil {
			t.Fatalf("failed logins in the audit log: %+v %v", list, err)
		}
	})
}

// The failure counts of an address, and of logins, go once they no longer
// count: a flood of unknown logins leaves the tables as it found them.
func TestLoginFailureCountsExpire(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		if _, err := st.CreateUser(ctx, core.NewUser{Login: "ada", Name: "Ada", Role: core.RoleAdmin, Password: "right password"}); err != nil {
			t.Fatal(err)
		}
		count := func(table string) int {
			t.Helper()
			var n int
			if err := st.DB.NewSelect().Table(table).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for i := range core.LoginIPMaxFailures {
			addr := fmt.Sprintf("192.0.2.%d", i%4)
			if _, err := st.Authenticate(ctx, fmt.Sprintf("ghost%d", i), "x", addr); core.ErrorCode(err) != core.EFORBIDDEN {
				t.Fatalf("unknown login: %v", err)
			}
		}
		if _, err := st.Authenticate(ctx, "ada", "wrong", "192.0.2.9"); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("wrong password: %v", err)
		}
		if a, l := count("login_ip_failures"), count("login_failures"); a != 5 || l != 1 {
			t.Fatalf("%d address rows, %d login rows; want 5 and 1 (none per unknown name)", a, l)
		}
		clock.Advance(core.LoginLockout + 2*time.Minute)
		if _, err := st.Authenticate(ctx, "ada", "right password", "192.0.2.10"); err != nil {
			t.Fatalf("good login: %v", err)
		}
		if a, l := count("login_ip_failures"), count("login_failures"); a != 0 || l != 0 {
			t.Fatalf("%d address rows, %d login rows left once they no longer count; want 0", a, l)
		}
	})
}
