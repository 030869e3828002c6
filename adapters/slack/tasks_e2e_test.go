package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// tasksE2E is the whole task feature on one database: the Slack adapter
// served over HTTP to a fake Slack, the /crm router with the task
// commands, the reminder scheduler and the delivery worker.
type tasksE2E struct {
	*dmEnv
	a       *Adapter
	rem     *bot.Reminders
	general string
}

func newTasksE2E(t *testing.T, st *core.Store) *tasksE2E {
	t.Helper()
	e := &tasksE2E{dmEnv: newDMEnv(t, st)}
	if err := st.DeleteTask(context.Background(), e.sam, e.task.ID); err != nil {
		t.Fatal(err)
	}
	e.general = e.fake.State().AddChannel(slacktest.Channel{Name: "general", Members: []string{"U0SAM01"}}).ID
	log := slog.New(slog.DiscardHandler)
	ui := bot.NewRouter(st, log)
	fc := e.fake.Config()
	e.a = New(Config{BotToken: fc.BotToken, SigningSecret: fc.SigningSecret, APIURL: e.fake.APIURL()}, st, ui, log)
	bot.RegisterTasks(ui, bot.TaskDeps{Zones: e.a})
	r := chi.NewRouter()
	e.a.Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	e.fake.SetProductURL(srv.URL)

	w := outbox.NewWorker(st, log, e.a)
	w.NoListen, w.Poll = true, 50*time.Millisecond
	// A send that fails on a loaded machine (a timeout) is retried soon:
	// these tests are about tasks, not the production back-off, whose
	// doubling waits could outlast waitDB.
	w.Backoff = func(int) time.Duration { return 100 * time.Millisecond }
	e.rem = &bot.Reminders{Store: st, Log: log, Outbox: w}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// command types /crm text in #general and returns the immediate answer.
func (e *tasksE2E) command(t *testing.T, text string) (slackMsg, *slacktest.Delivery) {
	t.Helper()
	d, err := e.fake.HTTP().Command(context.Background(), slacktest.Command{UserID: "U0SAM01", ChannelID: e.general, Command: "/crm", Text: text})
	if err != nil || !d.OK() {
		t.Fatalf("/crm %s: %v %+v", text, err, d)
	}
	var m slackMsg
	if len(d.Body) > 0 {
		if err := json.Unmarshal(d.Body, &m); err != nil {
			t.Fatalf("answer %s: %v", d.Body, err)
		}
	}
	return m, d
}

type slackMsg struct {
	Text   string          `json:"text"`
	Blocks json.RawMessage `json:"blocks"`
}

// press clicks a button of a DM.
func (e *tasksE2E) press(t *testing.T, m slacktest.Message, action, value string) {
	t.Helper()
	d, err := e.fake.HTTP().BlockAction(context.Background(), slacktest.BlockAction{
		UserID: "U0SAM01", ChannelID: m.Channel, MessageTS: m.TS, ActionID: action, BlockID: "actions_0", Value: value})
	if err != nil || !d.OK() {
		t.Fatalf("press %s: %v %+v", action, err, d)
	}
}

// tick runs the scheduler at the store's clock and waits for the worker
// to hand every DM to Slack.
func (e *tasksE2E) tick(t *testing.T) bot.TickResult {
	t.Helper()
	res, err := e.rem.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	waitDB(t, func() bool {
		s, err := e.st.OutboxStats(context.Background())
		return err == nil && s.Pending == 0
	})
	return res
}

// waitDB polls a database condition (the fake's WaitFor only wakes on
// changes to the fake) for up to 15 seconds.
func waitDB(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("database condition not met within 15s")
		}
	}
}

func (e *tasksE2E) dms() []slacktest.Message {
	return e.fake.State().Messages(e.fake.State().DM("U0SAM01"))
}

