package core

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Login throttling, counted in the database so that every replica sees
// it:
//
//   - per login: after LoginMaxFailures failed attempts on one existing
//     login (a failure older than LoginLockout starts the count again), the
//     login is locked for LoginLockout. A locked login answers exactly like
//     a wrong password, except to its right password from a client address
//     without a failure in the current window: the lock keeps out whoever
//     guesses, not the user at their own desk (an attacker cannot lock the
//     admin out from elsewhere).
//   - per client address: after LoginIPMaxFailures failures in a window of
//     LoginLockout, its attempts are refused (ELIMITED) before any password
//     is hashed, until the window ends. Failures on unknown logins count
//     here only: they add no row per name and no audit entry.
//
// Hashing itself is bounded (hashGate): a flood gets EBUSY, not the
// process's memory.
const (
	LoginMaxFailures   = 5
	LoginIPMaxFailures = 20
	LoginLockout       = 15 * time.Minute
)

// BadLoginID is the catalog ID of the one answer to an unknown login, a
// wrong password, a locked login and a user who may not log in;
// BadLoginMessage is that answer in English.
const BadLoginID = "core.login.bad"

// BadLoginMessage is the English text of BadLoginID (a test keeps the
// two equal).
const BadLoginMessage = "Wrong login or password."

// loginKey is the throttling key of a typed login: the login as UserByLogin
// looks it up, whether or not such a user exists.
func loginKey(login string) string {
	return truncate(strings.ToLower(strings.TrimSpace(login)), 200)
}

// Authenticate checks a web panel login: the user must exist, be staff or
// admin, be enabled, have a password, match it and not be locked out (see
// the throttling rules above). Every refusal returns the same EFORBIDDEN
// error with BadLoginMessage after the same password-hashing work, so that
// an unknown login cannot be told from a wrong password. Failures on
// existing logins are counted per login and written to the audit log with
// remoteAddr; every failure is counted per remoteAddr; a success resets
// the login's count. Errors: EINVALID (control characters in the login),
// ELIMITED (too many failures from remoteAddr), EBUSY (too many logins
// being checked at once), EFORBIDDEN.
func (s *Store) Authenticate(ctx context.Context, login, password, remoteAddr string) (*User, error) {
	if _, err := plainText("login", "core.field.login", login); err != nil {
		return nil, err
	}
	key := loginKey(login)
	ip := truncate(remoteAddr, 100)
	now := s.now()
	if err := s.pruneLoginFailures(ctx, now); err != nil {
		return nil, err
	}
	ipFailures, err := s.addressFailures(ctx, ip, now)
	if err != nil {
		return nil, err
	}
	if ipFailures.count >= LoginIPMaxFailures {
		wait := ipFailures.since.Add(LoginLockout).Sub(now)
		e := EMsg(ELIMITED, i18n.MN("core.login.too_many", int(wait.Minutes())+1))
		e.RetryAfter = wait
		return nil, e
	}
	var lockedUntil *time.Time
	err = s.DB.NewSelect().Table("login_failures").Column("locked_until").Where("login_key = ?", key).Scan(ctx, &lockedUntil)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	locked := lockedUntil != nil && lockedUntil.After(now)

	u, err := s.UserByLogin(ctx, key)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	clean := ipFailures.count == 0
	queue := gateDirty
	switch recent := s.recentLogins.seen(ip, time.Now()); {
	case clean && !recent:
		queue = gateFresh
	case clean:
		queue = gateClean
	}
	ok, err := checkPasswordGated(ctx, queue, hash, password)
	if err != nil {
		return nil, err
	}
	ok = ok && u.IsStaff()
	actor := Actor{RemoteAddr: remoteAddr}
	if ok && (!locked || clean) {
		err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewDelete().Table("login_failures").Where("login_key = ?", key).Exec(ctx); err != nil {
				return err
			}
			actor.User = u
			return s.RecordAudit(ctx, tx, actor.entry(AuditLogin, "user", u.ID, u.Login))
		})
		if err != nil {
			return nil, err
		}
		return u, nil
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.countAddressFailure(ctx, tx, ip, now); err != nil {
			return err
		}
		switch {
		case u == nil:
			return nil // counted per address only
		case locked:
			return s.RecordAudit(ctx, tx, actor.entry(AuditLoginFailed, "login", 0, key,
				i18n.M("audit.login.refused_locked", i18n.Args{"Until": lockedUntil.UTC()})))
		}
		var failures int
		err := tx.NewRaw(`INSERT INTO login_failures (login_key, failures, updated_at) VALUES (?, 1, ?)
			ON CONFLICT (login_key) DO UPDATE SET
			failures = CASE WHEN login_failures.updated_at < ? THEN 1 ELSE login_failures.failures + 1 END,
			updated_at = excluded.updated_at
			RETURNING failures`, key, now, now.Add(-LoginLockout)).Scan(ctx, &failures)
		if err != nil {
			return err
		}
		if failures < LoginMaxFailures {
			return s.RecordAudit(ctx, tx, actor.entry(AuditLoginFailed, "login", 0, key,
				i18n.M("audit.login.failed", i18n.Args{"Count": failures, "Max": LoginMaxFailures})))
		}
		until := now.Add(LoginLockout)
		if _, err := tx.NewUpdate().Table("login_failures").Set("failures = 0").Set("locked_until = ?", until).
			Where("login_key = ?", key).Exec(ctx); err != nil {
			return err
		}
		return s.RecordAudit(ctx, tx, actor.entry(AuditLoginLocked, "login", 0, key,
			i18n.M("audit.login.locked", i18n.Args{"Count": failures, "Until": until.UTC()})))
	})
	if err != nil {
		return nil, err
	}
	return nil, E(EFORBIDDEN, BadLoginID)
}

