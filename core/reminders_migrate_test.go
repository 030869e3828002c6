package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestReminderMigrationsDownAndUp undoes every migration down to before
// the reminder ones (030, 031) and applies them again, on a database with
// a task, on both engines.
func TestReminderMigrationsDownAndUp(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		sam := coretest.MustUser(t, st, "sam", "staff")
		if _, err := st.CreateTask(ctx, sam, core.TaskInput{Title: "Kept", DueAt: time.Now().Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		for {
			name, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatalf("down: %v", err)
			}
			if name == "" || name < "031" { // 030_task_reminders undone
				break
			}
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		tasks, err := st.ListTasks(ctx, sam, core.TaskFilter{})
		if err != nil || len(tasks) != 1 {
			t.Fatalf("tasks after down and up: %d, %v", len(tasks), err)
		}
		// The backfill armed the lead reminder of the open task.
		if tasks[0].RemindAt == nil || !tasks[0].RemindAt.Equal(tasks[0].DueAt.Add(-time.Hour)) || tasks[0].DeadlineNotifiedAt != nil {
			t.Fatalf("backfilled state: remind_at %v, deadline notified %v", tasks[0].RemindAt, tasks[0].DeadlineNotifiedAt)
		}
	})
}
