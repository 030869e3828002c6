package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
)

// NotifyChannel is the PostgreSQL NOTIFY channel that wakes the delivery
// workers of every replica when deliveries are queued.
const NotifyChannel = "jayaya_outbox"

// NotifyTx sends NOTIFY NotifyChannel inside tx on PostgreSQL, so that
// every replica's worker wakes when tx commits (and none if it rolls
// back). On SQLite (one process) it does nothing: the in-process Kick is
// enough.
func NotifyTx(ctx context.Context, st *core.Store, tx bun.IDB) error {
	if st.Engine() != core.EnginePostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_notify(?, '')", NotifyChannel)
	return err
}

// Listen holds a dedicated PostgreSQL connection listening on
// NotifyChannel and calls kick for every notification, reconnecting with
// backoff when the connection fails, until ctx ends. ready, when not nil,
// is called each time LISTEN is in place. On SQLite it returns at once.
func Listen(ctx context.Context, st *core.Store, log *slog.Logger, kick func(), ready func()) error {
	if st.Engine() != core.EnginePostgres {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	delay := 100 * time.Millisecond
	for {
		err := listenOnce(ctx, st.DSN(), kick, ready)
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("outbox listener lost its connection; polling until it is back", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
		// A reconnect may have missed notifications: look once.
		kick()
	}
}

func listenOnce(ctx context.Context, dsn string, kick func(), ready func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		kick()
	}
}
