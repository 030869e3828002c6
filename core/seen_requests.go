package core

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// SeenRequest remembers a signed request from a platform until its
// signature would be refused as stale anyway, so that a captured request
// replayed meanwhile is recognised, on every replica.
type SeenRequest struct {
	bun.BaseModel `bun:"table:seen_requests"`

	Key       string    `bun:"request_key,pk"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

// seenPruneEvery is how often a store deletes the expired SeenRequest
// rows (at most once per interval and process, by whichever call comes
// due first).
const seenPruneEvery = time.Minute

// pgMarkRequestSeen is MarkRequestSeen's statement on PostgreSQL: a row
// comes back only when the key was new.
const pgMarkRequestSeen = `INSERT INTO seen_requests (request_key, expires_at) VALUES ($1, $2)
ON CONFLICT (request_key) DO NOTHING RETURNING 1`

// MarkRequestSeen records the key of a signed request (its signature) and
// reports whether this is its first arrival; false means a replay. The
// key is remembered until until, the time after which the request's
// signature is stale and refused before this is asked. One statement (a
// prepared INSERT … ON CONFLICT DO NOTHING on PostgreSQL) on the request
// path; about once a minute a call also deletes the expired keys, so the
// table only holds a few minutes of requests.
func (s *Store) MarkRequestSeen(ctx context.Context, key string, until time.Time) (first bool, err error) {
	now := s.now()
	if err := s.pruneSeenRequests(ctx, now); err != nil {
		return false, err
	}
	until = until.UTC()
	if isPG(s.DB) {
		rows, err := pgQuery(ctx, s.DB, pgMarkRequestSeen, key, until)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		first = rows.Next()
		return first, rows.Err()
	}
	res, err := s.DB.NewInsert().Model(&SeenRequest{Key: key, ExpiresAt: until}).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// pruneSeenRequests deletes the expired SeenRequest rows when the last
// pruning is seenPruneEvery old; only the call that claims the turn does.
func (s *Store) pruneSeenRequests(ctx context.Context, now time.Time) error {
	if !turnDue(&s.seenPrunedAt, now, seenPruneEvery) {
		return nil
	}
	_, err := s.DB.NewDelete().Model((*SeenRequest)(nil)).Where("expires_at < ?", now.UTC()).Exec(ctx)
	return err
}

// turnDue reports whether a chore last done at *last (Unix nanoseconds of
// Now) is due again at now, every apart, and if so takes the turn: of
// concurrent callers, only one is told it is due.
func turnDue(last *atomic.Int64, now time.Time, every time.Duration) bool {
	prev := last.Load()
	if now.UnixNano()-prev < int64(every) && now.UnixNano() >= prev {
		return false
	}
	return last.CompareAndSwap(prev, now.UnixNano())
}
