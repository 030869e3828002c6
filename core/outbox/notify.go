package outbox

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// NotifyChannel is the PostgreSQL NOTIFY channel that wakes the delivery
// workers of every replica when deliveries are queued.
const NotifyChannel = "jayaya_outbox"

// Announce wakes the delivery workers of every replica: on PostgreSQL it
// sends NOTIFY NotifyChannel, soon, from a goroutine of its own; on SQLite
// (one process) it does nothing, the in-process Kick being enough. Call it
// after the commit that queued deliveries.
//
// The NOTIFY runs in its own transaction, outside the caller's, because
// PostgreSQL serialises committing transactions that sent NOTIFY on one
// lock held across the disk flush, which would make every relay commit
// wait for the others. Announcements made while one is being sent are
// coalesced into the next.
func Announce(st *core.Store) {
	if st.Engine() != core.EnginePostgres {
		return
	}
	v, _ := announcers.LoadOrStore(st, &announcer{st: st, wake: make(chan struct{}, 1)})
	a := v.(*announcer)
	a.once.Do(func() { go a.run() })
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

var announcers sync.Map // *core.Store → *announcer

type announcer struct {
	st   *core.Store
	wake chan struct{}
	once sync.Once
}

// run sends one NOTIFY per batch of announcements until the store is
// closed.
func (a *announcer) run() {
	defer announcers.Delete(a.st)
	for range a.wake {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// A lost wake-up costs one poll interval, not a message, so the
		// notification does not wait for a disk flush.
		err := a.st.Notify(ctx, NotifyChannel)
		cancel()
		if errors.Is(err, sql.ErrConnDone) || (err != nil && strings.Contains(err.Error(), "database is closed")) {
			return
		}
		if err != nil {
			slog.Default().Warn("outbox announce failed; workers will poll", "err", err)
		}
	}
}

// Listen listens on NotifyChannel (core.Store.Listen) and calls kick for
// every notification, listening again with backoff when the connection
// fails, until ctx ends. ready, when not nil, is called each time LISTEN
// is in place. On SQLite it returns at once.
func Listen(ctx context.Context, st *core.Store, log *slog.Logger, kick func(), ready func()) error {
	if st.Engine() != core.EnginePostgres {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	delay := 100 * time.Millisecond
	for {
		err := st.Listen(ctx, NotifyChannel, ready, kick)
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
