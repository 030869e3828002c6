package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Login throttling: after LoginMaxFailures failed attempts on one login
// (counted in the database, so every replica sees them; a failure older
// than LoginLockout starts the count again), the login is locked for
// LoginLockout. A locked login answers exactly like a wrong password.
const (
	LoginMaxFailures = 5
	LoginLockout     = 15 * time.Minute
)

// BadLoginMessage is the one answer to an unknown login, a wrong password,
// a locked login and a user who may not log in.
const BadLoginMessage = "Wrong login or password."

// loginKey is the throttling key of a typed login: the login as UserByLogin
// looks it up, whether or not such a user exists.
func loginKey(login string) string {
	return truncate(strings.ToLower(strings.TrimSpace(login)), 200)
}

// Authenticate checks a web panel login: the user must exist, be staff or
// admin, be enabled, have a password, match it and not be locked out.
// Every refusal returns the same EFORBIDDEN error with BadLoginMessage
// after the same password-hashing work, so that an unknown login cannot be
// told from a wrong password. Failures are counted per login and written to
// the audit log with remoteAddr; a success resets the count.
func (s *Store) Authenticate(ctx context.Context, login, password, remoteAddr string) (*User, error) {
	key := loginKey(login)
	now := s.now()
	var lockedUntil *time.Time
	err := s.DB.NewSelect().Table("login_failures").Column("locked_until").Where("login_key = ?", key).Scan(ctx, &lockedUntil)
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
	ok := CheckPasswordOrDummy(hash, password) && u.IsStaff()
	actor := Actor{RemoteAddr: remoteAddr}
	if ok && !locked {
		err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewDelete().Table("login_failures").Where("login_key = ?", key).Exec(ctx); err != nil {
				return err
			}
			actor.User = u
			return s.RecordAudit(ctx, tx, actor.entry(AuditLogin, "user", u.ID, u.Login, ""))
		})
		if err != nil {
			return nil, err
		}
		return u, nil
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if locked {
			return s.RecordAudit(ctx, tx, actor.entry(AuditLoginFailed, "login", 0, key, "refused: login locked until "+lockedUntil.Format(time.RFC3339)))
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
			return s.RecordAudit(ctx, tx, actor.entry(AuditLoginFailed, "login", 0, key, fmt.Sprintf("wrong login or password (failure %d of %d)", failures, LoginMaxFailures)))
		}
		until := now.Add(LoginLockout)
		if _, err := tx.NewUpdate().Table("login_failures").Set("failures = 0").Set("locked_until = ?", until).
			Where("login_key = ?", key).Exec(ctx); err != nil {
			return err
		}
		return s.RecordAudit(ctx, tx, actor.entry(AuditLoginLocked, "login", 0, key,
			fmt.Sprintf("%d failures: locked until %s", failures, until.Format(time.RFC3339))))
	})
	if err != nil {
		return nil, err
	}
	return nil, Errorf(EFORBIDDEN, BadLoginMessage)
}
