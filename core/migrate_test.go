package core_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestConcurrentMigrateOnPostgres starts several processes' worth of
// migrators on one empty database at once: the advisory lock makes them
// take turns, so all succeed and each migration is applied exactly once.
func TestConcurrentMigrateOnPostgres(t *testing.T) {
	dbURL := coretest.NewPostgresDatabase(t, false)
	ctx := context.Background()
	const n = 4
	stores := make([]*core.Store, n)
	for i := range stores {
		st, err := core.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
	}
	var wg sync.WaitGroup
	applied := make([][]string, n)
	errs := make([]error, n)
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = st.Migrate(ctx)
		}()
	}
	wg.Wait()
	total := 0
	for i := range stores {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	list, err := stores[0].Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(list) {
		t.Fatalf("%d migrations applied in all, want each of %d once", total, len(list))
	}
	for _, m := range list {
		if !m.Applied {
			t.Fatalf("migration %s not applied", m.Name)
		}
	}
	var rows int
	if err := stores[0].DB.NewRaw("SELECT count(*) FROM bun_migrations").Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(list) {
		t.Fatalf("bun_migrations holds %d rows, want %d", rows, len(list))
	}
}

// TestEveryMigrationGoesDownAndUp undoes every migration, newest first,
// down to an empty schema, then applies them all again.
func TestEveryMigrationGoesDownAndUp(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		list, err := st.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(list) - 1; i >= 0; i-- {
			undone, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatalf("down from %s: %v", list[i].Name, err)
			}
			if want := list[i].Name + "_" + list[i].Comment; undone != want {
				t.Fatalf("undid %q, want %q", undone, want)
			}
		}
		if undone, err := st.MigrateDown(ctx); err != nil || undone != "" {
			t.Fatalf("down past the first migration: %q %v", undone, err)
		}
		if _, err := st.CreateInterest(ctx, "x", "#000000"); err == nil {
			t.Fatal("tables remain after every migration went down")
		}
		applied, err := st.Migrate(ctx)
		if err != nil || len(applied) != len(list) {
			t.Fatalf("up again: %d of %d applied, %v", len(applied), len(list), err)
		}
		if _, err := st.CreateInterest(ctx, "x", "#000000"); err != nil {
			t.Fatalf("schema unusable after going down and up: %v", err)
		}
	})
}