// addressWindow is an address's failed logins in its current window.
type addressWindow struct {
	count int
	since time.Time
}

// addressFailures returns the failures of ip in its current window (none
// when its window ended).
func (s *Store) addressFailures(ctx context.Context, ip string, now time.Time) (addressWindow, error) {
	var rows []struct {
		Failures    int       `bun:"failures"`
		WindowStart time.Time `bun:"window_start"`
	}
	err := s.DB.NewSelect().Table("login_ip_failures").Column("failures", "window_start").Where("ip = ?", ip).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 || !rows[0].WindowStart.After(now.Add(-LoginLockout)) {
		return addressWindow{}, err
	}
	return addressWindow{count: rows[0].Failures, since: rows[0].WindowStart}, nil
}

// countAddressFailure counts a failed login from ip, in a new window when
// its last one ended.
func (s *Store) countAddressFailure(ctx context.Context, tx bun.IDB, ip string, now time.Time) error {
	_, err := tx.NewRaw(`INSERT INTO login_ip_failures (ip, failures, window_start) VALUES (?, 1, ?)
		ON CONFLICT (ip) DO UPDATE SET
		failures = CASE WHEN login_ip_failures.window_start < ? THEN 1 ELSE login_ip_failures.failures + 1 END,
		window_start = CASE WHEN login_ip_failures.window_start < ? THEN excluded.window_start ELSE login_ip_failures.window_start END`,
		ip, now, now.Add(-LoginLockout), now.Add(-LoginLockout)).Exec(ctx)
	return err
}

// loginPruneEvery is how often a store deletes the failure counts whose
// window or lock ended (at most once per interval and process).
const loginPruneEvery = time.Minute

// pruneLoginFailures deletes, about once a minute, the per-address and
// per-login failure rows that no longer count: both tables then hold only
// the last LoginLockout of failures.
func (s *Store) pruneLoginFailures(ctx context.Context, now time.Time) error {
	if !turnDue(&s.loginsPrunedAt, now, loginPruneEvery) {
		return nil
	}
	old := now.Add(-LoginLockout)
	if _, err := s.DB.NewDelete().Table("login_ip_failures").Where("window_start < ?", old).Exec(ctx); err != nil {
		return err
	}
	_, err := s.DB.NewDelete().Table("login_failures").
		Where("updated_at < ? AND (locked_until IS NULL OR locked_until < ?)", old, now).Exec(ctx)
	return err
}
