package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestSessionsExpireAndFollowTheUser(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		sam := coretest.MustUser(t, st, "sam", core.RoleStaff)
		token, err := st.CreateSession(ctx, sam.ID, "", "192.0.2.1", "test")
		if err != nil || len(token) != 43 {
			t.Fatalf("session token %q: %v", token, err)
		}
		var stored string
		if err := st.DB.NewSelect().Table("sessions").Column("id_hash").Scan(ctx, &stored); err != nil {
			t.Fatal(err)
		}
		if stored == token || strings.Contains(stored, token) {
			t.Fatal("the database keeps the session token itself")
		}
		if u, err := st.SessionUser(ctx, token); err != nil || u.ID != sam.ID {
			t.Fatalf("live session: %v %v", u, err)
		}
		if _, err := st.SessionUser(ctx, token[:42]+"x"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("a forged token: %v", err)
		}
		clock.Advance(core.SessionTTL - time.Second)
		if _, err := st.SessionUser(ctx, token); err != nil {
			t.Fatalf("session before its end: %v", err)
		}
		clock.Advance(time.Second)
		if _, err := st.SessionUser(ctx, token); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("expired session: %v", err)
		}
		// A new login sweeps expired sessions away.
		if _, err := st.CreateSession(ctx, sam.ID, "", "", ""); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.DB.NewSelect().Table("sessions").ColumnExpr("count(*)").Scan(ctx, &n); err != nil || n != 1 {
			t.Fatalf("%d sessions after the sweep (%v)", n, err)
		}
		// A user who became a client may keep no session.
		other, _ := st.CreateSession(ctx, sam.ID, "", "", "")
		if _, err := st.UpdateUser(ctx, sam.ID, core.UserUpdate{Role: ptr(core.RoleClient)}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionUser(ctx, other); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("a client's session: %v", err)
		}
		if _, err := st.CreateSession(ctx, 424242, "", "", ""); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("session for no user: %v", err)
		}
	})
}

// TestAdminMigrationsGoDownAndUp undoes the panel's migrations (040–043)
// and everything after them, checks the tables are gone, and reapplies.
func TestAdminMigrationsGoDownAndUp(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		var undone []string
		for {
			name, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatal(err)
			}
			undone = append(undone, name)
			if strings.HasPrefix(name, "040_") || name == "" {
				break
			}
		}
		for _, table := range []string{"sessions", "audit_log", "login_failures", "setup_tokens"} {
			if _, err := st.DB.ExecContext(ctx, "SELECT count(*) FROM "+table); err == nil {
				t.Fatalf("table %s still there after undoing %v", table, undone)
			}
		}
		applied, err := st.Migrate(ctx)
		if err != nil || len(applied) != len(undone) {
			t.Fatalf("reapplied %v (%v), undid %v", applied, err, undone)
		}
		if _, err := st.NewSetupToken(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
