package core_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// migrationLockKey is core's migration advisory lock (core/migrate.go).
const migrationLockKey = 7_318_461_002

func TestPendingMigrationsChangesNothing(t *testing.T) {
	ctx := context.Background()
	for engine, dbURL := range map[string]string{
		core.EngineSQLite:   "sqlite://" + filepath.Join(t.TempDir(), "new.db"),
		core.EnginePostgres: coretest.NewPostgresDatabase(t, false),
	} {
		t.Run(engine, func(t *testing.T) {
			st, err := core.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			pending, err := st.PendingMigrations(ctx)
			if err != nil || len(pending) == 0 || pending[0] != "001_foundation" || !slices.IsSorted(pending) {
				t.Fatalf("fresh database: %v %v", pending, err)
			}
			// Asking created no bookkeeping table: asking again is the same,
			// and migrating applies exactly that list.
			again, err := st.PendingMigrations(ctx)
			if err != nil || !slices.Equal(again, pending) {
				t.Fatalf("asked again: %v %v", again, err)
			}
			applied, err := st.Migrate(ctx)
			if err != nil || !slices.Equal(applied, pending) {
				t.Fatalf("migrate applied %v (%v), doctor promised %v", applied, err, pending)
			}
			if left, err := st.PendingMigrations(ctx); err != nil || len(left) != 0 {
				t.Fatalf("after migrate: %v %v", left, err)
			}
			undone, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if left, err := st.PendingMigrations(ctx); err != nil || !slices.Equal(left, []string{undone}) {
				t.Fatalf("after undoing %s: %v %v", undone, left, err)
			}
		})
	}
}

func TestMigrationsRunning(t *testing.T) {
	ctx := context.Background()
	if running, err := coretest.MustOpenSQLite(t).MigrationsRunning(ctx); running || err != nil {
		t.Fatalf("sqlite: %v %v", running, err)
	}
	st := coretest.MustOpenPostgres(t)
	if running, err := st.MigrationsRunning(ctx); running || err != nil {
		t.Fatalf("idle: %v %v", running, err)
	}
	// A migration of another database on the same server does not count.
	other := coretest.MustOpenPostgres(t)
	oconn, err := other.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer oconn.Close()
	if _, err := oconn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	if running, err := st.MigrationsRunning(ctx); running || err != nil {
		t.Fatalf("another database migrating: %v %v", running, err)
	}
	if _, err := oconn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	// Another process (here: a dedicated connection) holds the lock, as
	// Migrate does while it works.
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	if running, err := st.MigrationsRunning(ctx); !running || err != nil {
		t.Fatalf("locked: %v %v", running, err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	if running, err := st.MigrationsRunning(ctx); running || err != nil {
		t.Fatalf("unlocked: %v %v", running, err)
	}
}
