// Package coretest gives tests a fresh, migrated JayayaCRM database on
// PostgreSQL or SQLite, and a controllable clock.
//
// PostgreSQL comes from TEST_DATABASE_URL, or the local server at
// 127.0.0.1:5432 (user postgres, trust auth). When it cannot be reached the
// PostgreSQL tests skip, unless JAYAYA_REQUIRE_POSTGRES=1 (as .ci/run sets),
// in which case they fail.
package coretest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"flag"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/migrations"
)

// DefaultPostgresURL is the local test server used when TEST_DATABASE_URL
// is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresURL returns the URL of the PostgreSQL server tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// RequirePostgres reports whether PostgreSQL tests must fail rather than
// skip when the server cannot be reached.
func RequirePostgres() bool { return os.Getenv("JAYAYA_REQUIRE_POSTGRES") == "1" }

var (
	pgOnce     sync.Once
	pgAdmin    *sql.DB
	pgTemplate string
	pgErr      error
)

// withDatabase returns rawURL with its database name replaced.
func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.Path = "/" + name
	return u.String()
}

// schemaHash names the template database after the migrations it holds, so
// a changed migration gets a fresh template.
func schemaHash() string {
	h := sha256.New()
	fsys, _ := migrations.FS("pg")
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(fsys, p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// preparePostgres connects to the server and makes sure a migrated template
// database exists, once per test process.
func preparePostgres() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		pgErr = err
		return
	}
	pingCtx, pcancel := context.WithTimeout(ctx, 3*time.Second)
	defer pcancel()
	if err := admin.PingContext(pingCtx); err != nil {
		admin.Close()
		pgErr = err
		return
	}
	pgTemplate = "jayaya_tmpl_" + schemaHash()
	// Several test binaries run at once: one builds the template, the
	// others wait on the advisory lock and then find it ready.
	conn, err := admin.Conn(ctx)
	if err != nil {
		pgErr = err
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7318461099)"); err != nil {
		pgErr = err
		return
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7318461099)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", pgTemplate).Scan(&exists); err != nil {
		pgErr = err
		return
	}
	if !exists {
		// Built under another name and renamed once migrated, so that a
		// run cut short (a timeout, a kill) never leaves a half-built
		// template behind for the next runs to copy.
		building := pgTemplate + "_building"
		if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building); err != nil {
			pgErr = err
			return
		}
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
			pgErr = err
			return
		}
		st, err := core.Open(ctx, withDatabase(PostgresURL(), building))
		if err != nil {
			pgErr = err
			return
		}
		_, err = st.Migrate(ctx)
		st.Close()
		if err == nil {
			_, err = conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+pgTemplate)
		}
		if err != nil {
			conn.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+building)
			pgErr = err
			return
		}
	}
	pgAdmin = admin
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// NewPostgresDatabase creates an empty (unmigrated) database for tb, dropped
// when the test ends, and returns its URL. It skips or fails like
// MustOpenPostgres when the server is unreachable.
func NewPostgresDatabase(tb testing.TB, template bool) string {
	tb.Helper()
	pgOnce.Do(preparePostgres)
	if pgErr != nil {
		if RequirePostgres() {
			tb.Fatalf("PostgreSQL required (JAYAYA_REQUIRE_POSTGRES=1) but not usable at %s: %v", PostgresURL(), pgErr)
		}
		tb.Skipf("PostgreSQL not reachable at %s (set TEST_DATABASE_URL): %v", PostgresURL(), pgErr)
	}
	name := randomName("jayaya_t_")
	stmt := "CREATE DATABASE " + name
	if template {
		stmt += " TEMPLATE " + pgTemplate
	}
	var err error
	for i := 0; i < 50; i++ {
		if _, err = pgAdmin.Exec(stmt); err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := pgAdmin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(PostgresURL(), name)
}

// MustOpenPostgres returns a store on a fresh, migrated PostgreSQL database
// cloned from a template, closed and dropped when the test ends.
func MustOpenPostgres(tb testing.TB) *core.Store {
	tb.Helper()
	return mustOpen(tb, NewPostgresDatabase(tb, true))
}

// The migrated SQLite database every MustOpenSQLite copies, made once
// per test process.
var (
	sqliteOnce     sync.Once
	sqliteTemplate []byte
	sqliteErr      error
)

// prepareSQLite migrates a SQLite database in a temporary directory and
// keeps its file's bytes: a test's fresh database is then a copy, as a
// PostgreSQL one is a clone of the template, rather than a migration of
// its own (half a second or more under the race detector).
func prepareSQLite() {
	dir, err := os.MkdirTemp("", "jayaya-sqlite-template-")
	if err != nil {
		sqliteErr = err
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	st, err := core.Open(ctx, "sqlite://"+path)
	if err != nil {
		sqliteErr = err
		return
	}
	// The checkpoint moves everything from the write-ahead log into the
	// database file, which alone is copied.
	if _, err = st.Migrate(ctx); err == nil {
		_, err = st.DB.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		sqliteErr = err
		return
	}
	sqliteTemplate, sqliteErr = os.ReadFile(path)
}

// MustOpenSQLite returns a store on a fresh, migrated SQLite file in a
// temporary directory: a copy of a database migrated once per test
// process.
func MustOpenSQLite(tb testing.TB) *core.Store {
	tb.Helper()
	sqliteOnce.Do(prepareSQLite)
	if sqliteErr != nil {
		tb.Fatalf("migrated SQLite template: %v", sqliteErr)
	}
	path := filepath.Join(tb.TempDir(), "test.db")
	if err := os.WriteFile(path, sqliteTemplate, 0o600); err != nil {
		tb.Fatal(err)
	}
	return mustOpen(tb, "sqlite://"+path)
}

// mustOpen opens the already migrated database at dbURL, closed when the
// test ends.
func mustOpen(tb testing.TB, dbURL string) *core.Store {
	tb.Helper()
	st, err := core.Open(context.Background(), dbURL)
	if err != nil {
		tb.Fatalf("open %s: %v", dbURL, err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// MustOpenDB returns a fresh migrated store on the named engine
// (core.EnginePostgres or core.EngineSQLite).
func MustOpenDB(tb testing.TB, engine string) *core.Store {
	tb.Helper()
	switch engine {
	case core.EnginePostgres:
		return MustOpenPostgres(tb)
	case core.EngineSQLite:
		return MustOpenSQLite(tb)
	}
	tb.Fatalf("unknown engine %q", engine)
	return nil
}

// Engines lists the engines every storage test runs on.
var Engines = []string{core.EnginePostgres, core.EngineSQLite}

// ForEachEngine runs fn as a parallel subtest per engine, each with its own
// fresh database.
func ForEachEngine(t *testing.T, fn func(t *testing.T, st *core.Store)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			fn(t, MustOpenDB(t, e))
		})
	}
}

// CheapPasswordHashing makes the test binary hash new passwords at a
// tiny argon2id cost (64 KiB, 1 pass) instead of the production one
// (19 MiB, 2 passes, about a second under the race detector), unless it
// runs benchmarks (-test.bench), which measure the real cost. Call it from
// TestMain before m.Run, in packages whose tests log in many times. The
// release build's test checks that the binary itself hashes at the real
// cost.
func CheapPasswordHashing() {
	if !flag.Parsed() {
		flag.Parse()
	}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		return
	}
	core.SetTestPasswordCost(64, 1)
}

// Clock is a settable clock for Store.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// MustUser creates a user with the given login and role (a fmt-style helper
// for tests); it fails the test on error.
func MustUser(tb testing.TB, st *core.Store, login, role string) *core.User {
	tb.Helper()
	u, err := st.CreateUser(context.Background(), core.NewUser{Login: login, Name: strings.ToUpper(login[:1]) + login[1:], Role: role})
	if err != nil {
		tb.Fatalf("create user %s: %v", login, err)
	}
	return u
}
