package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// Zones tells a user's time zone as their chat platform knows it (the
// Slack adapter reads users.info and caches it on the user).
type Zones interface {
	Location(ctx context.Context, u *core.User) *time.Location
}

// TaskDeps is what the task commands need besides the router's store.
type TaskDeps struct {
	// Zones gives each user's time zone; nil uses the zone stored on the
	// user (UTC when unknown).
	Zones Zones
}

// Form IDs of the task forms.
const (
	FormTaskAdd  = "task.add"
	FormTaskEdit = "task.edit"
)

// tasksShown caps the lines of one /crm tasks reply.
const tasksShown = 15

type tasks struct {
	r    *Router
	st   *core.Store
	deps TaskDeps
}

// RegisterTasks adds /crm task and /crm tasks to r, with the task.*
// buttons (Done, Edit, Snooze) and the task forms. A task is visible to its
// owner only: another user's task ID answers "not found".
func RegisterTasks(r *Router, deps TaskDeps) {
	tk := &tasks{r: r, st: r.Store, deps: deps}
	r.HandleCommand("task", "/crm task add <title> due <YYYY-MM-DD> <HH:MM> [at <place>] [remind <N>m|h] [-- <description>] · /crm task done|edit|delete <id>",
		"add a task (`/crm task add` alone opens a form), finish, edit or delete one. Times are in your Slack time zone. Example: `/crm task add Call Dupont due 2026-04-01 14:30 at Office remind 30m`", tk.command)
	r.HandleCommand("tasks", "/crm tasks [today|upcoming|past|all]",
		"your tasks: by default today's and overdue ones, then upcoming ones", tk.list)
	r.HandleAction("task", tk.action)
	r.HandleForm(FormTaskAdd, tk.submit)
	r.HandleForm(FormTaskEdit, tk.submit)
}

func (tk *tasks) loc(ctx context.Context, u *core.User) *time.Location {
	if tk.deps.Zones != nil {
		if loc := tk.deps.Zones.Location(ctx, u); loc != nil {
			return loc
		}
	}
	return u.Location()
}

func (tk *tasks) now() time.Time { return tk.st.Now() }

func (tk *tasks) command(ctx context.Context, c *Call) Reply {
	if len(c.Args) == 0 {
		return Reply{Text: "Usage: `" + TaskAddUsage + "`, `/crm task done|edit|delete <id>`, or `/crm tasks`."}
	}
	sub := strings.ToLower(c.Args[0])
	switch sub {
	case "add", "new":
		rest := strings.TrimSpace(c.Rest)
		if len(rest) >= len(c.Args[0]) {
			rest = strings.TrimSpace(rest[len(c.Args[0]):])
		}
		if rest == "" {
			return tk.form(ctx, c.User, nil)
		}
		return tk.add(ctx, c.User, rest)
	case "done", "edit", "delete", "del", "rm":
		if len(c.Args) != 2 {
			return Reply{Text: fmt.Sprintf("Usage: `/crm task %s <id>`, for example `/crm task %s 12`.", sub, sub)}
		}
		id, ok := taskID(c.Args[1])
		if !ok {
			return Reply{Text: fmt.Sprintf("%q is not a task number. See `/crm tasks`.", c.Args[1])}
		}
		switch sub {
		case "done":
			return tk.done(ctx, c.User, id, false)
		case "edit":
			t, err := tk.st.Task(ctx, c.User, id)
			if err != nil {
				return tk.r.ErrorReply(err)
			}
			return tk.form(ctx, c.User, t)
		default:
			t, err := tk.st.Task(ctx, c.User, id)
			if err == nil {
				err = tk.st.DeleteTask(ctx, c.User, id)
			}
			if err != nil {
				return tk.r.ErrorReply(err)
			}
			return Reply{Text: fmt.Sprintf("🗑 Deleted %s.", taskTitle(t))}
		}
	}
	return Reply{Text: fmt.Sprintf("I don't know `/crm task %s`. Usage: `%s`, `/crm task done|edit|delete <id>`.", c.Args[0], TaskAddUsage)}
}

// taskID reads "12" or "#12".
func taskID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	return id, err == nil && id > 0
}

func (tk *tasks) add(ctx context.Context, u *core.User, text string) Reply {
	a, err := ParseTaskAdd(text)
	if err != nil {
		return Reply{Text: core.ErrorMessage(err) + "\nUsage: `" + TaskAddUsage + "`"}
	}
	loc := tk.loc(ctx, u)
	due, err := TaskDue(a.Date, a.Time, loc, tk.now())
	if err != nil {
		return Reply{Text: core.ErrorMessage(err)}
	}
	t, err := tk.st.CreateTask(ctx, u, core.TaskInput{Title: a.Title, Place: a.Place, DueAt: due, RemindMinutes: a.Remind, Description: a.Description})
	if err != nil {
		return tk.r.ErrorReply(err)
	}
	return tk.created(t, loc, "Added")
}

// created confirms a new or edited task, saying when it will be reminded.
func (tk *tasks) created(t *core.Task, loc *time.Location, verb string) Reply {
	now := tk.now()
	text := fmt.Sprintf("%s %s, due %s (%s).", verb, taskTitle(t), FormatDue(t.DueAt, loc, now), loc.String())
	switch {
	case t.RemindAt != nil:
		text += fmt.Sprintf(" I'll remind you %s and at the deadline.", FormatDue(*t.RemindAt, loc, now))
	case t.DeadlineNotifiedAt == nil:
		text += " I'll remind you at the deadline."
	default:
		text += " Its deadline has passed, so no reminder."
	}
	return Reply{Text: text, Sections: []Section{taskSection(t, loc, now, false)}}
}

