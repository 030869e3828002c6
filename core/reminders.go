package core

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Task reminders. A task has at most two kinds of reminder pending:
//
//   - an early one at RemindAt: the lead time before the deadline
//     (RemindMinutes, 60 by default), or a time its owner snoozed it to;
//   - the one at the deadline itself, until DeadlineNotifiedAt is set.
//
// DueReminder decides, as a pure function of the task and the clock, which
// one is due; ClaimReminders claims due tasks in the database so that each
// reminder is handed out once, across restarts and across replicas.

// ReminderKind names the reminder a task needs.
type ReminderKind string

// Reminder kinds.
const (
	// ReminderNone: nothing is due.
	ReminderNone ReminderKind = ""
	// ReminderBefore: the deadline is still ahead (lead time, or a snooze
	// that ends before the deadline).
	ReminderBefore ReminderKind = "before"
	// ReminderDeadline: the deadline has come and the task is open. An early
	// reminder due at the same moment is folded into it.
	ReminderDeadline ReminderKind = "deadline"
	// ReminderOverdue: a snooze ended after the deadline was notified.
	ReminderOverdue ReminderKind = "overdue"
)

// DueReminder returns the reminder t needs at now. A done task needs none.
func DueReminder(t *Task, now time.Time) ReminderKind {
	if t == nil || t.DoneAt != nil {
		return ReminderNone
	}
	switch {
	case t.DeadlineNotifiedAt == nil && !now.Before(t.DueAt):
		return ReminderDeadline
	case t.RemindAt != nil && !now.Before(*t.RemindAt):
		if now.Before(t.DueAt) {
			return ReminderBefore
		}
		return ReminderOverdue
	}
	return ReminderNone
}

// markReminded records that the reminder of kind was claimed at now: the
// early reminder it covered is cleared (a snooze set beyond the deadline
// stays), and the deadline one is recorded.
func (t *Task) markReminded(kind ReminderKind, now time.Time) {
	if kind == ReminderNone {
		return
	}
	t.RemindedAt = &now
	if t.RemindAt != nil && !now.Before(*t.RemindAt) {
		t.RemindAt = nil
	}
	if kind == ReminderDeadline {
		t.DeadlineNotifiedAt = &now
	}
}

// armReminders sets the reminder schedule for the task's deadline and lead
// time, as of now, forgetting what was sent for an earlier schedule.
// Reminders whose moment has already passed are not sent: a task created
// (or moved) inside its lead window gets only the deadline reminder, and
// one whose deadline is already past gets none.
func (t *Task) armReminders(now time.Time) {
	t.RemindAt, t.DeadlineNotifiedAt = nil, nil
	if at := t.DueAt.Add(-time.Duration(t.RemindMinutes) * time.Minute); at.After(now) && at.Before(t.DueAt) {
		t.RemindAt = &at
	}
	if !t.DueAt.After(now) {
		t.DeadlineNotifiedAt = &now
	}
}

// DueTask is a task whose reminder was claimed, with its owner and the
// reminder it needs.
type DueTask struct {
	Task  *Task
	Owner *User
	Kind  ReminderKind
}

// ClaimReminders claims up to limit tasks whose reminder is due at the
// store's clock, records each as reminded, and calls send with them inside
// the same transaction (send enqueues the DMs; if it fails nothing is
// claimed). It returns how many tasks were claimed; 0 means none was due.
// On PostgreSQL rows are taken with FOR UPDATE SKIP LOCKED, so schedulers
// on several replicas claim disjoint tasks and each reminder once.
func (s *Store) ClaimReminders(ctx context.Context, limit int, send func(ctx context.Context, tx bun.Tx, due []DueTask) error) (int, error) {
	n := 0
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		due, claimed, err := s.ClaimRemindersTx(ctx, tx, limit)
		if err != nil || claimed == 0 {
			return err
		}
		n = claimed
		return send(ctx, tx, due)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ClaimRemindersTx is ClaimReminders inside the caller's transaction: it
// returns the reminders due (a claimed task may need none) and how many
// tasks it claimed (limit 500 when limit <= 0). What the caller queues for
// them in tx commits with the claim.
func (s *Store) ClaimRemindersTx(ctx context.Context, tx bun.Tx, limit int) ([]DueTask, int, error) {
	if limit <= 0 {
		limit = 500
	}
	now := s.now()
	var tasks []*Task
	q := tx.NewSelect().Model(&tasks).
		Where("done_at IS NULL").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("remind_at IS NOT NULL AND remind_at <= ?", now).
				WhereOr("deadline_notified_at IS NULL AND due_at <= ?", now)
		}).
		Limit(int64(limit))
	if s.engine == EnginePostgres {
		q = q.For("UPDATE SKIP LOCKED")
	}
	if err := q.Scan(ctx); err != nil || len(tasks) == 0 {
		return nil, 0, err
	}
	owners, err := usersByID(ctx, tx, tasks)
	if err != nil {
		return nil, 0, err
	}
	var due []DueTask
	var deadline, early []int64
	for _, t := range tasks {
		kind := DueReminder(t, now)
		if kind == ReminderNone {
			continue
		}
		t.markReminded(kind, now)
		if kind == ReminderDeadline {
			deadline = append(deadline, t.ID)
		} else {
			early = append(early, t.ID)
		}
		due = append(due, DueTask{Task: t, Owner: owners[t.OwnerID], Kind: kind})
	}
	if len(deadline) > 0 {
		if _, err := tx.NewUpdate().Model((*Task)(nil)).
			Set("reminded_at = ?", now).Set("deadline_notified_at = ?", now).
			Set("remind_at = CASE WHEN remind_at <= ? THEN NULL ELSE remind_at END", now).
			Where("id IN (?)", bun.In(deadline)).Exec(ctx); err != nil {
			return nil, 0, err
		}
	}
	if len(early) > 0 {
		if _, err := tx.NewUpdate().Model((*Task)(nil)).
			Set("reminded_at = ?", now).Set("remind_at = NULL").
			Where("id IN (?)", bun.In(early)).Exec(ctx); err != nil {
			return nil, 0, err
		}
	}
	return due, len(tasks), nil
}

