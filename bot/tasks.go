package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
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
	r.HandleCommand(Command{Name: "task", Words: []string{"tâche"}, Usage: "tasks.task.usage", Help: "tasks.task.help", Fn: tk.command})
	r.HandleCommand(Command{Name: "tasks", Words: []string{"tâches"}, Usage: "tasks.list.usage", Help: "tasks.list.help", Fn: tk.list})
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

// taskWords are the subcommands of /crm task, English first.
var taskWords = newVocabulary(
	[]string{"add", "new", "ajouter", "nouvelle"},
	[]string{"done", "faite", "fait", "terminer", "terminée"},
	[]string{"edit", "modifier"},
	[]string{"delete", "del", "rm", "supprimer", "effacer"},
)

func (tk *tasks) command(ctx context.Context, c *Call) Reply {
	p := c.P
	if len(c.Args) == 0 {
		return Reply{Text: p.T("tasks.task.usage_full", i18n.Args{"Add": p.T(TaskAddUsage)})}
	}
	sub := taskWords.of(c.Args[0])
	switch sub {
	case "add":
		rest := strings.TrimSpace(c.Rest)
		if len(rest) >= len(c.Args[0]) {
			rest = strings.TrimSpace(rest[len(c.Args[0]):])
		}
		if rest == "" {
			return tk.form(ctx, p, c.User, nil)
		}
		return tk.add(ctx, p, c.User, rest)
	case "done", "edit", "delete":
		if len(c.Args) != 2 {
			return Reply{Text: p.T("tasks.task.usage_id", i18n.Args{"Word": c.Args[0]})}
		}
		id, ok := taskID(c.Args[1])
		if !ok {
			return Reply{Text: p.T("tasks.task.not_number", i18n.Args{"Value": c.Args[1]})}
		}
		switch sub {
		case "done":
			return tk.done(ctx, p, c.User, id, false)
		case "edit":
			t, err := tk.st.Task(ctx, c.User, id)
			if err != nil {
				return tk.r.ErrorReply(p, err)
			}
			return tk.form(ctx, p, c.User, t)
		default:
			t, err := tk.st.Task(ctx, c.User, id)
			if err == nil {
				err = tk.st.DeleteTask(ctx, c.User, id)
			}
			if err != nil {
				return tk.r.ErrorReply(p, err)
			}
			return Reply{Text: p.T("tasks.task.deleted", i18n.Args{"Task": taskTitle(t)})}
		}
	}
	return Reply{Text: p.T("tasks.task.unknown", i18n.Args{"Word": c.Args[0], "Add": p.T(TaskAddUsage)})}
}

// taskID reads "12" or "#12".
func taskID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	return id, err == nil && id > 0
}

func (tk *tasks) add(ctx context.Context, p i18n.Printer, u *core.User, text string) Reply {
	a, err := ParseTaskAdd(text)
	if err != nil {
		return usage(p, core.ErrorMessageIn(err, p.Locale()), TaskAddUsage)
	}
	loc := tk.loc(ctx, u)
	due, err := TaskDue(a.Date, a.Time, loc, tk.now())
	if err != nil {
		return Reply{Text: core.ErrorMessageIn(err, p.Locale())}
	}
	t, err := tk.st.CreateTask(ctx, u, core.TaskInput{Title: a.Title, Place: a.Place, DueAt: due, RemindMinutes: a.Remind, Description: a.Description})
	if err != nil {
		return tk.r.ErrorReply(p, err)
	}
	return tk.created(p, t, loc, false)
}

// created confirms a new (or, saved, an edited) task, saying when it will
// be reminded.
func (tk *tasks) created(p i18n.Printer, t *core.Task, loc *time.Location, saved bool) Reply {
	now := tk.now()
	args := i18n.Args{"Task": taskTitle(t), "Due": FormatDue(p, t.DueAt, loc, now), "Zone": loc.String()}
	first := p.T("tasks.task.added", args)
	if saved {
		first = p.T("tasks.task.saved", args)
	}
	var then string
	switch {
	case t.RemindAt != nil:
		then = p.T("tasks.task.remind_before", i18n.Args{"When": FormatDue(p, *t.RemindAt, loc, now)})
	case t.DeadlineNotifiedAt == nil:
		then = p.T("tasks.task.remind_deadline")
	default:
		then = p.T("tasks.task.remind_none")
	}
	return Reply{Text: joinSentences(first, then), Sections: []Section{taskSection(p, t, loc, now, false)}}
}

