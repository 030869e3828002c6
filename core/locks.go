package core

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// DiscordGatewayLock is the session lock held by the replica that owns
// the Discord gateway session.
const DiscordGatewayLock int64 = 7_318_461_100

// lockBeatEvery is how often the holder of a session lock refreshes its
// heartbeat (session_locks) on the connection that holds the lock, and
// how often a replica waiting for the lock looks for a stale holder.
const lockBeatEvery = 250 * time.Millisecond

// LockDeadAfter is how long the holder of a session lock may go without a
// heartbeat before a replica waiting for the lock ends the holder's
// database session (and so frees the lock): the holder is paused or cut
// off, though its connection is still open.
const LockDeadAfter = 2 * time.Second

// ErrLockLost is returned by WithSessionLock when the lock was lost while
// fn ran (its connection died, or another replica ended it as stale).
var ErrLockLost = errors.New("session lock lost")

// SessionLock names a session advisory lock and the replica that takes
// it (WithSessionLock).
type SessionLock struct {
	Key int64
	// Holder names this replica in session_locks (SessionLockHolder).
	Holder string
	// Ended, when set, is told each time waiting for the lock ended the
	// session of a stale holder (its backend's pid), or could not check
	// the holder (err).
	Ended func(pid int, err error)
}

// WithSessionLock runs fn while this process holds the PostgreSQL session
// advisory lock l.Key, taken on a connection of its own (it waits for the
// lock as long as ctx lets it): one replica at a time runs fn.
//
// A process killed outright loses the lock at once (PostgreSQL ends its
// session when the socket closes). A process that is paused (SIGSTOP, a
// long GC pause) or cut off keeps its session open, so the holder also
// beats every 250 ms on the lock's connection, and a replica waiting
// for the lock ends the session of a holder whose beat is older than
// LockDeadAfter (pg_terminate_backend: the replicas must share a
// database role, or have pg_signal_backend). When the holder's beat
// fails, fn's context is cancelled and ErrLockLost (joined with the
// cause) returned. The lock is released when fn returns. On SQLite (one
// process) it runs fn.
func (s *Store) WithSessionLock(ctx context.Context, l SessionLock, fn func(ctx context.Context) error) error {
	if s.engine != EnginePostgres {
		return fn(ctx)
	}
	key := l.Key
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := s.waitForLock(ctx, conn, l); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", key)
	if _, err := conn.ExecContext(ctx, `INSERT INTO session_locks (lock_key, holder, pid, beat_at)
VALUES (?, ?, pg_backend_pid(), clock_timestamp())
ON CONFLICT (lock_key) DO UPDATE SET holder = EXCLUDED.holder, pid = EXCLUDED.pid, beat_at = EXCLUDED.beat_at`, key, l.Holder); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DELETE FROM session_locks WHERE lock_key = ? AND pid = pg_backend_pid()", key)
	runCtx, stop := context.WithCancel(ctx)
	lost := make(chan error, 1)
	beating := make(chan struct{})
	// The beats end before the row is deleted and the lock released.
	defer func() { stop(); <-beating }()
	go func() {
		defer close(beating)
		t := time.NewTicker(lockBeatEvery)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			res, err := conn.ExecContext(runCtx, "UPDATE session_locks SET beat_at = clock_timestamp() WHERE lock_key = ? AND pid = pg_backend_pid()", key)
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					err = errors.New("its row was taken over")
				}
			}
			if err != nil && runCtx.Err() == nil {
				lost <- errors.Join(ErrLockLost, err)
				stop()
				return
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

// waitForLock takes the advisory lock l.Key on conn, waiting as long as
// ctx lets it; meanwhile it ends the session of a holder whose heartbeat
// is stale (stealStaleLock), which frees the lock.
func (s *Store) waitForLock(ctx context.Context, conn bun.Conn, l SessionLock) error {
	waitCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	defer func() { stopWatch(); <-watched }()
	go func() {
		defer close(watched)
		t := time.NewTicker(lockBeatEvery)
		defer t.Stop()
		for {
			select {
			case <-waitCtx.Done():
				return
			case <-t.C:
			}
			// Not cut short when the lock comes meanwhile: it may have come
			// from this very call.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(waitCtx), 5*time.Second)
			pid, err := s.stealStaleLock(sctx, l.Key)
			cancel()
			if (pid != 0 || err != nil) && l.Ended != nil {
				l.Ended(pid, err)
			}
		}
	}()
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", l.Key)
	return err
}

// stealStaleLock ends the database session holding the advisory lock key
// when its heartbeat (session_locks) is older than LockDeadAfter, and
// returns its backend's pid; 0 when the holder is alive or there is none.
func (s *Store) stealStaleLock(ctx context.Context, key int64) (int, error) {
	// pg_terminate_backend sits in the select list, so that it runs only
	// for the row the conditions kept; it waits (up to a second) for the
	// session to be gone, and with it the lock.
	var out []struct {
		PID        int  `bun:"pid"`
		Terminated bool `bun:"terminated"`
	}
	err := s.DB.NewRaw(`SELECT sl.pid, pg_terminate_backend(sl.pid, 1000) AS terminated FROM session_locks AS sl
WHERE sl.lock_key = ? AND sl.beat_at < clock_timestamp() - ? * interval '1 second'
  AND EXISTS (`+pgLockHeld+`)`, key, LockDeadAfter.Seconds(), key>>32, key&0xffffffff).Scan(ctx, &out)
	if err != nil || len(out) == 0 || !out[0].Terminated {
		return 0, err
	}
	return out[0].PID, nil
}

// pgLockHeld is a subquery true when the backend sl.pid holds the session
// advisory lock whose key's high and low halves are its two parameters.
const pgLockHeld = `SELECT 1 FROM pg_locks AS l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = sl.pid
    AND l.objsubid = 1 AND l.classid = ?::bigint::oid AND l.objid = ?::bigint::oid`

// SessionLockHolder returns the holder named by the replica that holds
// the session lock key now (WithSessionLock), "" when nobody holds it or
// its holder has stopped beating. On SQLite it returns "".
func (s *Store) SessionLockHolder(ctx context.Context, key int64) (string, error) {
	if s.engine != EnginePostgres {
		return "", nil
	}
	var holders []string
	err := s.DB.NewRaw(`SELECT sl.holder FROM session_locks AS sl
WHERE sl.lock_key = ? AND sl.beat_at >= clock_timestamp() - ? * interval '1 second'
  AND EXISTS (`+pgLockHeld+`)`, key, LockDeadAfter.Seconds(), key>>32, key&0xffffffff).Scan(ctx, &holders)
	if err != nil || len(holders) == 0 {
		return "", err
	}
	return holders[0], nil
}
