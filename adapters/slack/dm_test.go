package slack

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// dmEnv is the adapter against a fake Slack with one registered staff
// user, Sam (U0SAM01, Europe/Paris in Slack), and a task of theirs.
type dmEnv struct {
	st    *core.Store
	fake  *slacktest.Server
	sam   *core.User
	task  *core.Task
	clock *coretest.Clock
}

func newDMEnv(t *testing.T, st *core.Store) *dmEnv {
	t.Helper()
	e := &dmEnv{st: st, clock: coretest.NewClock(time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC))}
	st.Now = e.clock.Now
	e.fake = slacktest.New(t, slacktest.Config{WaitTimeout: 15 * time.Second})
	e.fake.State().AddUser(slacktest.User{ID: "U0SAM01", Name: "sam", TZ: "Europe/Paris", TZOffset: 3600})
	var err error
	if e.sam, err = st.CreateUser(context.Background(), core.NewUser{Login: "sam", Name: "Sam", Role: core.RoleStaff, SlackID: "U0SAM01"}); err != nil {
		t.Fatal(err)
	}
	if e.task, err = st.CreateTask(context.Background(), e.sam, core.TaskInput{Title: "Call Dupont", DueAt: e.clock.Now().Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return e
}

// adapter returns a new adapter (with its own DM channel cache).
func (e *dmEnv) adapter() *Adapter {
	fc := e.fake.Config()
	return New(Config{BotToken: fc.BotToken, SigningSecret: fc.SigningSecret, APIURL: e.fake.APIURL()}, e.st, nil, slog.New(slog.DiscardHandler))
}

// reminder enqueues the reminder DM of the task and returns its row.
func (e *dmEnv) reminder(t *testing.T, p bot.DMPayload) *core.Delivery {
	t.Helper()
	d, err := bot.NewDMDelivery(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.Enqueue(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	d.Attempts = 1
	return d
}

func TestDeliverDM(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	ctx := context.Background()
	e := newDMEnv(t, st)
	a := e.adapter()
	p := bot.ReminderDM(e.task, e.sam, core.ReminderBefore, e.clock.Now(), i18n.EN)
	d := e.reminder(t, p)
	ts, err := a.Deliver(ctx, d)
	if err != nil || ts == "" {
		t.Fatalf("Deliver = %q, %v", ts, err)
	}
	dm := e.fake.State().DM("U0SAM01")
	m, ok := e.fake.State().Message(dm, ts)
	if !ok || !strings.Contains(m.Text, "Call Dupont") {
		t.Fatalf("DM %+v", m)
	}
	blocks := string(m.Blocks)
	for _, want := range []string{`"action_id":"task.done"`, `"action_id":"task.snooze"`, "Snooze 1 hour", "Snooze until tomorrow 09:00"} {
		if !strings.Contains(blocks, want) {
			t.Fatalf("DM blocks lack %s: %s", want, blocks)
		}
	}
	// A retry of the same delivery finds what the first attempt posted.
	d.Attempts = 2
	if ts2, err := a.Deliver(ctx, d); err != nil || ts2 != ts {
		t.Fatalf("retried Deliver = %q, %v; want %q", ts2, err, ts)
	}
	// A second DM reuses the DM channel: conversations.open once.
	if _, err := a.Deliver(ctx, e.reminder(t, p)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.State().Calls("conversations.open")); n != 1 {
		t.Fatalf("conversations.open called %d times", n)
	}
	if n := len(e.fake.State().Messages(dm)); n != 2 {
		t.Fatalf("%d DMs, want 2", n)
	}

	// Done meanwhile: the delivery completes without a message.
	if _, err := st.UpdateTask(ctx, e.sam, e.task.ID, core.TaskUpdate{Done: new(true)}); err != nil {
		t.Fatal(err)
	}
	if ts, err := a.Deliver(ctx, e.reminder(t, p)); err != nil || ts != "" {
		t.Fatalf("DM for a done task: %q, %v", ts, err)
	}
	if n := len(e.fake.State().Messages(dm)); n != 2 {
		t.Fatalf("a done task was reminded: %d DMs", n)
	}
}

func TestDeliverDMFailures(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	ctx := context.Background()
	e := newDMEnv(t, st)
	digest := bot.DMPayload{UserID: e.sam.ID, SlackUserID: "U0SAM01", Text: "☀️ Good morning", Purpose: bot.DMDigest}

	// Rate limited: retried when Slack says.
	e.fake.RateLimit("chat.postMessage", 1, 7*time.Second)
	_, err := e.adapter().Deliver(ctx, e.reminder(t, digest))
	var ra *outbox.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 7*time.Second {
		t.Fatalf("rate limited: %v", err)
	}

	// Slack user deactivated: conversations.open says user_disabled; parked.
	if err := e.fake.State().DeleteUser("U0SAM01"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.adapter().Deliver(ctx, e.reminder(t, digest)); !outbox.IsPermanent(err) {
		t.Fatalf("deactivated user: %v", err)
	}
	// A Slack ID Slack does not know: user_not_found; parked.
	if _, err := st.UpdateUser(ctx, e.sam.ID, core.UserUpdate{SlackID: new("U0NOBODY1")}); err != nil {
		t.Fatal(err)
	}
	digest.SlackUserID = "U0NOBODY1"
	if _, err := e.adapter().Deliver(ctx, e.reminder(t, digest)); !outbox.IsPermanent(err) {
		t.Fatalf("unknown user: %v", err)
	}
	// A payload that is not a DM: parked.
	if _, err := e.adapter().Deliver(ctx, &core.Delivery{ID: 1, Kind: bot.KindSlackDM, Payload: "{}"}); !outbox.IsPermanent(err) {
		t.Fatalf("bad payload: %v", err)
	}
}

// TestDMParkedByWorker: through the delivery worker, a DM that can never
// be delivered is parked after one attempt, not retried forever.
func TestDMParkedByWorker(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		e := newDMEnv(t, st)
		if err := e.fake.State().DeleteUser("U0SAM01"); err != nil {
			t.Fatal(err)
		}
		d := e.reminder(t, bot.ReminderDM(e.task, e.sam, core.ReminderBefore, e.clock.Now(), i18n.EN))
		w := outbox.NewWorker(st, slog.New(slog.DiscardHandler), e.adapter())
		w.NoListen, w.Poll = true, 20*time.Millisecond
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- w.Run(wctx) }()
		defer func() { cancel(); <-done }()
		w.Kick()
		var got *core.Delivery
		waitDB(t, func() bool {
			var err error
			got, err = st.Delivery(ctx, d.ID)
			return err == nil && got.Status != core.DeliveryPending
		})
		if got.Status != core.DeliveryParked || got.Attempts != 1 || !strings.Contains(got.LastError, "user_disabled") {
			t.Fatalf("delivery %s after %d attempts: %q", got.Status, got.Attempts, got.LastError)
		}
	})
}

func TestLocationFromSlack(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		e := newDMEnv(t, st)
		a := e.adapter()
		if loc := a.Location(ctx, e.sam); loc.String() != "Europe/Paris" {
			t.Fatalf("zone %s", loc)
		}
		if u, _ := st.UserByID(ctx, e.sam.ID); u.TimeZone != "Europe/Paris" {
			t.Fatalf("not cached: %q", u.TimeZone)
		}
		// Cached: no second users.info within the TTL, even from a fresh
		// copy of the user.
		u, _ := st.UserByID(ctx, e.sam.ID)
		if loc := a.Location(ctx, u); loc.String() != "Europe/Paris" || len(e.fake.State().Calls("users.info")) != 1 {
			t.Fatalf("zone %s after %d users.info calls", loc, len(e.fake.State().Calls("users.info")))
		}
		// After the TTL Slack is asked again; a zone Slack no longer knows
		// (here: Slack fails) keeps the cached one.
		e.clock.Advance(TimeZoneTTL + time.Minute)
		e.fake.FailNext("users.info", 1, "internal_error")
		if loc := a.Location(ctx, u); loc.String() != "Europe/Paris" || len(e.fake.State().Calls("users.info")) != 2 {
			t.Fatalf("failed lookup: zone %s", loc)
		}
		e.fake.State().AddUser(slacktest.User{ID: "U0SAM01", Name: "sam", TZ: "America/New_York"})
		if loc := a.Location(ctx, u); loc.String() != "America/New_York" {
			t.Fatalf("moved user: zone %s", loc)
		}
		// No Slack ID: the stored zone, UTC by default.
		nobody := coretest.MustUser(t, st, "nobody", "staff")
		if loc := a.Location(ctx, nobody); loc != time.UTC {
			t.Fatalf("no Slack ID: %s", loc)
		}
	})
}
