package core

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/jayaya/jayayacrm/migrations"
)

// PendingMigrations lists, oldest first, the migrations this binary knows
// that the database has not applied. Unlike Migrations it changes nothing:
// it creates no bookkeeping table, so `jayaya doctor` may call it on any
// database.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	fsys, err := migrations.FS(s.DB.Dialect().Name().String())
	if err != nil {
		return nil, err
	}
	known := migrate.NewMigrations()
	if err := known.Discover(fsys); err != nil {
		return nil, err
	}
	var exists bool
	if s.engine == EnginePostgres {
		err = s.DB.NewRaw("SELECT to_regclass('bun_migrations') IS NOT NULL").Scan(ctx, &exists)
	} else {
		err = s.DB.NewRaw("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bun_migrations')").Scan(ctx, &exists)
	}
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var pending []string
	if !exists {
		for _, mig := range known.Sorted() {
			pending = append(pending, mig.Name+"_"+mig.Comment)
		}
		return pending, nil
	}
	all, err := migrate.NewMigrator(s.DB, known).MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	for _, mig := range all {
		if !mig.IsApplied() {
			pending = append(pending, mig.Name+"_"+mig.Comment)
		}
	}
	return pending, nil
}

// MigrationsRunning reports whether some process is migrating the database
// right now: on PostgreSQL, whether the migration advisory lock is held
// (by this process or another, such as a newer replica rolling out).
// SQLite serves one process, whose migrations finish before it serves, so
// there it is always false.
func (s *Store) MigrationsRunning(ctx context.Context) (bool, error) {
	if s.engine != EnginePostgres {
		return false, nil
	}
	// A bigint advisory key shows in pg_locks as classid (high 32 bits),
	// objid (low 32 bits) and objsubid 1. Advisory locks belong to one
	// database: a migration of another database on the same server (its
	// own lock of the same key) does not count.
	var held bool
	err := s.DB.NewRaw(`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1)`,
		int64(migrationLockKey>>32), int64(migrationLockKey&0xffffffff)).Scan(ctx, &held)
	return held, err
}
