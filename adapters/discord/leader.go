package discord

import (
	"context"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// gatewayLockKey is the PostgreSQL advisory lock held by the replica that
// owns the Discord gateway session.
const gatewayLockKey = 7_318_461_100

// RunExclusive is Run for a fleet: on PostgreSQL it first takes an
// advisory lock on a dedicated connection, so that one replica at a time
// holds the gateway session (the others still deliver through REST);
// when that replica stops or loses its database connection, another
// takes over (its READY catches up). On SQLite (one process) it is Run.
func (a *Adapter) RunExclusive(ctx context.Context) error {
	if a.store.Engine() != core.EnginePostgres {
		return a.Run(ctx)
	}
	for {
		err := a.runLocked(ctx)
		if ctx.Err() != nil {
			return nil
		}
		a.log.Warn("discord gateway lock lost; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
}

func (a *Adapter) runLocked(ctx context.Context) error {
	conn, err := a.store.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", gatewayLockKey); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", gatewayLockKey)
	a.log.Info("this replica holds the Discord gateway session")
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	lost := make(chan error, 1)
	go func() {
		// Watch the lock's connection: if it dies, the lock is gone and
		// another replica may connect; stop so as not to hold two sessions.
		t := time.NewTicker(10 * time.Second)
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
	err = a.Run(runCtx)
	select {
	case lerr := <-lost:
		return lerr
	default:
		return err
	}
}
