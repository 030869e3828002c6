package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// SessionTTL is how long a web panel session lives after login. Sessions do
// not slide: after SessionTTL the user logs in again.
const SessionTTL = 12 * time.Hour

// Session is a logged-in web panel browser. Only the SHA-256 of the random
// session token is stored, so a leaked database does not leak live cookies.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	IDHash     string    `bun:"id_hash,pk"`
	UserID     int64     `bun:"user_id,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	ExpiresAt  time.Time `bun:"expires_at,notnull"`
	RemoteAddr string    `bun:"remote_addr,notnull"`
	UserAgent  string    `bun:"user_agent,notnull"`
}

// newToken returns 32 random bytes, base64url-encoded, and their SHA-256
// in hex (what the database keeps).
func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a web panel session for a user and returns the token
// to put in the cookie. replace, when not empty, is the token of the
// browser's previous session, which is ended in the same transaction (the
// session ID is rotated at login). Errors: ENOTFOUND (no such user).
func (s *Store) CreateSession(ctx context.Context, userID int64, replace, remoteAddr, userAgent string) (string, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	sess := &Session{IDHash: hash, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL),
		RemoteAddr: truncate(remoteAddr, 100), UserAgent: truncate(userAgent, 300)}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if replace != "" {
			if _, err := tx.NewDelete().Model((*Session)(nil)).Where("id_hash = ?", tokenHash(replace)).Exec(ctx); err != nil {
				return err
			}
		}
		// Expired sessions are swept here, at login, rather than by a timer.
		if _, err := tx.NewDelete().Model((*Session)(nil)).Where("expires_at <= ?", now).Exec(ctx); err != nil {
			return err
		}
		if _, err := userWhere(ctx, tx, "id = ?", userID); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(sess).Exec(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser returns the user of a live session token. A session whose
// user was since disabled or is no longer staff is refused like an unknown
// one. Errors: ENOTFOUND (no such live session).
func (s *Store) SessionUser(ctx context.Context, token string) (*User, error) {
	gone := E(ENOTFOUND, "core.session.ended")
	if token == "" {
		return nil, gone
	}
	sess := new(Session)
	err := s.DB.NewSelect().Model(sess).Where("id_hash = ?", tokenHash(token)).Where("expires_at > ?", s.now()).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	u, err := s.UserByID(ctx, sess.UserID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && !u.IsStaff()) {
		return nil, gone
	}
	return u, err
}

// DeleteSession ends the session of a token (logout). Ending an unknown
// session is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	_, err := s.DB.NewDelete().Model((*Session)(nil)).Where("id_hash = ?", tokenHash(token)).Exec(ctx)
	return err
}

// CountSessions returns the number of live sessions of a user.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	n, err := s.DB.NewSelect().Model((*Session)(nil)).Where("user_id = ?", userID).Where("expires_at > ?", s.now()).Count(ctx)
	return int(n), err
}

// deleteUserSessions ends every session of a user.
func deleteUserSessions(ctx context.Context, db bun.IDB, userID int64) error {
	_, err := db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}
