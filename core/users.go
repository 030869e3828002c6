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

// NewUser is the input of CreateUser. Password may be empty: such a user
// cannot log in to the web panel (clients and Slack-only staff need none).
type NewUser struct {
	Login     string
	Name      string
	Email     string
	Phone     string
	Role      string
	SlackID   string
	DiscordID string
	TimeZone  string
	// Locale is "en", "fr" or "" (unset: the platform's language or
	// JAYAYA_LOCALE decide).
	Locale   string
	Password string
}

// UserUpdate is a partial update of a user: nil fields are left alone. An
// empty SlackID or DiscordID unlinks it.
type UserUpdate struct {
	Login     *string
	Name      *string
	Email     *string
	Phone     *string
	Role      *string
	SlackID   *string
	DiscordID *string
	TimeZone  *string
	Locale    *string
	Password  *string
	Disabled  *bool
}

// UserFilter selects users in ListUsers. Query matches login, name or email.
type UserFilter struct {
	Role  *string
	Query *string
}

func validRole(r string) error {
	switch r {
	case RoleAdmin, RoleStaff, RoleClient:
		return nil
	}
	return InvalidE("role", "core.user.role_invalid", i18n.Args{"Value": r})
}

func normLogin(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", InvalidE("login", "core.user.login_required")
	}
	if !loginRE.MatchString(s) {
		return "", InvalidE("login", "core.user.login_invalid")
	}
	return s, nil
}

func optID(field, label, s string, re interface{ MatchString(string) bool }) (*string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if !re.MatchString(s) {
		return nil, InvalidE(field, "core.user.id_invalid", i18n.Args{"Value": s, "Field": i18n.M(label)})
	}
	return &s, nil
}

// CreateUser creates a user. Errors: EINVALID (names the field), ECONFLICT
// when the login, Slack ID or Discord ID is already taken.
func (s *Store) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	var u *User
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = s.CreateUserTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateUserTx is CreateUser inside the caller's transaction, so that
// something else (an audit entry, a used setup token) commits with it.
// Errors: like CreateUser.
func (s *Store) CreateUserTx(ctx context.Context, tx bun.IDB, in NewUser) (*User, error) {
	u := &User{}
	var err error
	if u.Login, err = normLogin(in.Login); err != nil {
		return nil, err
	}
	if u.Name, err = text("name", "core.field.name", in.Name, 200, true); err != nil {
		return nil, err
	}
	if u.Email, err = validEmail("email", in.Email); err != nil {
		return nil, err
	}
	if u.Phone, err = validPhone("phone", in.Phone); err != nil {
		return nil, err
	}
	if u.Role = strings.ToLower(strings.TrimSpace(in.Role)); true {
		if err := validRole(u.Role); err != nil {
			return nil, err
		}
	}
	if u.SlackID, err = optID("slack_id", "core.field.slack_user_id", in.SlackID, slackIDRE); err != nil {
		return nil, err
	}
	if u.DiscordID, err = optID("discord_id", "core.field.discord_user_id", in.DiscordID, discordIDRE); err != nil {
		return nil, err
	}
	if u.TimeZone, err = validTimeZone("time_zone", in.TimeZone); err != nil {
		return nil, err
	}
	if u.Locale, err = validLocale("locale", in.Locale); err != nil {
		return nil, err
	}
	if in.Password != "" {
		if err := validatePassword(in.Password); err != nil {
			return nil, err
		}
		if u.PasswordHash, err = HashPassword(in.Password); err != nil {
			return nil, err
		}
	}
	u.CreatedAt = s.now()
	u.UpdatedAt = u.CreatedAt
	if err := checkUserUnique(ctx, tx, u); err != nil {
		return nil, err
	}
	_, err = tx.NewInsert().Model(u).Returning("id").Exec(ctx)
	if isUniqueViolation(err) {
		return nil, E(ECONFLICT, "core.user.taken")
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// checkUserUnique gives a precise conflict error before the database's
// unique constraints give a vague one.
func checkUserUnique(ctx context.Context, db bun.IDB, u *User) error {
	checks := []struct {
		field, col, label string
		val               *string
	}{
		{"login", "login", "core.field.login", &u.Login},
		{"slack_id", "slack_id", "core.field.slack_id", u.SlackID},
		{"discord_id", "discord_id", "core.field.discord_id", u.DiscordID},
	}
	for _, c := range checks {
		if c.val == nil {
			continue
		}
		n, err := db.NewSelect().Model((*User)(nil)).Where("? = ?", bun.Ident(c.col), *c.val).Where("id <> ?", u.ID).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return FieldE(ECONFLICT, c.field, "core.user.value_taken", i18n.Args{"Field": i18n.M(c.label), "Value": *c.val})
		}
	}
	return nil
}

// UserByID returns a user. Errors: ENOTFOUND.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return userWhere(ctx, s.DB, "id = ?", id)
}

