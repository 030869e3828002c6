package core

import (
	"context"
	"time"
)

// lockCheckEvery is how often WithSessionLock checks that its lock's
// connection is still there.
const lockCheckEvery = 10 * time.Second

// WithSessionLock runs fn while this process holds the PostgreSQL session
// advisory lock key, taken on a connection of its own (it waits for the
// lock as long as ctx lets it): one replica at a time runs fn. If that
// connection dies, the lock is gone and another replica may take it, so
// fn's context is cancelled and the connection's error returned. The lock
// is released when fn returns. On SQLite (one process) it runs fn.
func (s *Store) WithSessionLock(ctx context.Context, key int64, fn func(ctx context.Context) error) error {
	if s.engine != EnginePostgres {
		return fn(ctx)
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", key); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", key)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	lost := make(chan error, 1)
	go func() {
		t := time.NewTicker(lockCheckEvery)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if err := conn.PingContext(runCtx); err != nil && runCtx.Err() == nil {
					lost <- err
					stop()
					return
				}
			}
		}
	}()
	err = fn(runCtx)
	select {
	case lerr := <-lost:
		return lerr
	default:
		return err
	}
}
