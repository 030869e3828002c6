package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// pendingDMs returns the DM payloads waiting in the outbox, oldest first.
func pendingDMs(t *testing.T, st *core.Store) []bot.DMPayload {
	t.Helper()
	var ds []*core.Delivery
	if err := st.DB.NewSelect().Model(&ds).Where("kind = ? AND status = ?", bot.KindSlackDM, core.DeliveryPending).OrderExpr("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []bot.DMPayload
	for _, d := range ds {
		if d.Platform != core.PlatformSlack || !strings.HasPrefix(d.Stream, "dm:") {
			t.Fatalf("delivery %+v", d)
		}
		p, err := bot.DecodeDM(d)
		if err != nil {
			t.Fatal(err)
		}
		if d.Stream != bot.DMStream(p.UserID) {
			t.Fatalf("stream %q for user %d", d.Stream, p.UserID)
		}
		out = append(out, p)
	}
	return out
}

// drain marks every pending delivery done, as a worker would.
func drain(t *testing.T, st *core.Store) {
	t.Helper()
	if _, err := st.DB.NewUpdate().Model((*core.Delivery)(nil)).Set("status = ?", core.DeliveryDone).
		Where("status = ?", core.DeliveryPending).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func tick(t *testing.T, rem *bot.Reminders) bot.TickResult {
	t.Helper()
	res, err := rem.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReminderTick(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		e := newTaskEnv(t, st) // clock: 28 March 2026 09:00 UTC (10:00 in Paris)
		rem := &bot.Reminders{Store: st, Batch: 2}
		due := time.Date(2026, 3, 28, 13, 0, 0, 0, time.UTC) // 14:00 in Paris
		task, err := st.CreateTask(ctx, e.sam, core.TaskInput{Title: "Call Dupont", Place: "Lyon", DueAt: due})
		if err != nil {
			t.Fatal(err)
		}
		noSlack := coretest.MustUser(t, st, "nos", "staff")
		if _, err := st.CreateTask(ctx, noSlack, core.TaskInput{Title: "Unreachable", DueAt: due}); err != nil {
			t.Fatal(err)
		}
		// 10:00 in Paris: Sam's morning digest (within its window), no reminder.
		if res := tick(t, rem); res.Reminders != 0 || res.Digests != 1 || len(pendingDMs(t, st)) != 1 || pendingDMs(t, st)[0].Purpose != bot.DMDigest {
			t.Fatalf("early tick: %+v", res)
		}
		drain(t, st)

		// Lead time: 60 minutes before, with Done and both snoozes.
		e.clock.Set(due.Add(-time.Hour))
		if res := tick(t, rem); res.DMs != 1 || res.Reminders != 2 { // the no-Slack task is claimed, not sent
			t.Fatalf("lead tick: %+v", res)
		}
		dms := pendingDMs(t, st)
		if len(dms) != 1 {
			t.Fatalf("DMs %+v", dms)
		}
		p := dms[0]
		if p.SlackUserID != "U0SAM" || p.TaskID != task.ID || p.Kind != core.ReminderBefore || p.Purpose != bot.DMReminder ||
			!strings.Contains(p.Text, "today 14:00") || !strings.Contains(p.Text, "in 1 h") {
			t.Fatalf("lead DM %+v", p)
		}
		var actions []string
		for _, b := range p.Sections[0].Buttons {
			actions = append(actions, b.Action+"="+b.Value)
		}
		id := itoa(task.ID)
		if strings.Join(actions, " ") != "task.done="+id+" task.snooze="+id+":1h task.snooze="+id+":tomorrow" {
			t.Fatalf("buttons %v", actions)
		}
		if ok, why, err := bot.DMStillWanted(ctx, st, p); !ok || err != nil {
			t.Fatalf("still wanted: %v %s %v", ok, why, err)
		}
		drain(t, st)
		if res := tick(t, rem); res.DMs != 0 {
			t.Fatalf("repeated tick: %+v", res)
		}

		// At the deadline.
		e.clock.Set(due)
		if res := tick(t, rem); res.DMs != 1 || res.Reminders != 2 {
			t.Fatalf("deadline tick: %+v", res)
		}
		dms = pendingDMs(t, st)
		if len(dms) != 1 || dms[0].Kind != core.ReminderDeadline || !strings.Contains(dms[0].Text, "due now (14:00)") {
			t.Fatalf("deadline DMs %+v", dms)
		}
		// Done after the DM was queued: the send-time check drops it.
		if rep := e.r.Action(ctx, e.samA, bot.ActionTaskDone, id); !strings.Contains(rep.Text, "Done") {
			t.Fatal(rep.Text)
		}
		if ok, why, _ := bot.DMStillWanted(ctx, st, dms[0]); ok || why != "task done" {
			t.Fatalf("done task still wanted: %v %q", ok, why)
		}
		drain(t, st)

		// Snooze until tomorrow 9:00 from the DM: one overdue DM then.
		reopen := false
		if _, err := st.UpdateTask(ctx, e.sam, task.ID, core.TaskUpdate{Done: &reopen}); err != nil {
			t.Fatal(err)
		}
		rep := e.r.Action(ctx, e.samA, bot.ActionTaskSnooze, id+":tomorrow")
		if !strings.Contains(rep.Text, "tomorrow 09:00") {
			t.Fatalf("snooze reply %q", rep.Text)
		}
		// The next morning is the spring-forward day: 09:00 CEST is 07:00 UTC.
		e.clock.Set(time.Date(2026, 3, 29, 6, 59, 0, 0, time.UTC))
		tick(t, rem)
		for _, p := range pendingDMs(t, st) {
			if p.Purpose == bot.DMReminder {
				t.Fatalf("reminder before the snooze ended: %+v", p)
			}
		}
		drain(t, st) // the digest at 08:30 CEST came first
		e.clock.Set(time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC))
		tick(t, rem)
		dms = pendingDMs(t, st)
		if len(dms) != 1 || dms[0].Kind != core.ReminderOverdue || !strings.Contains(dms[0].Text, "Still open") {
			t.Fatalf("snoozed DM %+v", dms)
		}

		// Deleted task, disabled owner: nothing is sent.
		if err := st.DeleteTask(ctx, e.sam, task.ID); err != nil {
			t.Fatal(err)
		}
		if ok, why, _ := bot.DMStillWanted(ctx, st, dms[0]); ok || why != "task deleted" {
			t.Fatalf("deleted task: %v %q", ok, why)
		}
		disabled := true
		if _, err := st.UpdateUser(ctx, e.sam.ID, core.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := bot.DMStillWanted(ctx, st, bot.DMPayload{UserID: e.sam.ID, SlackUserID: "U0SAM", Purpose: bot.DMDigest}); ok {
			t.Fatal("DM to a disabled user still wanted")
		}
		if ok, why, _ := bot.DMStillWanted(ctx, st, bot.DMPayload{UserID: 99999, SlackUserID: "U0GONE", Purpose: bot.DMDigest}); ok || why != "user removed" {
			t.Fatalf("removed user: %v %q", ok, why)
		}
	})
}

func TestDigestTick(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		e := newTaskEnv(t, st)
		rem := &bot.Reminders{Store: st}
		// Sam (Paris) has an overdue task and one today; Eve (UTC) only one
		// next week, so she gets no digest.
		e.clock.Set(time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC))
		mk := func(u *core.User, title string, due time.Time) {
			if _, err := st.CreateTask(ctx, u, core.TaskInput{Title: title, DueAt: due}); err != nil {
				t.Fatal(err)
			}
		}
		eve, _ := st.UserBySlackID(ctx, "U0EVE")
		mk(e.sam, "Overdue report", time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC))
		mk(e.sam, "Lunch with Dupont", time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC))
		mk(eve, "Next week", time.Date(2026, 7, 8, 10, 0, 0, 0, time.UTC))
		drain(t, st)
		e.clock.Set(time.Date(2026, 7, 1, 6, 29, 0, 0, time.UTC)) // 08:29 in Paris
		if res := tick(t, rem); res.Digests != 0 {
			t.Fatalf("digest before 08:30: %+v", res)
		}
		e.clock.Set(time.Date(2026, 7, 1, 6, 30, 0, 0, time.UTC))
		if res := tick(t, rem); res.Digests != 1 {
			t.Fatalf("digest tick: %+v", res)
		}
		dms := pendingDMs(t, st)
		if len(dms) != 1 || dms[0].Purpose != bot.DMDigest || dms[0].SlackUserID != "U0SAM" ||
			!strings.Contains(dms[0].Text, "1 task due today, 1 task overdue") || len(dms[0].Sections) != 2 ||
			!strings.Contains(dms[0].Sections[1].Text, "today 12:00") {
			t.Fatalf("digest %+v", dms)
		}
		e.clock.Set(time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC))
		if res := tick(t, rem); res.Digests != 0 {
			t.Fatalf("second digest: %+v", res)
		}
	})
}

