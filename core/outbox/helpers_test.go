package outbox_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox/outboxtest"
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

// Shared with the producers' tests (outboxtest).
var (
	quietLog = outboxtest.QuietLog
	waitFor  = outboxtest.WaitFor
	waitIdle = outboxtest.WaitIdle
)
