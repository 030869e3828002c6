package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func tp(t time.Time) *time.Time { return &t }

func TestDueReminder(t *testing.T) {
	due := time.Date(2026, 6, 1, 14, 0, 0, 0, time.UTC)
	lead := due.Add(-time.Hour)
	cases := []struct {
		name string
		task core.Task
		now  time.Time
		want core.ReminderKind
	}{
		{"before lead time", core.Task{DueAt: due, RemindAt: &lead}, lead.Add(-time.Second), core.ReminderNone},
		{"at lead time", core.Task{DueAt: due, RemindAt: &lead}, lead, core.ReminderBefore},
		{"lead sent, before deadline", core.Task{DueAt: due}, due.Add(-time.Minute), core.ReminderNone},
		{"at deadline", core.Task{DueAt: due}, due, core.ReminderDeadline},
		{"lead missed, deadline passed: one deadline DM", core.Task{DueAt: due, RemindAt: &lead}, due.Add(time.Minute), core.ReminderDeadline},
		{"deadline notified", core.Task{DueAt: due, DeadlineNotifiedAt: tp(due)}, due.Add(time.Hour), core.ReminderNone},
		{"snooze ends after deadline", core.Task{DueAt: due, DeadlineNotifiedAt: tp(due), RemindAt: tp(due.Add(time.Hour))}, due.Add(time.Hour), core.ReminderOverdue},
		{"snooze not over yet", core.Task{DueAt: due, DeadlineNotifiedAt: tp(due), RemindAt: tp(due.Add(time.Hour))}, due.Add(59 * time.Minute), core.ReminderNone},
		{"done", core.Task{DueAt: due, RemindAt: &lead, DoneAt: tp(lead)}, due, core.ReminderNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := core.DueReminder(&c.task, c.now); got != c.want {
				t.Fatalf("DueReminder = %q, want %q", got, c.want)
			}
		})
	}
}

func TestLocalTimeDST(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		name              string
		y                 int
		m                 time.Month
		d, h, min         int
		loc               *time.Location
		wantUTC           time.Time
		wantLocalH, wantM int
	}{
		// Clocks jump 02:00 → 03:00 on 29 March 2026 in Paris: 02:30 does
		// not exist and moves forward by the gap to 03:30 CEST.
		{"paris spring forward 02:30", 2026, 3, 29, 2, 30, paris, time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), 3, 30},
		// 03:00 → 02:00 on 25 October 2026: 02:30 happens twice; the first
		// (CEST, UTC+2) is meant.
		{"paris fall back 02:30", 2026, 10, 25, 2, 30, paris, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), 2, 30},
		{"paris ordinary", 2026, 10, 26, 2, 30, paris, time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC), 2, 30},
		{"new york spring forward 02:30", 2026, 3, 8, 2, 30, ny, time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), 3, 30},
		{"new york fall back 01:30", 2026, 11, 1, 1, 30, ny, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), 1, 30},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := core.LocalTime(c.y, c.m, c.d, c.h, c.min, c.loc)
			if !got.Equal(c.wantUTC) {
				t.Fatalf("LocalTime = %s (%s UTC), want %s UTC", got, got.UTC(), c.wantUTC)
			}
			if l := got.In(c.loc); l.Hour() != c.wantLocalH || l.Minute() != c.wantM {
				t.Fatalf("shown back as %s", l)
			}
		})
	}
}

func TestDigestDue(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct {
		name    string
		now     time.Time
		lastOn  string
		wantDue bool
		wantDay string
	}{
		{"before 08:30", at("2026-03-29 08:29"), "2026-03-28", false, "2026-03-29"},
		{"at 08:30 on the spring-forward day", at("2026-03-29 08:30"), "2026-03-28", true, "2026-03-29"},
		{"already sent today", at("2026-03-29 09:00"), "2026-03-29", false, "2026-03-29"},
		{"late but within the window", at("2026-10-25 11:29"), "", true, "2026-10-25"},
		{"too late today", at("2026-10-25 11:30"), "", false, "2026-10-25"},
		// 08:30 in Paris is 06:30 UTC in summer: a UTC-only scheduler would
		// think it is still yesterday until midnight UTC.
		{"local date, not UTC date", time.Date(2026, 7, 1, 6, 30, 0, 0, time.UTC), "2026-06-30", true, "2026-07-01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			day, due := core.DigestDue(paris, core.DefaultDigestMinute, c.lastOn, c.now)
			if due != c.wantDue || day != c.wantDay {
				t.Fatalf("DigestDue = %s, %v; want %s, %v", day, due, c.wantDay, c.wantDue)
			}
		})
	}
}

