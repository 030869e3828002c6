package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// sent is one Deliver call a recSender saw.
type sent struct {
	ID       int64
	Kind     string
	Stream   string
	Payload  string
	Worker   string
	RemoteID string
}

// recSender is a Sender that records what it is asked to deliver and
// returns "<platform>-<delivery ID>" as the remote ID. fail, when set,
// decides a call's error first (nil: deliver).
type recSender struct {
	platform string
	worker   string

	mu    sync.Mutex
	sent  []sent
	calls int
	fail  func(d *core.Delivery, call int) error
	// block, when set, is waited on before delivering.
	block chan struct{}
}

func (s *recSender) Platform() string { return s.platform }

func (s *recSender) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		if err := s.fail(d, s.calls); err != nil {
			return "", err
		}
	}
	remote := fmt.Sprintf("%s-%d", s.platform, d.ID)
	s.sent = append(s.sent, sent{ID: d.ID, Kind: d.Kind, Stream: d.Stream, Payload: d.Payload, Worker: s.worker, RemoteID: remote})
	return remote, nil
}

func (s *recSender) Sent() []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sent(nil), s.sent...)
}

// quietLog discards logs unless JAYAYA_TEST_LOG is set.
func quietLog() *slog.Logger {
	if os.Getenv("JAYAYA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// waitFor polls cond (a database or recorder condition, which has no
// change notification) until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitIdle waits until the outbox has no pending delivery.
func waitIdle(t *testing.T, st *core.Store) {
	t.Helper()
	waitFor(t, 15*time.Second, "the outbox to empty", func() bool {
		s, err := st.OutboxStats(context.Background())
		return err == nil && s.Pending == 0
	})
}
