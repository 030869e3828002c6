package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
)

// DefaultDatabaseURL is the embedded SQLite database used when DATABASE_URL
// is unset.
const DefaultDatabaseURL = "sqlite://jayaya.db"

// Engine names returned by Store.Engine.
const (
	EnginePostgres = "postgres"
	EngineSQLite   = "sqlite"
)

// Store is JayayaCRM's storage and the home of its domain services. Its
// exported methods own their transaction; the unexported helpers take a
// bun.IDB so that they compose inside one.
type Store struct {
	DB *bun.DB
	// Now is the clock every time-dependent rule reads. Tests replace it.
	Now func() time.Time
	// SlackChannels, when set (Slack configured), checks the Slack
	// channels routing rules name; without it no rule can be saved.
	SlackChannels SlackChannelChecker

	engine string
	dsn    string
	// replica names this process (Replica); its PostgreSQL sessions
	// carry it as application_name.
	replica string
	// started caches DatabaseStartedAt.
	startMu   sync.Mutex
	started   time.Time
	startRead time.Time
	// nosync is a second pool on PostgreSQL whose sessions commit without
	// waiting for the WAL flush (InTxNoSync); DB itself on SQLite.
	nosync *bun.DB
	// threads caches complete TicketThreads by ticket ID, participants
	// the (ticket, user) pairs known to be stored; both under threadsMu.
	threadsMu    sync.Mutex
	threads      map[int64]TicketThreads
	participants map[[2]int64]bool
	// seenPrunedAt is when expired SeenRequest rows were last deleted
	// (Unix nanoseconds of Now; see MarkRequestSeen).
	seenPrunedAt atomic.Int64
	// loginsPrunedAt is the same for the login failure counts
	// (pruneLoginFailures).
	loginsPrunedAt atomic.Int64
	// recentLogins orders the login checks waiting for the hashing gate.
	recentLogins recentAttempts
	// chanCache is the replica's copy of the channel settings
	// (ChannelLocale), under chanMu; nil until read, or after a change.
	chanMu    sync.Mutex
	chanCache *channelSettingsCache
}

// Engine reports which database engine backs the store: EnginePostgres or
// EngineSQLite.
func (s *Store) Engine() string { return s.engine }

// Replica returns the name of this process in a fleet of replicas
// (host-pid-random, made at Open): the delivery worker's name by default,
// and, prefixed with "jayaya:", the application_name of every PostgreSQL
// session of the store, so that the sessions of a replica declared dead
// can be ended (RescueDeadWorkers).
func (s *Store) Replica() string { return s.replica }

// DSN returns the data source name the store was opened with (for a second,
// dedicated connection such as LISTEN on PostgreSQL).
func (s *Store) DSN() string { return s.dsn }

// Open connects to the database named by a DATABASE_URL value
// (postgres://…, postgresql://… or sqlite://PATH) and checks that it answers.
// It does not migrate. Errors name DATABASE_URL and never include a password.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	if databaseURL == "" {
		databaseURL = DefaultDatabaseURL
	}
	scheme, rest, ok := strings.Cut(databaseURL, "://")
	if !ok {
		return nil, fmt.Errorf("DATABASE_URL: want postgres://… or sqlite://PATH, got %q", redactURL(databaseURL))
	}
	var (
		sqldb  *sql.DB
		db     *bun.DB
		nosync *bun.DB
		engine string
		dsn    string
		err    error
	)
	replica := NewReplicaName()
	switch scheme {
	case "postgres", "postgresql":
		engine, dsn = EnginePostgres, databaseURL
		if sqldb, err = sql.Open("pgx", withParams(dsn, pgSessionParams, appName(replica))); err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %v", err)
		}
		// Few connections: on a small machine, more concurrent statements
		// than cores only add contention inside PostgreSQL (measured with
		// the relay benchmark: past its capacity, 20+10 connections made
		// each message cost three times the CPU that 10+4 do).
		sqldb.SetMaxOpenConns(10)
		sqldb.SetMaxIdleConns(10)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, pgdialect.New())
		nosyncdb, err := sql.Open("pgx", withParams(dsn, pgSessionParams, appName(replica), map[string]string{"synchronous_commit": "off"}))
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %v", err)
		}
		nosyncdb.SetMaxOpenConns(4)
		nosyncdb.SetMaxIdleConns(4)
		nosyncdb.SetConnMaxIdleTime(5 * time.Minute)
		nosync = bun.NewDB(nosyncdb, pgdialect.New())
	case "sqlite", "file":
		engine = EngineSQLite
		if dsn, err = sqliteDSN(rest); err != nil {
			return nil, err
		}
		if err = createSQLiteFile(rest); err != nil {
			return nil, err
		}
		if sqldb, err = sql.Open("sqlite", dsn); err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %v", err)
		}
		// One writer at a time is SQLite's model; a single connection also
		// keeps BEGIN IMMEDIATE transactions from deadlocking each other.
		sqldb.SetMaxOpenConns(1)
		db = bun.NewDB(sqldb, sqlitedialect.New())
		nosync = db
	default:
		return nil, fmt.Errorf("DATABASE_URL: unknown scheme %q (want postgres:// or sqlite://)", scheme)
	}
	registerModels(db)
	if nosync != db {
		registerModels(nosync)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		nosync.Close()
		return nil, fmt.Errorf("DATABASE_URL: cannot reach %s database at %s: %v", engine, redactURL(databaseURL), redactErr(err, databaseURL))
	}
	return &Store{DB: db, Now: time.Now, engine: engine, dsn: dsn, nosync: nosync, replica: replica}, nil
}

