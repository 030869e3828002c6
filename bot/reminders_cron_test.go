package bot

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The cron wiring runs on synctest's fake clock: minutes pass instantly.

func TestRunCronTicksEveryMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var runs atomic.Int32
		var at []time.Time
		done := make(chan error)
		go func() {
			done <- runCron(ctx, DefaultReminderSpec, slog.New(slog.NewTextHandler(io.Discard, nil)), func(context.Context) {
				runs.Add(1)
				at = append(at, time.Now())
			})
		}()
		// synctest starts at 2000-01-01 00:00:00 UTC: ticks come at :00 of
		// each minute.
		time.Sleep(5*time.Minute + time.Second)
		synctest.Wait()
		if n := runs.Load(); n != 5 {
			t.Fatalf("%d ticks in 5 minutes, want 5", n)
		}
		for i, tm := range at {
			if tm.Second() != 0 || tm.Nanosecond() != 0 {
				t.Fatalf("tick %d at %s, not on a minute", i, tm)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestRunCronRecoversAndSkipsOverlaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var runs, finished atomic.Int32
		done := make(chan error)
		go func() {
			done <- runCron(ctx, DefaultReminderSpec, slog.New(slog.NewTextHandler(io.Discard, nil)), func(context.Context) {
				n := runs.Add(1)
				switch n {
				case 1:
					panic("boom") // recovered; the next tick still runs
				case 2:
					time.Sleep(150 * time.Second) // ticks 3 and 4 come while it runs
				}
				finished.Add(1)
			})
		}()
		time.Sleep(6*time.Minute + time.Second)
		synctest.Wait()
		// Minutes 1..6 fire; the one at 1 panics, the one at 2 runs until
		// 4:30, so those at 3 and 4 are skipped; 5 and 6 run.
		if r, f := runs.Load(), finished.Load(); r != 4 || f != 3 {
			t.Fatalf("runs %d, finished %d; want 4 and 3", r, f)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestRunCronWaitsForRunningTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var finished atomic.Bool
		done := make(chan error)
		go func() {
			done <- runCron(ctx, DefaultReminderSpec, slog.New(slog.NewTextHandler(io.Discard, nil)), func(context.Context) {
				time.Sleep(30 * time.Second)
				finished.Store(true)
			})
		}()
		time.Sleep(time.Minute + time.Second) // the first tick is running
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Fatal("runCron returned before its running tick finished")
		}
	})
}

func TestRunCronBadSpec(t *testing.T) {
	if err := runCron(t.Context(), "every minute", slog.Default(), func(context.Context) {}); err == nil {
		t.Fatal("bad spec accepted")
	}
}
