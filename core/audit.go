package core

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Audit actions recorded by the web panel and the login service.
const (
	AuditUserCreate     = "user.create"
	AuditUserUpdate     = "user.update"
	AuditUserDelete     = "user.delete"
	AuditInterestCreate = "interest.create"
	AuditInterestUpdate = "interest.update"
	AuditInterestDelete = "interest.delete"
	AuditLogin          = "login.ok"
	AuditLoginFailed    = "login.failed"
	AuditLoginLocked    = "login.locked"
	AuditSetupAdmin     = "setup.admin"
	AuditDeliveryRetry  = "delivery.retry"
)

// AuditEntry is one line of the audit log: who did what to which user,
// interest or delivery, and when. ActorID is nil for anonymous events
// (failed logins) and once the actor is deleted; ActorLogin stays.
// Details are stored twice: as messages of the catalog (DetailMsgs, JSON,
// read with Details) to be shown in the reader's language, and as their
// English text (Detail), which is all that entries older than issue 21
// have.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log,alias:audit"`

	ID          int64     `bun:"id,pk,autoincrement"`
	At          time.Time `bun:"at,notnull"`
	ActorID     *int64    `bun:"actor_id"`
	ActorLogin  string    `bun:"actor_login,notnull"`
	Action      string    `bun:"action,notnull"`
	SubjectType string    `bun:"subject_type,notnull"`
	SubjectID   *int64    `bun:"subject_id"`
	SubjectName string    `bun:"subject_name,notnull"`
	Detail      string    `bun:"detail,notnull"`
	DetailMsgs  string    `bun:"detail_msgs,notnull"`
	RemoteAddr  string    `bun:"remote_addr,notnull"`
}

// Actor is who performs a change through the web panel: the logged-in user
// and the address their request came from (for the audit log).
type Actor struct {
	User       *User
	RemoteAddr string
}

// entry is an audit entry of a's, its details given as messages of the
// catalog (none for an entry that needs none).
func (a Actor) entry(action, subjectType string, subjectID int64, subjectName string, details ...i18n.Msg) *AuditEntry {
	en := make([]string, len(details))
	for i, m := range details {
		en[i] = i18n.For(i18n.EN).Msg(m)
	}
	e := &AuditEntry{Action: action, SubjectType: subjectType, SubjectName: truncate(subjectName, 200),
		Detail: truncate(strings.Join(en, "; "), 1000), RemoteAddr: truncate(a.RemoteAddr, 100)}
	if len(details) > 0 {
		if b, err := json.Marshal(details); err == nil && len(b) <= 8000 {
			e.DetailMsgs = string(b)
		} // else: too long to keep structured (a huge error text); Detail stays
	}
	if subjectID != 0 {
		e.SubjectID = &subjectID
	}
	if a.User != nil {
		id := a.User.ID
		e.ActorID, e.ActorLogin = &id, a.User.Login
	}
	return e
}

// Details returns the entry's details as messages of the catalog, to be
// shown in the reader's language; nil for an entry stored before they
// were (Detail alone tells them), or whose messages cannot be read.
func (e *AuditEntry) Details() []i18n.Msg {
	if e.DetailMsgs == "" {
		return nil
	}
	var out []i18n.Msg
	if err := json.Unmarshal([]byte(e.DetailMsgs), &out); err != nil {
		return nil
	}
	for _, m := range out {
		if !i18n.Has(m.ID) {
			return nil // a message this version does not know: show Detail
		}
	}
	return out
}

// RecordAudit appends an entry to the audit log, stamped with the store's
// clock, inside the caller's transaction (or on s.DB).
func (s *Store) RecordAudit(ctx context.Context, db bun.IDB, e *AuditEntry) error {
	if db == nil {
		db = s.DB
	}
	e.At = s.now()
	_, err := db.NewInsert().Model(e).Returning("id").Exec(ctx)
	return err
}

// AuditFilter selects entries in ListAudit. Action, when set, keeps the
// entries whose action starts with it ("user." or "login.failed").
type AuditFilter struct {
	Action *string
	Limit  int
}

// ListAudit returns audit entries, newest first (at most 500).
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	var out []*AuditEntry
	q := s.DB.NewSelect().Model(&out).OrderExpr("at DESC, id DESC")
	if f.Action != nil && *f.Action != "" {
		q = q.Where("action LIKE ? ESCAPE '\\'", likeEscape(*f.Action)+"%")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	return out, q.Limit(int64(limit)).Scan(ctx)
}
