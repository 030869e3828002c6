package discord

import (
	"context"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// RunExclusive is Run for a fleet: on PostgreSQL it first takes the
// gateway's session lock (core.DiscordGatewayLock) on a dedicated
// connection, so that one replica at a time holds the gateway session (the
// others still deliver through REST, and stand by). When that replica
// stops, dies, or stops beating on the lock's connection (paused or cut
// off), another takes over and its READY catches up. On SQLite (one
// process) it is Run.
func (a *Adapter) RunExclusive(ctx context.Context) error {
	if a.store.Engine() != core.EnginePostgres {
		a.Metrics.GatewayHeld(core.PlatformDiscord, true)
		defer a.Metrics.GatewayHeld(core.PlatformDiscord, false)
		return a.Run(ctx)
	}
	a.Metrics.GatewayHeld(core.PlatformDiscord, false)
	for {
		err := a.runLocked(ctx)
		if ctx.Err() != nil {
			return nil
		}
		a.log.Warn("discord gateway lock lost; standing by again", "err", err)
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
	lock := core.SessionLock{Key: core.DiscordGatewayLock, Holder: a.cfg.Replica, Ended: func(pid int, err error) {
		if err != nil {
			a.log.Warn("could not check the gateway holder's heartbeat", "err", err)
			return
		}
		a.log.Warn("the gateway holder stopped beating; its database session was ended", "pid", pid)
	}}
	return a.store.WithSessionLock(ctx, lock, func(ctx context.Context) error {
		a.log.Info("this replica holds the Discord gateway session", "replica", a.cfg.Replica)
		a.Metrics.GatewayHeld(core.PlatformDiscord, true)
		defer a.Metrics.GatewayHeld(core.PlatformDiscord, false)
		return a.Run(ctx)
	})
}
