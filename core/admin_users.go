package core

import (
	"context"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Messages of the self-lockout rule (an admin cannot remove their own
// access from the web panel; another admin has to do it) and of the
// last-admin rule.
const (
	selfDemote  = "core.user.self_demote"
	selfDisable = "core.user.self_disable"
	selfDelete  = "core.user.self_delete"
	lastAdmin   = "core.user.last_admin"
)

// CreateUserAs creates a user on behalf of an admin and records it in the
// audit log, in one transaction. Errors: like CreateUser.
func (s *Store) CreateUserAs(ctx context.Context, a Actor, in NewUser) (*User, error) {
	var u *User
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if u, err = s.CreateUserTx(ctx, tx, in); err != nil {
			return err
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditUserCreate, "user", u.ID, u.Login, i18n.M("audit.user.created", i18n.Args{"Role": roleWord(u.Role)})))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUserAs changes a user on behalf of an admin and records what
// changed in the audit log. Besides UpdateUser's rules, an admin may not
// demote or disable themselves (another admin must). Errors: like
// UpdateUser; EFORBIDDEN names the field (role, disabled) it is about.
func (s *Store) UpdateUserAs(ctx context.Context, a Actor, id int64, up UserUpdate) (*User, error) {
	var after *User
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		before, err := s.lockUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.User != nil && a.User.ID == id {
			demote := up.Role != nil && strings.ToLower(strings.TrimSpace(*up.Role)) != RoleAdmin && before.Role == RoleAdmin
			disable := up.Disabled != nil && *up.Disabled && before.DisabledAt == nil
			if demote || disable {
				field, msg := "role", selfDemote
				if !demote {
					field, msg = "disabled", selfDisable
				}
				if before.IsAdmin() {
					if err := s.keepOneAdmin(ctx, tx, id); err != nil {
						return onField(err, field)
					}
				}
				return FieldE(EFORBIDDEN, field, msg)
			}
		}
		if after, err = s.UpdateUserTx(ctx, tx, id, up); err != nil {
			if ErrorCode(err) == EFORBIDDEN && ErrorField(err) == "" {
				field := "role"
				if up.Role == nil || strings.ToLower(strings.TrimSpace(*up.Role)) == RoleAdmin {
					field = "disabled"
				}
				return onField(err, field)
			}
			return err
		}
		changes := userChanges(before, after, up.Password != nil)
		if len(changes) == 0 {
			return nil
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditUserUpdate, "user", after.ID, after.Login, changes...))
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

// userChanges describes, for the audit log, what differs between two
// versions of a user (never the password itself).
func userChanges(b, a *User, password bool) []i18n.Msg {
	var out []i18n.Msg
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	// add records a change of field from old to new, shown as words
	// (a role's, a language's name) by word, or as they are.
	add := func(field, old, new string, word func(string) any) {
		if old == new {
			return
		}
		var o, n any = old, new
		if word != nil {
			o, n = word(old), word(new)
		}
		out = append(out, i18n.M("audit.user.changed", i18n.Args{"Field": i18n.M(field), "Old": o, "New": n}))
	}
	add("audit.field.login", b.Login, a.Login, nil)
	add("audit.field.name", b.Name, a.Name, nil)
	add("audit.field.email", b.Email, a.Email, nil)
	add("audit.field.phone", b.Phone, a.Phone, nil)
	add("audit.field.role", b.Role, a.Role, roleWord)
	add("audit.field.slack_id", str(b.SlackID), str(a.SlackID), nil)
	add("audit.field.discord_id", str(b.DiscordID), str(a.DiscordID), nil)
	add("audit.field.time_zone", b.TimeZone, a.TimeZone, nil)
	add("audit.field.language", b.Locale, a.Locale, userLocaleWord)
	if (b.DisabledAt == nil) != (a.DisabledAt == nil) {
		if a.DisabledAt != nil {
			out = append(out, i18n.M("audit.user.disabled"))
		} else {
			out = append(out, i18n.M("audit.user.enabled"))
		}
	}
	if password {
		out = append(out, i18n.M("audit.user.password"))
	}
	return out
}

// roleWord is a role's word, for a sentence of the audit log.
func roleWord(role string) any {
	switch role {
	case RoleAdmin:
		return i18n.M("panel.role.admin")
	case RoleStaff:
		return i18n.M("panel.role.staff")
	case RoleClient:
		return i18n.M("panel.role.client")
	}
	return role
}

// userLocaleWord is a user's language setting, for a sentence of the
// audit log: the language's name, or none.
func userLocaleWord(l string) any {
	switch i18n.Locale(l) {
	case i18n.EN:
		return i18n.M("common.language.en")
	case i18n.FR:
		return i18n.M("common.language.fr")
	case "":
		return i18n.M("common.none")
	}
	return l
}

// DeleteUserAs deletes a user on behalf of an admin and records it in the
// audit log. Besides DeleteUser's last-admin rule, an admin may not delete
// themselves (another admin must). Errors: ENOTFOUND, EFORBIDDEN.
func (s *Store) DeleteUserAs(ctx context.Context, a Actor, id int64) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.lockUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IsAdmin() {
			if err := s.keepOneAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		if a.User != nil && a.User.ID == id {
			return E(EFORBIDDEN, selfDelete)
		}
		if _, err := s.DeleteUserTx(ctx, tx, id); err != nil {
			return err
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditUserDelete, "user", u.ID, u.Login, i18n.M("audit.user.deleted", i18n.Args{"Role": roleWord(u.Role), "Name": u.Name})))
	})
}

// DeleteRefusal returns the EFORBIDDEN error DeleteUserAs would refuse
// with (show it with ErrorMessageIn), nil when it would not, so that the
// confirmation page can explain it before anyone presses the button. Errors:
// ENOTFOUND.
func (s *Store) DeleteRefusal(ctx context.Context, a Actor, id int64) (*Error, error) {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.IsAdmin() {
		n, err := s.CountAdmins(ctx)
		if err != nil {
			return nil, err
		}
		if n <= 1 {
			return E(EFORBIDDEN, lastAdmin), nil
		}
	}
	if a.User != nil && a.User.ID == id {
		return E(EFORBIDDEN, selfDelete), nil
	}
	return nil, nil
}

// onField returns err's *Error about field: the same message and code,
// shown beside that input.
func onField(err error, field string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	cp := *e
	cp.Field = field
	return &cp
}