func usersByID(ctx context.Context, db bun.IDB, tasks []*Task) (map[int64]*User, error) {
	ids := make([]int64, 0, len(tasks))
	seen := map[int64]bool{}
	for _, t := range tasks {
		if !seen[t.OwnerID] {
			seen[t.OwnerID] = true
			ids = append(ids, t.OwnerID)
		}
	}
	var users []*User
	if err := db.NewSelect().Model(&users).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64]*User, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// SnoozeTask moves the next reminder of one of owner's open tasks to
// until, which must lie ahead. Errors: ENOTFOUND, EINVALID (until not
// ahead), ECONFLICT (the task is done).
func (s *Store) SnoozeTask(ctx context.Context, owner *User, id int64, until time.Time) (*Task, error) {
	var t *Task
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if t, err = s.lockedTaskOf(ctx, tx, owner, id); err != nil {
			return err
		}
		now := s.now()
		if t.DoneAt != nil {
			return E(ECONFLICT, "core.task.done_already", i18n.Args{"ID": id})
		}
		if !until.After(now) {
			return InvalidE("until", "core.task.snooze_past")
		}
		t.snooze(until.UTC().Truncate(time.Second), now)
		t.UpdatedAt = now
		_, err = tx.NewUpdate().Model(t).Column("remind_at", "deadline_notified_at", "updated_at").WherePK().Exec(ctx)
		return err
	})
	return t, err
}

// snooze moves the next reminder to at. Snoozing past a deadline not yet
// notified means "leave me alone until then": the deadline reminder is
// dropped and the one at at says the task is overdue.
func (t *Task) snooze(at, now time.Time) {
	t.RemindAt = &at
	if t.DeadlineNotifiedAt == nil && at.After(t.DueAt) {
		t.DeadlineNotifiedAt = &now
	}
}

// lockedTaskOf reads one of owner's tasks for update inside tx.
func (s *Store) lockedTaskOf(ctx context.Context, tx bun.IDB, owner *User, id int64) (*Task, error) {
	t := new(Task)
	err := s.forUpdate(tx.NewSelect().Model(t).Where("id = ? AND owner_id = ?", id, owner.ID)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.task.not_found", i18n.Args{"ID": id})
	}
	return t, err
}

// DMCheck is what the send-time re-check of a reminder DM reads in one
// query: the recipient (Role, DisabledAt and SlackID only; nil when the
// user is gone) and, when asked, one of their tasks (ID, DueAt and DoneAt
// only; nil when it is gone or not theirs).
type DMCheck struct {
	User *User
	Task *Task
}

// dmCheckRow is the row CheckDM reads.
type dmCheckRow struct {
	Role       string     `bun:"role"`
	DisabledAt *time.Time `bun:"disabled_at"`
	SlackID    *string    `bun:"slack_id"`
	TaskID     *int64     `bun:"task_id"`
	DueAt      *time.Time `bun:"due_at"`
	DoneAt     *time.Time `bun:"done_at"`
}

// pgCheckDM is CheckDM's query on PostgreSQL, a prepared statement.
const pgCheckDM = `SELECT u.role, u.disabled_at, u.slack_id, t.id AS task_id, t.due_at, t.done_at
FROM users AS u LEFT JOIN tasks AS t ON t.id = $2 AND t.owner_id = u.id
WHERE u.id = $1 LIMIT 1`

// CheckDM reads a DM's recipient and, when taskID is not 0, their task.
func (s *Store) CheckDM(ctx context.Context, userID, taskID int64) (DMCheck, error) {
	var rows []dmCheckRow
	var err error
	if s.engine == EnginePostgres {
		// Scanned by hand: this runs once per reminder sent.
		var r *sql.Rows
		if r, err = pgQuery(ctx, s.DB, pgCheckDM, userID, taskID); err != nil {
			return DMCheck{}, err
		}
		defer r.Close()
		for r.Next() {
			rows = append(rows[:0], dmCheckRow{})
			x := &rows[0]
			if err = r.Scan(&x.Role, &x.DisabledAt, &x.SlackID, &x.TaskID, &x.DueAt, &x.DoneAt); err != nil {
				return DMCheck{}, err
			}
		}
		err = r.Err()
	} else {
		err = s.DB.NewSelect().TableExpr("users AS u").
			ColumnExpr("u.role, u.disabled_at, u.slack_id, t.id AS task_id, t.due_at, t.done_at").
			Join("LEFT JOIN tasks AS t ON t.id = ? AND t.owner_id = u.id", taskID).
			Where("u.id = ?", userID).Limit(1).Scan(ctx, &rows)
	}
	if err != nil || len(rows) == 0 {
		return DMCheck{}, err
	}
	r := rows[0]
	c := DMCheck{User: &User{ID: userID, Role: r.Role, DisabledAt: r.DisabledAt, SlackID: r.SlackID}}
	if r.TaskID != nil && r.DueAt != nil {
		c.Task = &Task{ID: *r.TaskID, OwnerID: userID, DueAt: *r.DueAt, DoneAt: r.DoneAt}
	}
	return c, nil
}
