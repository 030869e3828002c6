package core

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// setupToken is a one-time secret that lets whoever holds it create the
// first admin in the browser. Only its SHA-256 is stored.
type setupToken struct {
	bun.BaseModel `bun:"table:setup_tokens"`

	TokenHash string    `bun:"token_hash,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

const setupGone = "core.setup.gone"

// NewSetupToken returns a fresh one-time setup token when the database has
// no enabled admin at all, and "" otherwise. Every token stays valid until
// the first admin is created through any of them.
func (s *Store) NewSetupToken(ctx context.Context) (string, error) {
	n, err := s.CountAdmins(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	if _, err := s.DB.NewInsert().Model(&setupToken{TokenHash: hash, CreatedAt: s.now()}).Exec(ctx); err != nil {
		return "", err
	}
	return token, nil
}

// CheckSetupToken reports whether token may still create the first admin.
// Errors: EFORBIDDEN (unknown or spent token, or an admin exists).
func (s *Store) CheckSetupToken(ctx context.Context, token string) error {
	return s.checkSetupToken(ctx, s.DB, token)
}

func (s *Store) checkSetupToken(ctx context.Context, db bun.IDB, token string) error {
	if token == "" {
		return E(EFORBIDDEN, setupGone)
	}
	n, err := db.NewSelect().Model((*setupToken)(nil)).Where("token_hash = ?", tokenHash(token)).Count(ctx)
	if err != nil {
		return err
	}
	admins, err := db.NewSelect().Model((*User)(nil)).Where("role = ?", RoleAdmin).Where("disabled_at IS NULL").Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 || admins > 0 {
		return E(EFORBIDDEN, setupGone)
	}
	return nil
}

// CreateFirstAdmin creates the first admin with a setup token, which (and
// every other setup token) is spent in the same transaction. The role is
// always admin and a password is required. Errors: EFORBIDDEN (bad token,
// or an admin exists), EINVALID, ECONFLICT.
func (s *Store) CreateFirstAdmin(ctx context.Context, token string, in NewUser, remoteAddr string) (*User, error) {
	if strings.TrimSpace(in.Password) == "" {
		return nil, InvalidE("password", "core.setup.password_required")
	}
	in.Role = RoleAdmin
	var u *User
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if s.engine == EnginePostgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", usersLockKey); err != nil {
				return err
			}
		}
		if err := s.checkSetupToken(ctx, tx, token); err != nil {
			return err
		}
		var err error
		if u, err = s.CreateUserTx(ctx, tx, in); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*setupToken)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return err
		}
		return s.RecordAudit(ctx, tx, Actor{User: u, RemoteAddr: remoteAddr}.entry(AuditSetupAdmin, "user", u.ID, u.Login, i18n.M("audit.setup.admin")))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