func (tk *tasks) done(ctx context.Context, u *core.User, id int64, replace bool) Reply {
	t, err := tk.st.UpdateTask(ctx, u, id, core.TaskUpdate{Done: new(true)})
	if err != nil {
		return tk.r.ErrorReply(err)
	}
	return Reply{Text: fmt.Sprintf("✅ Done: %s.", taskTitle(t)), ReplaceOriginal: replace}
}

func (tk *tasks) action(ctx context.Context, c *Call, action, value string) Reply {
	idPart, choice, _ := strings.Cut(value, ":")
	id, ok := taskID(idPart)
	if !ok {
		return Reply{Text: "That button no longer works here."}
	}
	switch action {
	case ActionTaskDone:
		return tk.done(ctx, c.User, id, true)
	case ActionTaskEdit:
		t, err := tk.st.Task(ctx, c.User, id)
		if err != nil {
			return tk.r.ErrorReply(err)
		}
		return tk.form(ctx, c.User, t)
	case ActionTaskSnooze:
		loc := tk.loc(ctx, c.User)
		now := tk.now()
		var until time.Time
		switch choice {
		case SnoozeHour:
			until = now.Add(time.Hour)
		case SnoozeTomorrow:
			l := now.In(loc)
			tomorrow := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, time.UTC)
			until = core.LocalTime(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), SnoozeTomorrowAt/60, SnoozeTomorrowAt%60, loc)
		default:
			return Reply{Text: "That button no longer works here."}
		}
		t, err := tk.st.SnoozeTask(ctx, c.User, id, until)
		if err != nil {
			return tk.r.ErrorReply(err)
		}
		return Reply{Text: fmt.Sprintf("💤 Snoozed %s: I'll remind you again %s.", taskTitle(t), FormatDue(until, loc, now)), ReplaceOriginal: true}
	}
	return Reply{Text: "That button no longer works here."}
}

func (tk *tasks) list(ctx context.Context, c *Call) Reply {
	scope, err := ParseTasksScope(c.Args)
	if err != nil {
		return Reply{Text: core.ErrorMessage(err)}
	}
	loc := tk.loc(ctx, c.User)
	now := tk.now()
	_, endOfDay := core.LocalDay(now, loc)
	startOfDay, _ := core.LocalDay(now, loc)
	open, done := false, true
	var groups []taskGroup
	switch scope {
	case TasksDefault, TasksToday:
		overdueAndToday, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{Done: &open, DueBefore: &endOfDay})
		if err != nil {
			return tk.r.ErrorReply(err)
		}
		doneToday, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{Done: &done, DueAfter: &startOfDay, DueBefore: &endOfDay})
		if err != nil {
			return tk.r.ErrorReply(err)
		}
		groups = append(groups, taskGroup{"Today and overdue", append(overdueAndToday, doneToday...)})
		if scope == TasksDefault {
			upcoming, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{Done: &open, DueAfter: &endOfDay})
			if err != nil {
				return tk.r.ErrorReply(err)
			}
			groups = append(groups, taskGroup{"Upcoming", upcoming})
		}
	case TasksUpcoming:
		upcoming, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{Done: &open, DueAfter: &endOfDay})
		if err != nil {
			return tk.r.ErrorReply(err)
		}
		groups = append(groups, taskGroup{"Upcoming", upcoming})
	case TasksPast:
		past, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{DueBefore: &now})
		if err != nil {
			return tk.r.ErrorReply(err)
		}
		for i, j := 0, len(past)-1; i < j; i, j = i+1, j-1 {
			past[i], past[j] = past[j], past[i]
		}
		groups = append(groups, taskGroup{"Past (latest first)", past})
	case TasksAll:
		all, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{})
		if err != nil {
			return tk.r.ErrorReply(err)
		}
		groups = append(groups, taskGroup{"All tasks", all})
	}
	return tasksReply(groups, loc, now)
}

type taskGroup struct {
	name  string
	tasks []*core.Task
}

// tasksReply shows groups of tasks, tasksShown lines at most in all.
func tasksReply(groups []taskGroup, loc *time.Location, now time.Time) Reply {
	var rep Reply
	shown, total := 0, 0
	var heads []string
	for _, g := range groups {
		total += len(g.tasks)
		heads = append(heads, fmt.Sprintf("%s: %d", g.name, len(g.tasks)))
		for i, t := range g.tasks {
			if shown == tasksShown {
				break
			}
			s := taskSection(t, loc, now, false)
			if i == 0 {
				s.Title = g.name + " — " + s.Title
			}
			rep.Sections = append(rep.Sections, s)
			shown++
		}
	}
	if total == 0 {
		rep.Text = "No tasks here. Add one with `" + TaskAddUsage + "`."
		return rep
	}
	rep.Text = fmt.Sprintf("*Your tasks* (times in %s) — %s.", loc.String(), strings.Join(heads, ", "))
	if shown < total {
		rep.Text += fmt.Sprintf(" Showing %d of %d; try `/crm tasks upcoming`, `past` or `all`.", shown, total)
	}
	return rep
}
