// Package outboxtest holds what the tests of the outbox and of its
// producers share: a quiet logger, waits on the outbox, and a worker run
// for the length of a test.
package outboxtest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// QuietLog discards logs unless JAYAYA_TEST_LOG is set (then debug to
// stderr).
func QuietLog() *slog.Logger {
	if os.Getenv("JAYAYA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// WaitFor polls cond (a database or recorder condition, which has no
// change notification) until it holds, or fails t after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitIdle waits until the outbox has no pending delivery; after 15 s it
// logs what is left and fails t.
func WaitIdle(t testing.TB, st *core.Store) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := st.OutboxStats(context.Background())
		if err == nil && s.Pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			var ds []*core.Delivery
			st.DB.NewSelect().Model(&ds).Where("status <> ?", core.DeliveryDone).Scan(context.Background())
			for _, d := range ds {
				t.Logf("left: %d %s %s %s attempts=%d locked_by=%q err=%q", d.ID, d.Stream, d.Kind, d.Status, d.Attempts, d.LockedBy, d.LastError)
			}
			t.Fatalf("timed out waiting for an idle outbox (%+v, %v)", s, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// RunWorker runs w until the test ends or stop is called.
func RunWorker(t testing.TB, w *outbox.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}