func (tk *tasks) done(ctx context.Context, p i18n.Printer, u *core.User, id int64, replace bool) Reply {
	t, err := tk.st.UpdateTask(ctx, u, id, core.TaskUpdate{Done: new(true)})
	if err != nil {
		return tk.r.ErrorReply(p, err)
	}
	return Reply{Text: p.T("tasks.task.done", i18n.Args{"Task": taskTitle(t)}), ReplaceOriginal: replace}
}

func (tk *tasks) action(ctx context.Context, c *Call, action, value string) Reply {
	p := c.P
	idPart, choice, _ := strings.Cut(value, ":")
	id, ok := taskID(idPart)
	if !ok {
		return Reply{Text: p.T("crm.button_gone")}
	}
	switch action {
	case ActionTaskDone:
		return tk.done(ctx, p, c.User, id, true)
	case ActionTaskEdit:
		t, err := tk.st.Task(ctx, c.User, id)
		if err != nil {
			return tk.r.ErrorReply(p, err)
		}
		return tk.form(ctx, p, c.User, t)
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
			return Reply{Text: p.T("crm.button_gone")}
		}
		t, err := tk.st.SnoozeTask(ctx, c.User, id, until)
		if err != nil {
			return tk.r.ErrorReply(p, err)
		}
		return Reply{Text: p.T("tasks.task.snoozed", i18n.Args{"Task": taskTitle(t), "When": FormatDue(p, until, loc, now)}), ReplaceOriginal: true}
	}
	return Reply{Text: p.T("crm.button_gone")}
}

func (tk *tasks) list(ctx context.Context, c *Call) Reply {
	p := c.P
	scope, err := ParseTasksScope(c.Args)
	if err != nil {
		return Reply{Text: core.ErrorMessageIn(err, p.Locale())}
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
			return tk.r.ErrorReply(p, err)
		}
		doneToday, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{Done: &done, DueAfter: &startOfDay, DueBefore: &endOfDay})
		if err != nil {
			return tk.r.ErrorReply(p, err)
		}
		groups = append(groups, taskGroup{p.T("tasks.list.today"), append(overdueAndToday, doneToday...)})
		if scope == TasksDefault {
			upcoming, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{Done: &open, DueAfter: &endOfDay})
			if err != nil {
				return tk.r.ErrorReply(p, err)
			}
			groups = append(groups, taskGroup{p.T("tasks.list.upcoming"), upcoming})
		}
	case TasksUpcoming:
		upcoming, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{Done: &open, DueAfter: &endOfDay})
		if err != nil {
			return tk.r.ErrorReply(p, err)
		}
		groups = append(groups, taskGroup{p.T("tasks.list.upcoming"), upcoming})
	case TasksPast:
		past, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{DueBefore: &now})
		if err != nil {
			return tk.r.ErrorReply(p, err)
		}
		for i, j := 0, len(past)-1; i < j; i, j = i+1, j-1 {
			past[i], past[j] = past[j], past[i]
		}
		groups = append(groups, taskGroup{p.T("tasks.list.past"), past})
	case TasksAll:
		all, err := tk.st.ListTasks(ctx, c.User, core.TaskFilter{})
		if err != nil {
			return tk.r.ErrorReply(p, err)
		}
		groups = append(groups, taskGroup{p.T("tasks.list.all"), all})
	}
	return tasksReply(p, groups, loc, now)
}

type taskGroup struct {
	name  string
	tasks []*core.Task
}

// tasksReply shows groups of tasks, tasksShown lines at most in all.
func tasksReply(p i18n.Printer, groups []taskGroup, loc *time.Location, now time.Time) Reply {
	var rep Reply
	shown, total := 0, 0
	var heads []string
	for _, g := range groups {
		total += len(g.tasks)
		heads = append(heads, p.T("tasks.list.group_count", i18n.Args{"Group": g.name, "Count": len(g.tasks)}))
		for i, t := range g.tasks {
			if shown == tasksShown {
				break
			}
			s := taskSection(p, t, loc, now, false)
			if i == 0 {
				s.Title = g.name + " — " + s.Title
			}
			rep.Sections = append(rep.Sections, s)
			shown++
		}
	}
	if total == 0 {
		rep.Text = p.T("tasks.list.none", i18n.Args{"Add": p.T(TaskAddUsage)})
		return rep
	}
	rep.Text = p.T("tasks.list.title", i18n.Args{"Zone": loc.String(), "Groups": strings.Join(heads, ", ")})
	if shown < total {
		rep.Text = joinSentences(rep.Text, p.N("tasks.list.showing", total, i18n.Args{"Shown": shown}))
	}
	return rep
}
