package core_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// twoReplicas opens two stores on one fresh, migrated database of engine,
// as two jayaya processes would.
func twoReplicas(t *testing.T, engine string) (a, b *core.Store) {
	t.Helper()
	ctx := context.Background()
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "shared.db")
	if engine == core.EnginePostgres {
		dbURL = coretest.NewPostgresDatabase(t, true)
	}
	open := func() *core.Store {
		st, err := core.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b = open(), open()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestMarkRequestSeen: a request key is new once, on every replica, until
// it expires; expired keys are deleted, so the table stays small.
func TestMarkRequestSeen(t *testing.T) {
	for _, engine := range coretest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a, b := twoReplicas(t, engine)
			clock := coretest.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
			a.Now, b.Now = clock.Now, clock.Now
			until := clock.Now().Add(6 * time.Minute)
			mark := func(st *core.Store, key string) bool {
				t.Helper()
				first, err := st.MarkRequestSeen(ctx, key, until)
				if err != nil {
					t.Fatal(err)
				}
				return first
			}
			rows := func() int64 {
				t.Helper()
				n, err := a.DB.NewSelect().Model((*core.SeenRequest)(nil)).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}

			if !mark(a, "slack:v0=1") {
				t.Fatal("a new key was taken for a replay")
			}
			if mark(a, "slack:v0=1") || mark(b, "slack:v0=1") {
				t.Fatal("a replay was taken for new, on the same or the other replica")
			}
			if !mark(b, "slack:v0=2") || mark(a, "slack:v0=2") {
				t.Fatal("a key first seen on the other replica")
			}

			// Past their expiry the keys are deleted by the next call that
			// comes due (at most a minute later), on either replica.
			clock.Advance(6*time.Minute + time.Second)
			until = clock.Now().Add(6 * time.Minute)
			if !mark(b, "slack:v0=3") {
				t.Fatal("a new key after the expiry")
			}
			if n := rows(); n != 1 {
				t.Fatalf("%d keys kept, want only the live one", n)
			}
			if mark(a, "slack:v0=3") {
				t.Fatal("the live key was forgotten")
			}
		})
	}
}
