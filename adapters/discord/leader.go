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

// runLocked runs the gateway session while this replica holds the
// gateway lock (core.Store.WithSessionLock), and stops it if the lock is
// lost.
func (a *Adapter) runLocked(ctx context.Context) error {
	return a.store.WithSessionLock(ctx, gatewayLockKey, func(ctx context.Context) error {
		a.log.Info("this replica holds the Discord gateway session")
		return a.Run(ctx)
	})
}
