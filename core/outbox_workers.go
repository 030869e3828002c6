package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// WorkerDeadAfter is how long a delivery worker's liveness row may go
// without a heartbeat before the worker counts as dead: its leases are
// then released for the others (RescueDeadWorkers).
const WorkerDeadAfter = 2 * time.Second

// OutboxWorker is the liveness row of one running delivery worker (one
// per replica): Pulse.Beat refreshes BeatAt, with the database's clock on
// PostgreSQL.
type OutboxWorker struct {
	bun.BaseModel `bun:"table:outbox_workers"`

	Name      string    `bun:"name,pk"`
	StartedAt time.Time `bun:"started_at,notnull"`
	BeatAt    time.Time `bun:"beat_at,notnull"`
}

// Pulse refreshes one worker's liveness row. On PostgreSQL it does so on
// a connection of its own, so that a pool busy with the relay never holds
// a heartbeat up, and reconnects after a failure. Its methods may be
// called from several goroutines; they take turns.
type Pulse struct {
	s    *Store
	name string

	mu   sync.Mutex // one Beat or Retire at a time on conn
	conn *pgx.Conn  // PostgreSQL only; nil until the first Beat or after a failure
}

// NewPulse returns the pulse of worker name; nothing is written before
// its first Beat.
func (s *Store) NewPulse(name string) *Pulse { return &Pulse{s: s, name: name} }

// Beat refreshes the worker's row. It reports whether the row was
// missing and had to be written anew: at the first beat, or because
// another replica declared the worker dead and released its leases
// meanwhile (the worker must then assume that what it leased before is no
// longer its own).
func (p *Pulse) Beat(ctx context.Context) (inserted bool, err error) {
	if p.s.engine != EnginePostgres {
		return p.beatSQLite(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		if p.conn, err = pgx.Connect(ctx, p.s.connDSN()); err != nil {
			p.conn = nil
			return false, err
		}
	}
	inserted, err = p.beatPG(ctx)
	if err != nil {
		p.conn.Close(context.WithoutCancel(ctx))
		p.conn = nil
	}
	return inserted, err
}

// beatPG refreshes the row on p.conn, with the database's clock, so that
// replicas whose clocks disagree still agree on who is alive.
func (p *Pulse) beatPG(ctx context.Context) (bool, error) {
	tag, err := p.conn.Exec(ctx, "UPDATE outbox_workers SET beat_at = clock_timestamp() WHERE name = $1", p.name)
	if err != nil || tag.RowsAffected() == 1 {
		return false, err
	}
	_, err = p.conn.Exec(ctx, `INSERT INTO outbox_workers (name, started_at, beat_at)
VALUES ($1, clock_timestamp(), clock_timestamp())
ON CONFLICT (name) DO UPDATE SET beat_at = EXCLUDED.beat_at`, p.name)
	return err == nil, err
}

// beatSQLite is Beat on SQLite, through the store's one connection and
// with its clock.
func (p *Pulse) beatSQLite(ctx context.Context) (bool, error) {
	now := p.s.now()
	res, err := p.s.DB.NewUpdate().Model((*OutboxWorker)(nil)).Set("beat_at = ?", now).Where("name = ?", p.name).Exec(ctx)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return false, nil
	}
	row := &OutboxWorker{Name: p.name, StartedAt: now, BeatAt: now}
	_, err = p.s.DB.NewInsert().Model(row).On("CONFLICT (name) DO UPDATE").Set("beat_at = EXCLUDED.beat_at").Exec(ctx)
	return err == nil, err
}

// Retire deletes the worker's row (a clean stop: it holds nothing any
// more) and closes the pulse's connection.
func (p *Pulse) Retire(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		p.conn.Close(ctx)
		p.conn = nil
	}
	_, err := p.s.DB.NewDelete().Model((*OutboxWorker)(nil)).Where("name = ?", p.name).Exec(ctx)
	return err
}

// Rescue is what RescueDeadWorkers did: the dead workers whose rows it
// deleted, and how many pending deliveries they had leased, now free.
type Rescue struct {
	Workers    []string
	Deliveries int
}