// TestTwoSchedulersOnePostgres runs two schedulers, each with its own
// connection pool as two replicas would, ticking at once on one database:
// every reminder is enqueued exactly once.
func TestTwoSchedulersOnePostgres(t *testing.T) {
	url := coretest.NewPostgresDatabase(t, true)
	ctx := context.Background()
	open := func() *core.Store {
		st, err := core.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := open(), open()
	clock := coretest.NewClock(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC))
	a.Now, b.Now = clock.Now, clock.Now
	const users, perUser = 40, 50
	due := clock.Now().Add(2 * time.Hour)
	for u := range users {
		owner, err := a.CreateUser(ctx, core.NewUser{Login: fmt.Sprintf("u%d", u), Name: "U", Role: "staff", SlackID: fmt.Sprintf("U%08d", u)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range perUser {
			if _, err := a.CreateTask(ctx, owner, core.TaskInput{Title: fmt.Sprintf("t%d", i), DueAt: due}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, at := range []time.Time{due.Add(-time.Hour), due} { // lead, then deadline
		clock.Set(at)
		var wg sync.WaitGroup
		var mu sync.Mutex
		claimed := 0
		for _, st := range []*core.Store{a, b, a, b} {
			wg.Go(func() {
				res, err := (&bot.Reminders{Store: st, Batch: 37}).Tick(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				claimed += res.Reminders
				mu.Unlock()
			})
		}
		wg.Wait()
		if claimed != users*perUser {
			t.Fatalf("at %s: claimed %d, want %d", at, claimed, users*perUser)
		}
	}
	seen := map[string]int{}
	digests := map[int64]int{}
	for _, p := range pendingDMs(t, a) {
		if p.Purpose == bot.DMDigest {
			digests[p.UserID]++
			continue
		}
		seen[fmt.Sprintf("%d/%s", p.TaskID, p.Kind)]++
	}
	// 09:00 UTC is within every user's digest window: one digest each.
	if len(digests) != users {
		t.Fatalf("digests for %d users, want %d", len(digests), users)
	}
	for u, n := range digests {
		if n != 1 {
			t.Fatalf("user %d got %d digests", u, n)
		}
	}
	if len(seen) != 2*users*perUser {
		t.Fatalf("%d distinct reminders, want %d", len(seen), 2*users*perUser)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("reminder %s enqueued %d times", k, n)
		}
	}
}