// UserByLogin returns a user by login (case-insensitive). Errors: ENOTFOUND.
func (s *Store) UserByLogin(ctx context.Context, login string) (*User, error) {
	return userWhere(ctx, s.DB, "login = ?", strings.ToLower(strings.TrimSpace(login)))
}

// UserBySlackID returns the user linked to a Slack user ID. Errors: ENOTFOUND.
func (s *Store) UserBySlackID(ctx context.Context, slackID string) (*User, error) {
	return userWhere(ctx, s.DB, "slack_id = ?", slackID)
}

// UserByDiscordID returns the user linked to a Discord user ID. Errors: ENOTFOUND.
func (s *Store) UserByDiscordID(ctx context.Context, discordID string) (*User, error) {
	return userWhere(ctx, s.DB, "discord_id = ?", discordID)
}

func userWhere(ctx context.Context, db bun.IDB, where string, arg any) (*User, error) {
	u := new(User)
	err := selectOneWhere(ctx, db, u, where, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.user.not_found")
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ListUsers returns users matching f, ordered by name. The filters are
// cleaned of control characters first (CleanText): stored text has none,
// and PostgreSQL cannot even take a NUL in a query.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]*User, error) {
	var users []*User
	q := s.DB.NewSelect().Model(&users).OrderExpr("name, id")
	if f.Role != nil && *f.Role != "" {
		q = q.Where("role = ?", CleanText(*f.Role))
	}
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		pat := "%" + likeEscape(strings.ToLower(strings.TrimSpace(CleanText(*f.Query)))) + "%"
		q = q.Where("(lower(login) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\' OR lower(email) LIKE ? ESCAPE '\\')", pat, pat, pat)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	return users, nil
}

// CountAdmins returns the number of enabled admins.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	n, err := s.DB.NewSelect().Model((*User)(nil)).Where("role = ?", RoleAdmin).Where("disabled_at IS NULL").Count(ctx)
	return int(n), err
}