// RescueDeadWorkers deletes the rows of the workers whose last heartbeat
// is older than deadAfter and, in the same statement, releases the
// pending deliveries they leased, so that any worker may claim them at
// once rather than when their leases end. The attempts those workers made
// stay counted, so the next one looks on the platform for what they may
// have sent (MayHaveBeenTried). A worker that was only paused finds its
// row gone at its next Beat; whatever it then records of those
// deliveries is refused (they are no longer leased to it).
//
// A lease held by a name with no row (a worker of an older version, or
// one that never beat) is left to run out.
func (s *Store) RescueDeadWorkers(ctx context.Context, deadAfter time.Duration) (Rescue, error) {
	var r Rescue
	if s.engine == EnginePostgres {
		// The sessions of a dead replica first: one that is paused keeps
		// its open transaction, and with it the row and stream locks the
		// others now need (storing what it was storing, releasing what it
		// leased). Ended, they roll back and let go.
		var dead []string
		err := s.noSync().NewSelect().Model((*OutboxWorker)(nil)).Column("name").
			Where("beat_at < clock_timestamp() - ? * interval '1 second'", deadAfter.Seconds()).Scan(ctx, &dead)
		if err != nil || len(dead) == 0 {
			return r, err
		}
		if err := s.endSessions(ctx, dead); err != nil {
			return r, err
		}
		rows, err := s.noSync().QueryContext(ctx, pgRescueDeadWorkers, deadAfter.Seconds())
		if err != nil {
			return r, err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var n int
			if err := rows.Scan(&name, &n); err != nil {
				return r, err
			}
			r.Workers = append(r.Workers, name)
			r.Deliveries += n
		}
		return r, rows.Err()
	}
	err := s.InTxNoSync(ctx, func(ctx context.Context, tx bun.Tx) error {
		r = Rescue{}
		now := s.now()
		var dead []*OutboxWorker
		if err := tx.NewSelect().Model(&dead).Where("beat_at < ?", now.Add(-deadAfter)).Scan(ctx); err != nil || len(dead) == 0 {
			return err
		}
		for _, w := range dead {
			r.Workers = append(r.Workers, w.Name)
		}
		res, err := tx.NewUpdate().Model((*Delivery)(nil)).
			Set("locked_by = ''").Set("locked_until = NULL").Set("updated_at = ?", now).
			Where("status = ? AND locked_by IN (?)", DeliveryPending, bun.In(r.Workers)).Exec(ctx)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		r.Deliveries = int(n)
		_, err = tx.NewDelete().Model((*OutboxWorker)(nil)).Where("name IN (?)", bun.In(r.Workers)).Exec(ctx)
		return err
	})
	return r, err
}

// endSessions ends the PostgreSQL sessions of the replicas named (their
// application_name, Replica), waiting up to a second for each to go.
func (s *Store) endSessions(ctx context.Context, replicas []string) error {
	names := make([]string, len(replicas))
	for i, r := range replicas {
		names[i] = appName(r)["application_name"]
	}
	_, err := s.noSync().ExecContext(ctx, `SELECT pg_terminate_backend(pid, 1000) FROM pg_stat_activity
WHERE application_name IN (?) AND pid <> pg_backend_pid()`, bun.In(names))
	return err
}

// pgRescueDeadWorkers is RescueDeadWorkers' statement on PostgreSQL: one
// row per dead worker, with the number of deliveries released. A beat
// committed meanwhile keeps its worker's row (the DELETE checks the row
// again once the beat's lock is gone).
const pgRescueDeadWorkers = `WITH dead AS (
	DELETE FROM outbox_workers WHERE beat_at < clock_timestamp() - ? * interval '1 second' RETURNING name
), freed AS (
	UPDATE deliveries AS d SET locked_by = '', locked_until = NULL, updated_at = clock_timestamp()
	FROM dead WHERE d.locked_by = dead.name AND d.status = 'pending'
	RETURNING dead.name
)
SELECT dead.name, (SELECT count(*) FROM freed WHERE freed.name = dead.name) FROM dead`

// LiveWorkers returns the names of the workers whose last heartbeat is
// at most deadAfter old, sorted.
func (s *Store) LiveWorkers(ctx context.Context, deadAfter time.Duration) ([]string, error) {
	var names []string
	q := s.DB.NewSelect().Model((*OutboxWorker)(nil)).Column("name").OrderExpr("name")
	if s.engine == EnginePostgres {
		q = q.Where("beat_at >= clock_timestamp() - ? * interval '1 second'", deadAfter.Seconds())
	} else {
		q = q.Where("beat_at >= ?", s.now().Add(-deadAfter))
	}
	return names, q.Scan(ctx, &names)
}

// NewReplicaName returns a name for a process, host-pid-random, short
// enough for PostgreSQL's application_name (63 bytes) once prefixed.
func NewReplicaName() string {
	host, _ := os.Hostname()
	if len(host) > 32 {
		host = host[:32]
	}
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// appName is the application_name parameter of a replica's sessions.
func appName(replica string) map[string]string {
	return map[string]string{"application_name": "jayaya:" + replica}
}

// connDSN is the DSN of a connection of the store's own (LISTEN, a
// worker's pulse): named like the pools' sessions.
func (s *Store) connDSN() string { return withParams(s.dsn, appName(s.replica)) }
