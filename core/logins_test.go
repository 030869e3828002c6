package core_test

import (
	"context"
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
				if _, err := st.Authenticate(ctx, "ada", "wrong", ""); core.ErrorCode(err) != core.EFORBIDDEN {
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