func TestTasksEndToEnd(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		e := newTasksE2E(t, st) // store clock: Sat 28 March 2026 09:00 UTC

		// Create by command: 02:30 on the spring-forward night is 03:30 CEST,
		// in the zone Slack's users.info gives (cached on the user).
		m, _ := e.command(t, "task add Call Dupont due 2026-03-29 02:30 at Lyon remind 30m -- quote")
		if !strings.Contains(m.Text, "tomorrow 03:30 (Europe/Paris)") {
			t.Fatalf("add answered %q", m.Text)
		}
		if n := len(e.fake.State().Calls("users.info")); n != 1 {
			t.Fatalf("users.info called %d times", n)
		}
		tasks, _ := st.ListTasks(ctx, e.sam, core.TaskFilter{})
		if len(tasks) != 1 || !tasks[0].DueAt.Equal(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)) {
			t.Fatalf("tasks %+v", tasks)
		}
		call := tasks[0]

		// Create by modal: the repeated 02:30 of the autumn night is its first.
		if m, _ := e.command(t, "task add"); m.Text != "" {
			t.Fatalf("form command answered %q", m.Text)
		}
		views := e.fake.State().Views()
		if len(views) != 1 || views[0].CallbackID != bot.FormTaskAdd {
			t.Fatalf("views %+v", views)
		}
		d, err := e.fake.HTTP().SubmitView(ctx, slacktest.ViewSubmission{ViewID: views[0].ID, Values: map[string]map[string]slacktest.InputValue{
			"title":  {"title": {Value: "Night shift"}},
			"place":  {"place": {Value: "Depot"}},
			"date":   {"date": {Type: "datepicker", SelectedDate: "2026-10-25"}},
			"time":   {"time": {Type: "timepicker", SelectedTime: "02:30"}},
			"remind": {"remind": {Type: "static_select", SelectedOption: "15"}},
		}})
		if err != nil || !d.OK() {
			t.Fatalf("submit: %v %+v", err, d)
		}
		e.fake.WaitFor(t, func(st *slacktest.State) bool {
			for _, x := range st.Ephemerals() {
				if strings.Contains(x.Text, "Added") && strings.Contains(x.Text, "Night shift") {
					return true
				}
			}
			return false
		})
		if tasks, _ = st.ListTasks(ctx, e.sam, core.TaskFilter{}); len(tasks) != 2 ||
			!tasks[1].DueAt.Equal(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)) || tasks[1].RemindMinutes != 15 {
			t.Fatalf("form task %+v", tasks[1])
		}

		// List: both, with Done and Edit buttons.
		m, _ = e.command(t, "tasks")
		blocks := string(m.Blocks)
		for _, want := range []string{"Call Dupont", "Night shift", "tomorrow 03:30", "Lyon", `"action_id":"task.done"`, `"action_id":"task.edit"`} {
			if !strings.Contains(blocks, want) {
				t.Fatalf("list lacks %s: %s", want, blocks)
			}
		}

		// Reminder 30 minutes before (03:00 CEST = 01:00 UTC), by DM.
		e.clock.Set(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC))
		if res := e.tick(t); res.Reminders != 1 {
			t.Fatalf("lead tick %+v", res)
		}
		dms := e.dms()
		if len(dms) != 1 || !strings.Contains(dms[0].Text, "Call Dupont") || !strings.Contains(string(dms[0].Blocks), "Snooze until tomorrow 09:00") {
			t.Fatalf("reminder DMs %+v", dms)
		}
		id := strconv.FormatInt(call.ID, 10)

		// Snooze 1 hour (to 04:00 CEST, past the 03:30 deadline): the DM is
		// replaced, nothing comes at the deadline, one "still open" at 04:00.
		e.press(t, dms[0], bot.ActionTaskSnooze, id+":1h")
		waitResponse(t, e.fake, "Snoozed")
		if dms = e.dms(); len(dms) != 1 || !strings.Contains(dms[0].Text, "Snoozed") {
			t.Fatalf("DM not replaced: %+v", dms)
		}
		e.clock.Set(call.DueAt)
		if res := e.tick(t); res.DMs != 0 || len(e.dms()) != 1 {
			t.Fatalf("deadline reminder despite the snooze: %+v", res)
		}
		e.clock.Set(time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC))
		e.tick(t)
		if dms = e.dms(); len(dms) != 2 || !strings.Contains(dms[1].Text, "Still open") || !strings.Contains(dms[1].Text, "today 03:30") {
			t.Fatalf("snoozed DMs %+v", dms)
		}

		// Snooze until tomorrow 9:00, then Done from the DM: nothing more.
		e.press(t, dms[1], bot.ActionTaskSnooze, id+":tomorrow")
		e.fake.WaitFor(t, func(st *slacktest.State) bool {
			for _, p := range st.ResponsePosts() {
				if strings.Contains(p.Text, "tomorrow 09:00") {
					return true
				}
			}
			return false
		})
		e.press(t, dms[1], bot.ActionTaskDone, id)
		waitDB(t, func() bool {
			t, err := e.st.Task(ctx, e.sam, call.ID)
			return err == nil && t.DoneAt != nil
		})

		// Next morning 08:30 CEST (06:30 UTC): the digest, listing today's
		// task only (the done one is gone).
		if _, err := st.CreateTask(ctx, e.sam, core.TaskInput{Title: "Lunch with Carl", DueAt: time.Date(2026, 3, 30, 10, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(time.Date(2026, 3, 30, 6, 30, 0, 0, time.UTC))
		res := e.tick(t)
		if res.Digests != 1 {
			t.Fatalf("digest tick %+v", res)
		}
		dms = e.dms()
		last := dms[len(dms)-1]
		if !strings.Contains(last.Text, "Good morning") || !strings.Contains(string(last.Blocks), "Lunch with Carl") ||
			strings.Contains(string(last.Blocks), "Call Dupont") {
			t.Fatalf("digest %+v", last)
		}
	})
}

// waitResponse waits for a response_url post replacing the original
// message with a text containing want.
func waitResponse(t *testing.T, fake *slacktest.Server, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := fake.State().Await(ctx, func(st *slacktest.State) bool {
		for _, p := range st.ResponsePosts() {
			if strings.Contains(p.Text, want) && p.ReplaceOriginal {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no response_url post with %q; posts: %+v; ephemerals: %+v", want, fake.State().ResponsePosts(), fake.State().Ephemerals())
	}
}
