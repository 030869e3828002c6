package core

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// DefaultRemindMinutes is how long before its deadline a task is reminded
// when its owner did not say.
const DefaultRemindMinutes = 60

// TaskInput holds a task's editable fields. DueAt is an instant; callers
// turn the owner's local date and time into it (see LocalTime).
type TaskInput struct {
	Title         string
	Place         string
	DueAt         time.Time
	RemindMinutes *int
	Description   string
}

// TaskUpdate is a partial update of a task.
type TaskUpdate struct {
	Title         *string
	Place         *string
	DueAt         *time.Time
	RemindMinutes *int
	Description   *string
	Done          *bool
}

// TaskFilter selects an owner's tasks in ListTasks. Nil fields do not filter.
type TaskFilter struct {
	Done      *bool
	DueAfter  *time.Time // due at or after
	DueBefore *time.Time // due strictly before
}

func (t *Task) apply(up TaskUpdate, now time.Time) error {
	var err error
	if up.Title != nil {
		if t.Title, err = text("title", "core.field.title", *up.Title, 200, true); err != nil {
			return err
		}
	}
	if up.Place != nil {
		if t.Place, err = text("place", "core.field.place", *up.Place, 200, false); err != nil {
			return err
		}
	}
	if up.Description != nil {
		if t.Description, err = text("description", "core.field.details", *up.Description, 4000, false); err != nil {
			return err
		}
	}
	if up.DueAt != nil {
		if up.DueAt.IsZero() {
			return InvalidE("due", "core.task.due_required")
		}
		t.DueAt = up.DueAt.UTC().Truncate(time.Second)
	}
	if up.RemindMinutes != nil {
		if *up.RemindMinutes < 0 || *up.RemindMinutes > 60*24*14 {
			return InvalidE("remind", "core.task.remind_range")
		}
		t.RemindMinutes = *up.RemindMinutes
	}
	if up.Done != nil {
		switch {
		case *up.Done && t.DoneAt == nil:
			t.DoneAt = &now
		case !*up.Done && t.DoneAt != nil:
			t.DoneAt = nil
			t.armReminders(now) // reopened: remind again what is still ahead
		}
	}
	if up.DueAt != nil || up.RemindMinutes != nil {
		t.armReminders(now) // new schedule: forget reminders sent for the old one
	}
	return nil
}

// CreateTask adds a task owned by owner. Errors: EINVALID, EFORBIDDEN.
func (s *Store) CreateTask(ctx context.Context, owner *User, in TaskInput) (*Task, error) {
	if owner == nil || owner.DisabledAt != nil {
		return nil, E(EFORBIDDEN, "core.task.owner_inactive")
	}
	now := s.now()
	t := &Task{OwnerID: owner.ID, RemindMinutes: DefaultRemindMinutes, CreatedAt: now, UpdatedAt: now}
	if err := t.apply(TaskUpdate{Title: &in.Title, Place: &in.Place, DueAt: &in.DueAt, RemindMinutes: in.RemindMinutes, Description: &in.Description}, now); err != nil {
		return nil, err
	}
	if _, err := s.DB.NewInsert().Model(t).Returning("id").Exec(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// Task returns one of owner's tasks. Another user's task is ENOTFOUND, as
// if it did not exist.
func (s *Store) Task(ctx context.Context, owner *User, id int64) (*Task, error) {
	return taskOf(ctx, s.DB, owner, id)
}

func taskOf(ctx context.Context, db bun.IDB, owner *User, id int64) (*Task, error) {
	t := new(Task)
	err := db.NewSelect().Model(t).Where("id = ? AND owner_id = ?", id, owner.ID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.task.not_found", i18n.Args{"ID": id})
	}
	return t, err
}

// UpdateTask edits one of owner's tasks. Errors: ENOTFOUND, EINVALID.
func (s *Store) UpdateTask(ctx context.Context, owner *User, id int64, up TaskUpdate) (*Task, error) {
	var t *Task
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		// Locked, so that a reminder claimed meanwhile is not written back
		// as still pending.
		if t, err = s.lockedTaskOf(ctx, tx, owner, id); err != nil {
			return err
		}
		now := s.now()
		if err := t.apply(up, now); err != nil {
			return err
		}
		t.UpdatedAt = now
		_, err = tx.NewUpdate().Model(t).WherePK().Exec(ctx)
		return err
	})
	return t, err
}

// DeleteTask deletes one of owner's tasks. Errors: ENOTFOUND.
func (s *Store) DeleteTask(ctx context.Context, owner *User, id int64) error {
	res, err := s.DB.NewDelete().Model((*Task)(nil)).Where("id = ? AND owner_id = ?", id, owner.ID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return E(ENOTFOUND, "core.task.not_found", i18n.Args{"ID": id})
	}
	return nil
}

// ListTasks returns owner's tasks matching f, by deadline.
func (s *Store) ListTasks(ctx context.Context, owner *User, f TaskFilter) ([]*Task, error) {
	var out []*Task
	q := s.DB.NewSelect().Model(&out).Where("owner_id = ?", owner.ID).OrderExpr("due_at, id")
	if f.Done != nil {
		if *f.Done {
			q = q.Where("done_at IS NOT NULL")
		} else {
			q = q.Where("done_at IS NULL")
		}
	}
	if f.DueAfter != nil {
		q = q.Where("due_at >= ?", f.DueAfter.UTC())
	}
	if f.DueBefore != nil {
		q = q.Where("due_at < ?", f.DueBefore.UTC())
	}
	return out, q.Scan(ctx)
}

// LocalTime turns a wall-clock date and time in loc into an instant. On a
// spring-forward day a time that does not exist (02:30 when clocks jump from
// 02:00 to 03:00) moves forward by the gap (03:30); on a fall-back day a time
// that happens twice means its first occurrence (the earlier instant). Gaps
// and repeats of any length count (30 minutes on Lord Howe Island, 2 hours
// at Troll, a whole day on Samoa in 2011), at any hour (midnight in Cuba).
func LocalTime(year int, month time.Month, day, hour, minute int, loc *time.Location) time.Time {
	naive := time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
	offset := func(u time.Time) time.Duration { _, o := u.In(loc).Zone(); return time.Duration(o) * time.Second }
	// The offsets in force around that day: any instant showing the wall
	// time is naive minus the offset in force at it.
	var best time.Time
	highest := offset(naive)
	for _, o := range []time.Duration{offset(naive.Add(-24 * time.Hour)), highest, offset(naive.Add(24 * time.Hour))} {
		highest = max(highest, o)
		if u := naive.Add(-o); offset(u) == o && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !best.IsZero() {
		return best
	}
	// No instant shows it: clocks jumped over it. Read it with the offset
	// in force before the jump, which shows as the same time after it.
	return naive.Add(-offset(naive.Add(-highest)))
}
