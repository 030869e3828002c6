package core

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/jayaya/jayayacrm/migrations"
)

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations run by several processes at once.
const migrationLockKey = 7_318_461_002

// MigrationState describes one migration and whether it is applied.
type MigrationState struct {
	Name    string
	Comment string
	Applied bool
}

func (s *Store) migrator() (*migrate.Migrator, error) {
	fsys, err := migrations.FS(s.DB.Dialect().Name().String())
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(fsys); err != nil {
		return nil, err
	}
	return migrate.NewMigrator(s.DB, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// withMigrationLock runs fn while holding the migration lock: a PostgreSQL
// advisory lock on a dedicated connection (waited for, not failed on), or
// nothing on single-process SQLite.
func (s *Store) withMigrationLock(ctx context.Context, fn func() error) error {
	if s.engine != EnginePostgres {
		return fn()
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey)
	return fn()
}

// Migrate applies every pending migration and returns the names applied.
// Concurrent callers on one PostgreSQL database wait for each other.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	m, err := s.migrator()
	if err != nil {
		return nil, err
	}
	var applied []string
	err = s.withMigrationLock(ctx, func() error {
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("migrate: init: %w", err)
		}
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, mig := range group.Migrations {
			applied = append(applied, mig.Name+"_"+mig.Comment)
		}
		return nil
	})
	return applied, err
}

// MigrateDown undoes the most recently applied migration and returns its
// name, or "" when none is applied.
func (s *Store) MigrateDown(ctx context.Context) (string, error) {
	m, err := s.migrator()
	if err != nil {
		return "", err
	}
	var undone string
	err = s.withMigrationLock(ctx, func() error {
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("migrate: init: %w", err)
		}
		all, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		applied := all.Applied() // newest first
		if len(applied) == 0 {
			return nil
		}
		last := &applied[0]
		if last.Down != nil {
			if err := last.Down(ctx, m, last); err != nil {
				return fmt.Errorf("migrate: %s down: %w", last.Name, err)
			}
		}
		if err := m.MarkUnapplied(ctx, last); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		undone = last.Name + "_" + last.Comment
		return nil
	})
	return undone, err
}

// Migrations lists every known migration with its state, oldest first.
func (s *Store) Migrations(ctx context.Context) ([]MigrationState, error) {
	m, err := s.migrator()
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("migrate: init: %w", err)
	}
	all, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationState, 0, len(all))
	for _, mig := range all {
		out = append(out, MigrationState{Name: mig.Name, Comment: mig.Comment, Applied: mig.IsApplied()})
	}
	return out, nil
}