// pgSessionParams are added to every PostgreSQL connection of the pool.
// bun writes every value into the SQL text itself, so no statement has
// parameters and every one is unique: the simple query protocol runs each
// in one round trip, where the driver's default would prepare (and cache,
// and evict) a statement for each.
//
// The few statements prepared on purpose (prepared.go) are planned on every
// call (plan_cache_mode): a plan cached once would be kept for the life of
// the connection, and one made while a table was a page or two long (a new
// database, the outbox at start) reads the whole table on every call once
// it has grown.
var pgSessionParams = map[string]string{"default_query_exec_mode": "simple_protocol", "plan_cache_mode": "force_custom_plan"}

// withParams adds query parameters to a postgres:// URL or a key=value DSN,
// keeping any the operator set.
func withParams(dsn string, params ...map[string]string) string {
	u, err := url.Parse(dsn)
	isURL := err == nil && u.Scheme != ""
	var q url.Values
	if isURL {
		q = u.Query()
	}
	for _, ps := range params {
		for k, v := range ps {
			switch {
			case isURL && !q.Has(k):
				q.Set(k, v)
			case !isURL && !regexp.MustCompile(`(^|\s)`+regexp.QuoteMeta(k)+`\s*=`).MatchString(dsn):
				dsn += " " + k + "=" + v
			}
		}
	}
	if isURL {
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn
}

// Close closes the database handle.
func (s *Store) Close() error {
	err := s.DB.Close()
	if s.nosync != nil && s.nosync != s.DB {
		err = errors.Join(err, s.nosync.Close())
	}
	return err
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

// sqliteDSN turns the part after sqlite:// into a modernc.org/sqlite DSN
// with the pragmas the product relies on.
func sqliteDSN(path string) (string, error) {
	path, query, _ := strings.Cut(path, "?")
	if path == "" {
		return "", errors.New("DATABASE_URL: sqlite:// needs a file path, for example sqlite://jayaya.db")
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "." {
			if _, err := os.Stat(dir); err != nil {
				return "", fmt.Errorf("DATABASE_URL: directory of the SQLite file: %v", err)
			}
		}
	}
	params := url.Values{}
	if query != "" {
		var err error
		if params, err = url.ParseQuery(query); err != nil {
			return "", fmt.Errorf("DATABASE_URL: %v", err)
		}
	}
	for _, p := range []string{"foreign_keys(1)", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
		params.Add("_pragma", p)
	}
	params.Set("_txlock", "immediate")
	return "file:" + path + "?" + params.Encode(), nil
}

// redactURL hides the password of a database URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func redactErr(err error, raw string) string {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if pw, has := u.User.Password(); has && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// inTx runs fn in a transaction on the store's database.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.DB.RunInTx(ctx, nil, fn)
}

// InTx runs fn inside one database transaction, committing when fn returns
// nil and rolling back otherwise. Other packages use it to store an inbound
// message and its outbox deliveries together.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.inTx(ctx, fn)
}

// InTxNoSync is InTx for records that may be lost in a crash of the
// database server (not of this process) without harm: on PostgreSQL its
// commit does not wait for the WAL to reach the disk, which takes a disk
// sync (several milliseconds here) off the caller's path. A committed
// transaction survives any crash of JayayaCRM itself; only a PostgreSQL or
// machine crash in the next fraction of a second can undo it.
func (s *Store) InTxNoSync(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.noSync().RunInTx(ctx, nil, fn)
}

// noSync is the pool of InTxNoSync (the store's own on SQLite and on a
// Store built without Open).
func (s *Store) noSync() *bun.DB {
	if s.nosync == nil {
		return s.DB
	}
	return s.nosync
}

// processStart is when this process started (SQLite's "database start").
var processStart = time.Now()

// DatabaseStartedAt returns when the database last started: the server's
// start on PostgreSQL (read at most once a second), this process's start
// on SQLite, whose database lives and dies with it. A commit made without
// waiting for the disk (InTxNoSync) can only have been lost if it is older
// than that.
func (s *Store) DatabaseStartedAt(ctx context.Context) (time.Time, error) {
	if s.engine != EnginePostgres {
		return processStart, nil
	}
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if time.Since(s.startRead) < time.Second {
		return s.started, nil
	}
	var t time.Time
	if err := s.DB.QueryRowContext(ctx, "SELECT pg_postmaster_start_time()").Scan(&t); err != nil {
		return time.Time{}, err
	}
	s.started, s.startRead = t, time.Now()
	return t, nil
}

// Notify sends a PostgreSQL notification on channel, in a statement of
// its own that does not wait for a disk flush. On SQLite it does nothing.
func (s *Store) Notify(ctx context.Context, channel string) error {
	if s.engine != EnginePostgres {
		return nil
	}
	_, err := s.noSync().ExecContext(ctx, "SELECT pg_notify(?, '')", channel)
	return err
}

// forUpdate adds FOR UPDATE on PostgreSQL; SQLite transactions already hold
// the write lock (BEGIN IMMEDIATE).
func (s *Store) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if s.engine == EnginePostgres {
		return q.For("UPDATE")
	}
	return q
}

// isUniqueViolation reports whether err is a unique-constraint violation on
// either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "UNIQUE constraint failed")
}

// now returns the store's clock reading, in UTC, rounded to microseconds as
// both databases keep it.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }
