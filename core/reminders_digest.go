package core

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Morning digests: once a day, at the owner's digest time (08:30 local by
// default), a staff user with tasks due that day or overdue gets one DM
// listing them. Users' digest settings and the time zone cache live in
// columns of users that the User model does not carry.

// DefaultDigestMinute is the digest's default local time, in minutes after
// midnight (08:30).
const DefaultDigestMinute = 8*60 + 30

// DigestWindow is how long after the digest time a missed digest (the
// scheduler was down) is still sent that day; later it waits for tomorrow.
const DigestWindow = 3 * time.Hour

// ReminderSettings are a user's reminder settings and caches.
type ReminderSettings struct {
	bun.BaseModel `bun:"table:users"`

	UserID       int64      `bun:"id,pk"`
	DigestMinute int        `bun:"digest_minute,notnull"`
	LastDigestOn string     `bun:"last_digest_on,notnull"`
	TZCheckedAt  *time.Time `bun:"tz_checked_at"`
}

// ReminderSettings returns a user's reminder settings. Errors: ENOTFOUND.
func (s *Store) ReminderSettings(ctx context.Context, userID int64) (*ReminderSettings, error) {
	rs := new(ReminderSettings)
	err := s.DB.NewSelect().Model(rs).Where("id = ?", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.user.not_found")
	}
	return rs, err
}

// SetDigestTime sets the local time (minutes after midnight) of a user's
// morning digest. Errors: ENOTFOUND, EINVALID.
func (s *Store) SetDigestTime(ctx context.Context, userID int64, minute int) error {
	if minute < 0 || minute >= 24*60 {
		return InvalidE("digest", "core.digest.time_invalid")
	}
	res, err := s.DB.NewUpdate().Model((*ReminderSettings)(nil)).Set("digest_minute = ?", minute).
		Where("id = ?", userID).Exec(ctx)
	return oneRow(res, err)
}

// CacheTimeZone records the time zone a chat platform reported for a user
// and when it was read; an unknown or empty zone is stored as UTC. The
// language it reported stays as it was (CacheSlackProfile records both).
// Errors: ENOTFOUND.
func (s *Store) CacheTimeZone(ctx context.Context, userID int64, tz string) error {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		tz = "UTC"
	}
	res, err := s.DB.NewUpdate().Model((*User)(nil)).Set("time_zone = ?", tz).Set("tz_checked_at = ?", s.now()).
		Where("id = ?", userID).Exec(ctx)
	return oneRow(res, err)
}

func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return E(ENOTFOUND, "core.user.not_found")
	}
	return nil
}

// DigestDue reports whether a digest is due at now for a user in loc whose
// digest time is minute and whose last digest was on lastOn (owner-local
// YYYY-MM-DD), and returns today's local date. It is due from the digest
// time (see LocalTime for days when clocks change) for DigestWindow, once
// per local day.
func DigestDue(loc *time.Location, minute int, lastOn string, now time.Time) (day string, due bool) {
	local := now.In(loc)
	day = local.Format(time.DateOnly)
	if lastOn >= day {
		return day, false
	}
	at := LocalTime(local.Year(), local.Month(), local.Day(), minute/60, minute%60, loc)
	return day, !now.Before(at) && now.Sub(at) < DigestWindow
}

// LocalDay returns the instants at which the local day of t in loc starts
// and ends (the next day's start).
func LocalDay(t time.Time, loc *time.Location) (start, end time.Time) {
	l := t.In(loc)
	next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, time.UTC)
	return LocalTime(l.Year(), l.Month(), l.Day(), 0, 0, loc), LocalTime(next.Year(), next.Month(), next.Day(), 0, 0, loc)
}

// Digest is a morning digest claimed for one user: their open tasks due
// before the end of their local Day, overdue ones first.
type Digest struct {
	Owner *User
	Day   string // owner-local YYYY-MM-DD
	Tasks []*Task
}

// digestCandidate is what ClaimDigests reads of each user.
type digestCandidate struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64  `bun:"id,pk"`
	TimeZone     string `bun:"time_zone"`
	DigestMinute int    `bun:"digest_minute"`
	LastDigestOn string `bun:"last_digest_on"`
}

// ClaimDigests claims the digests due at the store's clock: for each active
// staff user with a Slack ID whose digest time has come (DigestDue), it
// records today's date with a conditional update, so each digest is claimed
// once across replicas, and calls send in the same transaction when the
// user has tasks due that day or overdue (a user with none gets no digest).
// It returns how many digests were handed to send.
func (s *Store) ClaimDigests(ctx context.Context, send func(ctx context.Context, tx bun.Tx, d Digest) error) (int, error) {
	due, err := s.DueDigests(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range due {
		err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			d, ok, err := s.ClaimDigestTx(ctx, tx, c)
			if err != nil || !ok {
				return err
			}
			sent++
			return send(ctx, tx, d)
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// DueDigest is a digest whose time has come for one user, to be claimed
// with ClaimDigestTx.
type DueDigest struct {
	userID int64
	day    string // owner-local YYYY-MM-DD
	lastOn string
	now    time.Time
}

// DueDigests returns the digests due at the store's clock: one for each
// active staff user with a Slack ID whose digest time has come
// (DigestDue), in user ID order. Nothing is claimed yet.
func (s *Store) DueDigests(ctx context.Context) ([]DueDigest, error) {
	now := s.now()
	var cands []digestCandidate
	err := s.DB.NewSelect().Model(&cands).
		Where("disabled_at IS NULL AND slack_id IS NOT NULL AND role IN (?)", bun.In([]string{RoleStaff, RoleAdmin})).
		OrderExpr("id").Scan(ctx)
	if err != nil {
		return nil, err
	}
	var out []DueDigest
	for _, c := range cands {
		loc := (&User{TimeZone: c.TimeZone}).Location()
		if day, due := DigestDue(loc, c.DigestMinute, c.LastDigestOn, now); due {
			out = append(out, DueDigest{userID: c.ID, day: day, lastOn: c.LastDigestOn, now: now})
		}
	}
	return out, nil
}

// ClaimDigestTx claims one due digest in the caller's transaction: it
// records the day with a conditional update, so each digest is claimed
// once across replicas, and returns the user's tasks due that day or
// overdue. ok is false when another replica claimed it or the user has
// no such task (a user with none gets no digest).
func (s *Store) ClaimDigestTx(ctx context.Context, tx bun.Tx, c DueDigest) (d Digest, ok bool, err error) {
	res, err := tx.NewUpdate().Model((*digestCandidate)(nil)).Set("last_digest_on = ?", c.day).
		Where("id = ? AND last_digest_on = ?", c.userID, c.lastOn).Exec(ctx)
	if err != nil {
		return Digest{}, false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Digest{}, false, nil // another replica claimed it
	}
	owner := new(User)
	if err := tx.NewSelect().Model(owner).Where("id = ?", c.userID).Scan(ctx); err != nil {
		return Digest{}, false, err
	}
	_, end := LocalDay(c.now, owner.Location())
	var tasks []*Task
	if err := tx.NewSelect().Model(&tasks).Where("owner_id = ? AND done_at IS NULL AND due_at < ?", c.userID, end).
		OrderExpr("due_at, id").Scan(ctx); err != nil {
		return Digest{}, false, err
	}
	if len(tasks) == 0 {
		return Digest{}, false, nil
	}
	return Digest{Owner: owner, Day: c.day, Tasks: tasks}, true, nil
}
