package slack

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// BenchmarkReminders100k: 100,000 tasks (1,000 staff users × 100) fall due
// in the same minute; two replicas — each a reminder scheduler, a delivery
// worker and a Slack adapter with its own connection pool — share one
// PostgreSQL database and one fake Slack. Each op is the time from both
// schedulers ticking until every DM has been handed to the fake Slack and
// recorded done. It reports seconds per 100k DMs and the duplicates and
// missing DMs counted in the fake (both must be 0).
//
//	go test -run '^$' -bench BenchmarkReminders100k -benchtime 1x -count 3 ./adapters/slack/
//
// JAYAYA_BENCH_TASKS sets another task count (a multiple of 1,000);
// JAYAYA_BENCH_CONCURRENCY the workers' Concurrency (default 16);
// JAYAYA_BENCH_TICK_ONLY=1 runs the two schedulers without workers and
// logs how long their ticks took.
func BenchmarkReminders100k(b *testing.B) {
	total := 100_000
	if s := os.Getenv("JAYAYA_BENCH_TASKS"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	const users = 1000
	perUser := max(total/users, 1)
	total = perUser * users
	for b.Loop() {
		b.StopTimer()
		r := newBenchReplicas(b, users, perUser)
		b.StartTimer()
		start := time.Now()
		r.tickBoth(b)
		b.Logf("ticks took %s", time.Since(start))
		if os.Getenv("JAYAYA_BENCH_TICK_ONLY") != "" {
			r.stop()
			continue // measures the schedulers alone: nothing is sent
		}
		r.waitDone(b, total)
		elapsed := time.Since(start)
		b.StopTimer()
		dups, missing := r.count(total)
		b.ReportMetric(elapsed.Seconds()*100_000/float64(total), "s/100k-DMs")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(float64(missing), "missing")
		if dups != 0 || missing != 0 {
			b.Errorf("%d duplicate and %d missing DMs", dups, missing)
		}
		r.stop()
		b.StartTimer()
	}
}

type benchReplicas struct {
	stores []*core.Store
	rems   []*bot.Reminders
	fake   *slacktest.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newBenchReplicas(b *testing.B, users, perUser int) *benchReplicas {
	ctx := context.Background()
	url := coretest.NewPostgresDatabase(b, true)
	// Unlimited: 100 DMs to each user's channel would otherwise be paced
	// at Slack's one per second per channel, and the figures measure the
	// product, as before the fake modelled rate limits.
	r := &benchReplicas{fake: slacktest.New(b, slacktest.Config{Unlimited: true})}
	// The real clock (the worker schedules retries on it): the tasks fall
	// due within the minute before the tick.
	due := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("JAYAYA_BENCH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	wctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	for range 2 {
		st, err := core.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		r.stores = append(r.stores, st)
	}
	// Users and tasks, inserted in bulk (reminder state as CreateTask
	// leaves it for a task whose lead time has passed: only the deadline
	// reminder is pending).
	now := time.Now()
	var us []*core.User
	for i := range users {
		sid := fmt.Sprintf("U%08d", i)
		r.fake.State().AddUser(slacktest.User{ID: sid, Name: fmt.Sprintf("u%d", i)})
		us = append(us, &core.User{Login: fmt.Sprintf("u%d", i), Name: "U", Role: core.RoleStaff, SlackID: &sid, TimeZone: "UTC", CreatedAt: now, UpdatedAt: now})
	}
	if _, err := r.stores[0].DB.NewInsert().Model(&us).Returning("id").Exec(ctx); err != nil {
		b.Fatal(err)
	}
	// Only reminders are measured: no morning digest for these users.
	if _, err := r.stores[0].DB.ExecContext(ctx, "UPDATE users SET last_digest_on = '9999-12-31'"); err != nil {
		b.Fatal(err)
	}
	var batch []*core.Task
	flush := func() {
		if _, err := r.stores[0].DB.NewInsert().Model(&batch).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	n := 0
	for i := range perUser {
		for _, u := range us {
			n++
			batch = append(batch, &core.Task{OwnerID: u.ID, Title: fmt.Sprintf("bench-%d", n), DueAt: due.Add(time.Duration(i%60) * time.Second),
				RemindMinutes: 60, CreatedAt: now, UpdatedAt: now})
			if len(batch) == 5000 {
				flush()
			}
		}
	}
	if len(batch) > 0 {
		flush()
	}
	fc := r.fake.Config()
	for i, st := range r.stores {
		a := New(Config{BotToken: fc.BotToken, SigningSecret: fc.SigningSecret, APIURL: r.fake.APIURL()}, st, nil, log)
		a.http.Transport = benchTransport()
		w := outbox.NewWorker(st, log, a)
		w.Name = fmt.Sprintf("replica-%d", i)
		w.Register((&bot.Relay{}).Kinds()...) // as jayaya serve wires it
		if c, _ := strconv.Atoi(os.Getenv("JAYAYA_BENCH_CONCURRENCY")); c > 0 {
			w.Concurrency = c
		}
		r.rems = append(r.rems, &bot.Reminders{Store: st, Log: log, Outbox: w, Batch: 1000})
		if os.Getenv("JAYAYA_BENCH_TICK_ONLY") == "" {
			r.wg.Go(func() { w.Run(wctx) })
		}
	}
	return r
}

// tickBoth runs both replicas' scheduler ticks at once, as cron fires them
// on every replica at the same second.
func (r *benchReplicas) tickBoth(b *testing.B) {
	var wg sync.WaitGroup
	for _, rem := range r.rems {
		wg.Go(func() {
			if _, err := rem.Tick(context.Background()); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}

// waitDone waits until total DMs are recorded sent.
func (r *benchReplicas) waitDone(b *testing.B, total int) {
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Minute)
	for {
		// Asking whether any row is pending (one probe of a partial
		// index), five times a second, keeps the poll from loading the
		// database; counting 100,000 rows twenty times a second took a
		// good part of a core.
		pending, err := r.stores[0].DB.NewSelect().Model((*core.Delivery)(nil)).Where("status = ?", core.DeliveryPending).Exists(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		if !pending {
			if n, err = r.stores[0].DB.NewSelect().Model((*core.Delivery)(nil)).Where("status = ?", core.DeliveryDone).Count(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if n >= int64(total) {
			return
		}
		if os.Getenv("JAYAYA_BENCH_LOG") != "" && time.Now().Second()%5 == 0 && time.Now().Nanosecond() < 25e6 {
			b.Logf("some pending: %v", pending)
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d DMs sent after 15 minutes", n, total)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// count reads the DMs the fake Slack holds: duplicates of a task and tasks
// never reminded.
func (r *benchReplicas) count(total int) (dups, missing int) {
	seen := map[string]int{}
	for _, m := range r.fake.State().FindMessages(func(m slacktest.Message) bool { return strings.HasPrefix(m.Channel, "D") }) {
		_, rest, _ := strings.Cut(m.Text, "*")
		title, _, _ := strings.Cut(rest, "*")
		seen[title]++
	}
	for _, n := range seen {
		dups += n - 1
	}
	return dups, total - len(seen)
}

func (r *benchReplicas) stop() {
	r.cancel()
	r.wg.Wait()
}

// benchTransport keeps enough idle connections to the fake for the
// workers' concurrent sends.
func benchTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}
