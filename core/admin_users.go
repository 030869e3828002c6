package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
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
		return s.RecordAudit(ctx, tx, a.entry(AuditUserCreate, "user", u.ID, u.Login, "role "+u.Role))
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
		return s.RecordAudit(ctx, tx, a.entry(AuditUserUpdate, "user", after.ID, after.Login, strings.Join(changes, "; ")))
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

// userChanges describes, for the audit log, what differs between two
// versions of a user (never the password itself).
func userChanges(b, a *User, password bool) []string {
	var out []string
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	add := func(label, old, new string) {
		if old != new {
			out = append(out, fmt.Sprintf("%s: %q → %q", label, old, new))
		}
	}
	add("login", b.Login, a.Login)
	add("name", b.Name, a.Name)
	add("email", b.Email, a.Email)
	add("phone", b.Phone, a.Phone)
	add("role", b.Role, a.Role)
	add("Slack ID", str(b.SlackID), str(a.SlackID))
	add("Discord ID", str(b.DiscordID), str(a.DiscordID))
	add("time zone", b.TimeZone, a.TimeZone)
	add("language", b.Locale, a.Locale)
	if (b.DisabledAt == nil) != (a.DisabledAt == nil) {
		if a.DisabledAt != nil {
			out = append(out, "disabled")
		} else {
			out = append(out, "enabled")
		}
	}
	if password {
		out = append(out, "password changed")
	}
	return out
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
		return s.RecordAudit(ctx, tx, a.entry(AuditUserDelete, "user", u.ID, u.Login, "was "+u.Role+", "+u.Name))
	})
}

// CanDeleteUser says whether DeleteUserAs would refuse, and why (in
// English), so that the confirmation page can explain it before anyone
// presses the button. Errors: ENOTFOUND; the refusal itself is returned
// as reason. DeleteRefusal gives the refusal in any language.
func (s *Store) CanDeleteUser(ctx context.Context, a Actor, id int64) (reason string, err error) {
	refusal, err := s.DeleteRefusal(ctx, a, id)
	if refusal == nil || err != nil {
		return "", err
	}
	return refusal.Message, nil
}

// DeleteRefusal returns the EFORBIDDEN error DeleteUserAs would refuse
// with (show it with ErrorMessageIn), nil when it would not. Errors:
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