// UpdateUser applies a partial update. Demoting or disabling the last
// enabled admin is refused. Changing a user's role, disabling them or
// changing their password ends their web sessions. Errors: ENOTFOUND,
// EINVALID, ECONFLICT, EFORBIDDEN (last admin).
func (s *Store) UpdateUser(ctx context.Context, id int64, up UserUpdate) (*User, error) {
	var out *User
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = s.UpdateUserTx(ctx, tx, id, up)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateUserTx is UpdateUser inside the caller's transaction. Errors: like
// UpdateUser.
func (s *Store) UpdateUserTx(ctx context.Context, tx bun.IDB, id int64, up UserUpdate) (*User, error) {
	u, err := s.lockUser(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	wasAdmin, oldRole, wasDisabled := u.IsAdmin(), u.Role, u.DisabledAt != nil
	if err := applyUserUpdate(u, up, s.now()); err != nil {
		return nil, err
	}
	if wasAdmin && !u.IsAdmin() {
		if err := s.keepOneAdmin(ctx, tx, u.ID); err != nil {
			return nil, err
		}
	}
	if err := checkUserUnique(ctx, tx, u); err != nil {
		return nil, err
	}
	u.UpdatedAt = s.now()
	if _, err := tx.NewUpdate().Model(u).WherePK().Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return nil, E(ECONFLICT, "core.user.taken")
		}
		return nil, err
	}
	if u.Role != oldRole || (!wasDisabled && u.DisabledAt != nil) || up.Password != nil {
		if err := deleteUserSessions(ctx, tx, u.ID); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func applyUserUpdate(u *User, up UserUpdate, now time.Time) error {
	var err error
	if up.Login != nil {
		if u.Login, err = normLogin(*up.Login); err != nil {
			return err
		}
	}
	if up.Name != nil {
		if u.Name, err = text("name", "core.field.name", *up.Name, 200, true); err != nil {
			return err
		}
	}
	if up.Email != nil {
		if u.Email, err = validEmail("email", *up.Email); err != nil {
			return err
		}
	}
	if up.Phone != nil {
		if u.Phone, err = validPhone("phone", *up.Phone); err != nil {
			return err
		}
	}
	if up.Role != nil {
		r := strings.ToLower(strings.TrimSpace(*up.Role))
		if err := validRole(r); err != nil {
			return err
		}
		u.Role = r
	}
	if up.SlackID != nil {
		if u.SlackID, err = optID("slack_id", "core.field.slack_user_id", *up.SlackID, slackIDRE); err != nil {
			return err
		}
	}
	if up.DiscordID != nil {
		if u.DiscordID, err = optID("discord_id", "core.field.discord_user_id", *up.DiscordID, discordIDRE); err != nil {
			return err
		}
	}
	if up.TimeZone != nil {
		if u.TimeZone, err = validTimeZone("time_zone", *up.TimeZone); err != nil {
			return err
		}
	}
	if up.Locale != nil {
		if u.Locale, err = validLocale("locale", *up.Locale); err != nil {
			return err
		}
	}
	if up.Password != nil {
		if err := validatePassword(*up.Password); err != nil {
			return err
		}
		if u.PasswordHash, err = HashPassword(*up.Password); err != nil {
			return err
		}
	}
	if up.Disabled != nil {
		switch {
		case *up.Disabled && u.DisabledAt == nil:
			u.DisabledAt = &now
		case !*up.Disabled:
			u.DisabledAt = nil
		}
	}
	return nil
}

// DeleteUser deletes a user (and so their web sessions). Deleting the
// last enabled admin is refused. Errors: ENOTFOUND, EFORBIDDEN (last admin).
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := s.DeleteUserTx(ctx, tx, id)
		return err
	})
}

// DeleteUserTx is DeleteUser inside the caller's transaction; it returns the
// deleted user. Errors: like DeleteUser.
func (s *Store) DeleteUserTx(ctx context.Context, tx bun.IDB, id int64) (*User, error) {
	u, err := s.lockUser(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if u.IsAdmin() {
		if err := s.keepOneAdmin(ctx, tx, u.ID); err != nil {
			return nil, err
		}
	}
	if err := deleteUserSessions(ctx, tx, u.ID); err != nil {
		return nil, err
	}
	if _, err := tx.NewDelete().Model(u).WherePK().Exec(ctx); err != nil {
		return nil, err
	}
	return u, nil
}

// usersLockKey is the PostgreSQL transaction-level advisory lock taken by
// every transaction that changes or deletes a user.
const usersLockKey = 7_318_461_001

// lockUser serialises user changes (on PostgreSQL with an advisory
// transaction lock; SQLite's BEGIN IMMEDIATE already does) and then reads the
// user as committed by whoever held the lock before.
func (s *Store) lockUser(ctx context.Context, tx bun.IDB, id int64) (*User, error) {
	if s.engine == EnginePostgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", usersLockKey); err != nil {
			return nil, err
		}
	}
	u := new(User)
	err := tx.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.user.not_found")
	}
	return u, err
}

// keepOneAdmin refuses when removing admin rights from user id would leave
// no enabled admin. It must run after lockUser: the lock makes two
// transactions removing two different admins at once take turns, and the
// second one's read (a fresh READ COMMITTED snapshot) sees the first's change.
func (s *Store) keepOneAdmin(ctx context.Context, tx bun.IDB, id int64) error {
	var ids []int64
	q := tx.NewSelect().Model((*User)(nil)).Column("id").
		Where("role = ?", RoleAdmin).Where("disabled_at IS NULL").Order("id")
	if err := q.Scan(ctx, &ids); err != nil {
		return err
	}
	others := 0
	for _, a := range ids {
		if a != id {
			others++
		}
	}
	if others == 0 {
		return E(EFORBIDDEN, lastAdmin)
	}
	return nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