// claimAll runs ClaimReminders until nothing is due and returns what was
// claimed.
func claimAll(t *testing.T, st *core.Store) []core.DueTask {
	t.Helper()
	var all []core.DueTask
	for {
		n, err := st.ClaimReminders(context.Background(), 2, func(ctx context.Context, tx bun.Tx, due []core.DueTask) error {
			all = append(all, due...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return all
		}
	}
}

func TestClaimReminders(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		clock := coretest.NewClock(start)
		st.Now = clock.Now
		sam := coretest.MustUser(t, st, "sam", "staff")
		mk := func(title string, due time.Time, remind *int) *core.Task {
			task, err := st.CreateTask(ctx, sam, core.TaskInput{Title: title, DueAt: due, RemindMinutes: remind})
			if err != nil {
				t.Fatal(err)
			}
			return task
		}
		ten := 10
		a := mk("A", start.Add(2*time.Hour), nil)                 // lead at 10:00, deadline 11:00
		b := mk("B", start.Add(30*time.Minute), nil)              // created inside its lead window
		c := mk("C", start.Add(3*time.Hour), &ten)                // lead at 11:50
		d := mk("D", start.Add(-time.Hour), nil)                  // already late: no reminder
		done := mk("Done", start.Add(time.Hour+time.Minute), nil) // finished before its lead time
		if _, err := st.UpdateTask(ctx, sam, done.ID, core.TaskUpdate{Done: new(true)}); err != nil {
			t.Fatal(err)
		}
		_ = d
		kinds := func(due []core.DueTask) map[int64]core.ReminderKind {
			m := map[int64]core.ReminderKind{}
			for _, x := range due {
				if _, dup := m[x.Task.ID]; dup {
					t.Fatalf("task %d claimed twice in one pass", x.Task.ID)
				}
				if x.Owner == nil || x.Owner.ID != sam.ID {
					t.Fatalf("task %d without its owner", x.Task.ID)
				}
				m[x.Task.ID] = x.Kind
			}
			return m
		}
		expect := func(at time.Time, want map[int64]core.ReminderKind) {
			t.Helper()
			clock.Set(at)
			got := kinds(claimAll(t, st))
			if len(got) != len(want) {
				t.Fatalf("at %s: claimed %v, want %v", at.Format("15:04"), got, want)
			}
			for id, k := range want {
				if got[id] != k {
					t.Fatalf("at %s: task %d got %q, want %q (all %v)", at.Format("15:04"), id, got[id], k, got)
				}
			}
		}
		expect(start, map[int64]core.ReminderKind{})
		expect(start.Add(30*time.Minute), map[int64]core.ReminderKind{b.ID: core.ReminderDeadline})
		expect(start.Add(time.Hour), map[int64]core.ReminderKind{a.ID: core.ReminderBefore})
		expect(start.Add(time.Hour), map[int64]core.ReminderKind{}) // claimed once only

		// Snooze A by an hour: it ends at the deadline, so one DM says so.
		if _, err := st.SnoozeTask(ctx, sam, a.ID, start.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		expect(start.Add(2*time.Hour), map[int64]core.ReminderKind{a.ID: core.ReminderDeadline})
		// Snooze again past the deadline: an overdue reminder then.
		if _, err := st.SnoozeTask(ctx, sam, a.ID, start.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		expect(start.Add(2*time.Hour+50*time.Minute), map[int64]core.ReminderKind{c.ID: core.ReminderBefore})
		expect(start.Add(3*time.Hour), map[int64]core.ReminderKind{a.ID: core.ReminderOverdue, c.ID: core.ReminderDeadline})

		// Moving a deadline re-arms both reminders; marking done drops them.
		later := start.Add(6 * time.Hour)
		if _, err := st.UpdateTask(ctx, sam, c.ID, core.TaskUpdate{DueAt: &later}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateTask(ctx, sam, a.ID, core.TaskUpdate{DueAt: &later}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateTask(ctx, sam, a.ID, core.TaskUpdate{Done: new(true)}); err != nil {
			t.Fatal(err)
		}
		expect(later.Add(-10*time.Minute), map[int64]core.ReminderKind{c.ID: core.ReminderBefore})
		expect(later, map[int64]core.ReminderKind{c.ID: core.ReminderDeadline})

		// Errors: snoozing a done task, into the past, or someone else's.
		if _, err := st.SnoozeTask(ctx, sam, a.ID, later.Add(time.Hour)); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("snooze done task: %v", err)
		}
		if _, err := st.SnoozeTask(ctx, sam, c.ID, later.Add(-time.Hour)); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("snooze into the past: %v", err)
		}
		eve := coretest.MustUser(t, st, "eve", "staff")
		if _, err := st.SnoozeTask(ctx, eve, c.ID, later.Add(time.Hour)); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("snooze another's task: %v", err)
		}
	})
}

func TestSnoozePastDeadlineDropsDeadlineReminder(t *testing.T) {
	st := coretest.MustOpenSQLite(t)
	ctx := context.Background()
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := coretest.NewClock(start)
	st.Now = clock.Now
	sam := coretest.MustUser(t, st, "sam", "staff")
	task, err := st.CreateTask(ctx, sam, core.TaskInput{Title: "T", DueAt: start.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(start.Add(time.Hour))
	if got := claimAll(t, st); len(got) != 1 || got[0].Kind != core.ReminderBefore {
		t.Fatalf("lead reminder: %+v", got)
	}
	if _, err := st.SnoozeTask(ctx, sam, task.ID, start.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.Set(start.Add(2 * time.Hour))
	if got := claimAll(t, st); len(got) != 0 {
		t.Fatalf("deadline reminder despite the snooze: %+v", got)
	}
	clock.Set(start.Add(24 * time.Hour))
	if got := claimAll(t, st); len(got) != 1 || got[0].Kind != core.ReminderOverdue {
		t.Fatalf("snooze reminder: %+v", got)
	}
}

func TestClaimDigests(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		paris, _ := time.LoadLocation("Europe/Paris")
		// 08:30 in Paris on 1 July 2026 is 06:30 UTC.
		clock := coretest.NewClock(time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		mkUser := func(login, slackID string) *core.User {
			u, err := st.CreateUser(ctx, core.NewUser{Login: login, Name: login, Role: "staff", SlackID: slackID, TimeZone: "Europe/Paris"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		busy := mkUser("busy", "U0BUSY")
		idle := mkUser("idle", "U0IDLE")
		later := mkUser("later", "U0LATER")
		for _, in := range []struct {
			owner *core.User
			title string
			due   time.Time
		}{
			{busy, "overdue", time.Date(2026, 6, 30, 15, 0, 0, 0, paris)},
			{busy, "today late", time.Date(2026, 7, 1, 23, 30, 0, 0, paris)},
			{busy, "tomorrow", time.Date(2026, 7, 2, 0, 30, 0, 0, paris)},
			{later, "tomorrow", time.Date(2026, 7, 2, 10, 0, 0, 0, paris)},
		} {
			if _, err := st.CreateTask(ctx, in.owner, core.TaskInput{Title: in.title, DueAt: in.due}); err != nil {
				t.Fatal(err)
			}
		}
		_ = idle
		claim := func() []core.Digest {
			var out []core.Digest
			n, err := st.ClaimDigests(ctx, func(ctx context.Context, tx bun.Tx, d core.Digest) error {
				out = append(out, d)
				return nil
			})
			if err != nil || n != len(out) {
				t.Fatalf("ClaimDigests = %d, %v (handed %d)", n, err, len(out))
			}
			return out
		}
		if got := claim(); len(got) != 0 {
			t.Fatalf("digest before 08:30: %+v", got)
		}
		clock.Set(time.Date(2026, 7, 1, 6, 30, 0, 0, time.UTC))
		got := claim()
		if len(got) != 1 || got[0].Owner.ID != busy.ID || got[0].Day != "2026-07-01" {
			t.Fatalf("digests = %+v", got)
		}
		if ts := got[0].Tasks; len(ts) != 2 || ts[0].Title != "overdue" || ts[1].Title != "today late" {
			t.Fatalf("digest tasks = %+v", ts)
		}
		clock.Advance(time.Minute)
		if got := claim(); len(got) != 0 {
			t.Fatalf("second digest the same day: %+v", got)
		}
		// Next morning: "later" has a task that day now, "busy" still the overdue ones.
		clock.Set(time.Date(2026, 7, 2, 6, 31, 0, 0, time.UTC))
		got = claim()
		if len(got) != 2 || got[0].Owner.ID != busy.ID || got[1].Owner.ID != later.ID {
			t.Fatalf("next day digests = %+v", got)
		}
	})
}

func TestCacheTimeZone(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		u := coretest.MustUser(t, st, "sam", "staff")
		rs, err := st.ReminderSettings(ctx, u.ID)
		if err != nil || rs.TZCheckedAt != nil || rs.DigestMinute != core.DefaultDigestMinute {
			t.Fatalf("fresh settings %+v, %v", rs, err)
		}
		if err := st.CacheTimeZone(ctx, u.ID, "Asia/Tokyo"); err != nil {
			t.Fatal(err)
		}
		got, _ := st.UserByID(ctx, u.ID)
		rs, _ = st.ReminderSettings(ctx, u.ID)
		if got.TimeZone != "Asia/Tokyo" || rs.TZCheckedAt == nil {
			t.Fatalf("after cache: zone %q, checked %v", got.TimeZone, rs.TZCheckedAt)
		}
		if err := st.CacheTimeZone(ctx, u.ID, "Mars/Olympus"); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.UserByID(ctx, u.ID); got.TimeZone != "UTC" {
			t.Fatalf("unknown zone cached as %q", got.TimeZone)
		}
		if err := st.SetDigestTime(ctx, u.ID, 7*60); err != nil {
			t.Fatal(err)
		}
		if rs, _ := st.ReminderSettings(ctx, u.ID); rs.DigestMinute != 420 {
			t.Fatalf("digest minute %d", rs.DigestMinute)
		}
		if err := st.CacheTimeZone(ctx, 999999, "UTC"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
	})
}
