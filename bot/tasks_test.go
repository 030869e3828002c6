package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// fixedZones is a bot.Zones that knows each user's zone without Slack.
type fixedZones map[int64]*time.Location

func (z fixedZones) Location(ctx context.Context, u *core.User) *time.Location {
	if l := z[u.ID]; l != nil {
		return l
	}
	return time.UTC
}

type taskEnv struct {
	st    *core.Store
	clock *coretest.Clock
	r     *bot.Router
	sam   *core.User
	samA  bot.Actor
	eveA  bot.Actor
	paris *time.Location
}

func newTaskEnv(t *testing.T, st *core.Store) *taskEnv {
	t.Helper()
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	e := &taskEnv{st: st, paris: paris, clock: coretest.NewClock(time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC))}
	st.Now = e.clock.Now
	var err error
	if e.sam, err = st.CreateUser(ctx, core.NewUser{Login: "sam", Name: "Sam", Role: "staff", SlackID: "U0SAM", TimeZone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	eve, err := st.CreateUser(ctx, core.NewUser{Login: "eve", Name: "Eve", Role: "staff", SlackID: "U0EVE"})
	if err != nil {
		t.Fatal(err)
	}
	e.r = bot.NewRouter(st, nil)
	bot.RegisterTasks(e.r, bot.TaskDeps{Zones: fixedZones{e.sam.ID: paris, eve.ID: time.UTC}})
	e.samA = bot.Actor{Platform: core.PlatformSlack, UserID: "U0SAM"}
	e.eveA = bot.Actor{Platform: core.PlatformSlack, UserID: "U0EVE"}
	return e
}

func (e *taskEnv) only(t *testing.T, u *core.User) *core.Task {
	t.Helper()
	ts, err := e.st.ListTasks(context.Background(), u, core.TaskFilter{})
	if err != nil || len(ts) != 1 {
		t.Fatalf("tasks of %s: %d, %v", u.Login, len(ts), err)
	}
	return ts[0]
}

func TestTaskCommands(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		e := newTaskEnv(t, st)

		// Add inline: 02:30 on the spring-forward day means 03:30 CEST.
		rep := e.r.Command(ctx, e.samA, `task add Call "Dupont & Fils" due 2026-03-29 02:30 at Lyon remind 30m -- ask for the quote`)
		task := e.only(t, e.sam)
		if !task.DueAt.Equal(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)) || task.RemindMinutes != 30 ||
			task.Place != "Lyon" || task.Title != "Call Dupont & Fils" || task.Description != "ask for the quote" {
			t.Fatalf("created %+v", task)
		}
		if !strings.Contains(rep.Text, "tomorrow 03:30") || !strings.Contains(rep.Text, "Europe/Paris") {
			t.Fatalf("confirmation %q", rep.Text)
		}
		if rep := e.r.Command(ctx, e.samA, "task add Call due someday"); !strings.Contains(rep.Text, "Usage") {
			t.Fatalf("bad add answered %q", rep.Text)
		}

		// The list shows it in Sam's zone, with Done and Edit.
		rep = e.r.Command(ctx, e.samA, "tasks")
		if len(rep.Sections) != 1 || !strings.Contains(rep.Sections[0].Text, "tomorrow 03:30") ||
			!strings.Contains(rep.Sections[0].Text, "Lyon") || len(rep.Sections[0].Buttons) != 2 ||
			rep.Sections[0].Buttons[0].Action != bot.ActionTaskDone || rep.Sections[0].Buttons[1].Action != bot.ActionTaskEdit {
			t.Fatalf("list %+v", rep)
		}
		if rep := e.r.Command(ctx, e.samA, "tasks today"); len(rep.Sections) != 0 {
			t.Fatalf("today lists tomorrow's task: %+v", rep.Sections)
		}
		if rep := e.r.Command(ctx, e.samA, "tasks upcoming"); len(rep.Sections) != 1 {
			t.Fatalf("upcoming: %+v", rep)
		}
		if rep := e.r.Command(ctx, e.samA, "tasks soon"); !strings.Contains(rep.Text, "Usage") {
			t.Fatalf("bad scope answered %q", rep.Text)
		}

		// Eve cannot see, finish, edit, snooze or delete Sam's task.
		id := itoa(task.ID)
		for _, cmd := range []string{"task done " + id, "task edit " + id, "task delete " + id} {
			if rep := e.r.Command(ctx, e.eveA, cmd); !strings.Contains(rep.Text, "no task #"+id) {
				t.Fatalf("eve %q: %q", cmd, rep.Text)
			}
		}
		if rep := e.r.Action(ctx, e.eveA, bot.ActionTaskSnooze, id+":1h"); !strings.Contains(rep.Text, "no task") {
			t.Fatalf("eve snoozed: %q", rep.Text)
		}
		if rep := e.r.Command(ctx, e.eveA, "tasks all"); len(rep.Sections) != 0 {
			t.Fatalf("eve sees %+v", rep.Sections)
		}

		// Edit opens the form filled in, in Sam's zone.
		rep = e.r.Command(ctx, e.samA, "task edit #"+id)
		if rep.Form == nil || rep.Form.ID != bot.FormTaskEdit || rep.Form.Meta != id {
			t.Fatalf("edit reply %+v", rep)
		}
		vals := map[string]string{}
		for _, in := range rep.Form.Inputs {
			vals[in.Name] = in.Value
		}
		if vals["date"] != "2026-03-29" || vals["time"] != "03:30" || vals["remind"] != "30" || vals["title"] != "Call Dupont & Fils" {
			t.Fatalf("form values %v", vals)
		}

		// Done by button, then gone from the default list.
		if rep := e.r.Action(ctx, e.samA, bot.ActionTaskDone, id); !strings.Contains(rep.Text, "Done") || !rep.ReplaceOriginal {
			t.Fatalf("done reply %+v", rep)
		}
		if e.only(t, e.sam).DoneAt == nil {
			t.Fatal("not done")
		}
		if rep := e.r.Command(ctx, e.samA, "tasks"); len(rep.Sections) != 0 {
			t.Fatalf("done task still listed: %+v", rep.Sections)
		}
		if rep := e.r.Command(ctx, e.samA, "tasks all"); len(rep.Sections) != 1 || len(rep.Sections[0].Buttons) != 0 {
			t.Fatalf("all: %+v", rep.Sections)
		}
		if rep := e.r.Command(ctx, e.samA, "task delete "+id); !strings.Contains(rep.Text, "Deleted") {
			t.Fatalf("delete: %q", rep.Text)
		}
		if ts, _ := st.ListTasks(ctx, e.sam, core.TaskFilter{}); len(ts) != 0 {
			t.Fatalf("left %d tasks", len(ts))
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTaskForms(t *testing.T) {
	st := coretest.MustOpenSQLite(t)
	ctx := context.Background()
	e := newTaskEnv(t, st)
	rep := e.r.Command(ctx, e.samA, "task add")
	if rep.Form == nil || rep.Form.ID != bot.FormTaskAdd || len(rep.Form.Inputs) != 6 {
		t.Fatalf("add alone: %+v", rep)
	}
	// Missing title and a bad time stay in the form with errors.
	res := e.r.Submit(ctx, e.samA, bot.FormTaskAdd, "", map[string][]string{"date": {"2026-10-25"}, "time": {"2:3"}, "remind": {"60"}})
	if res.Errors["title"] == "" || res.Errors["time"] == "" || res.Reply != nil {
		t.Fatalf("invalid submit: %+v", res)
	}
	// The repeated hour of the autumn change: the first 02:30 (CEST).
	res = e.r.Submit(ctx, e.samA, bot.FormTaskAdd, "", map[string][]string{
		"title": {"Night shift"}, "place": {"Depot"}, "date": {"2026-10-25"}, "time": {"02:30"}, "remind": {"15"}, "description": {"keys"}})
	if res.Errors != nil || res.Reply == nil {
		t.Fatalf("submit: %+v", res)
	}
	task := e.only(t, e.sam)
	if !task.DueAt.Equal(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)) || task.RemindMinutes != 15 || task.Place != "Depot" {
		t.Fatalf("created %+v", task)
	}
	// Edit: move it; the reminders re-arm for the new deadline.
	res = e.r.Submit(ctx, e.samA, bot.FormTaskEdit, itoa(task.ID), map[string][]string{
		"title": {"Night shift"}, "date": {"2026-10-26"}, "time": {"08:00"}, "remind": {"60"}})
	if res.Errors != nil || res.Reply == nil || !strings.Contains(res.Reply.Text, "Saved") {
		t.Fatalf("edit submit: %+v", res)
	}
	task = e.only(t, e.sam)
	if !task.DueAt.Equal(time.Date(2026, 10, 26, 7, 0, 0, 0, time.UTC)) || task.Place != "" ||
		task.RemindAt == nil || !task.RemindAt.Equal(time.Date(2026, 10, 26, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("edited %+v", task)
	}
	// Someone else's task ID in the form meta is not found.
	res = e.r.Submit(ctx, e.eveA, bot.FormTaskEdit, itoa(task.ID), map[string][]string{
		"title": {"Mine now"}, "date": {"2026-10-26"}, "time": {"08:00"}})
	if res.Reply == nil || !strings.Contains(res.Reply.Text, "no task") {
		t.Fatalf("eve edit: %+v", res)
	}
}
