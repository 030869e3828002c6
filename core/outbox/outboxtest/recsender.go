package outboxtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/jayaya/jayayacrm/core"
)

// Sent is one Deliver call a RecSender saw.
type Sent struct {
	ID       int64
	Kind     string
	Stream   string
	Payload  string
	Worker   string
	RemoteID string
}

// RecSender is an outbox.Sender for platform Name that records what it is
// asked to deliver and returns "<platform>-<delivery ID>" as the remote
// ID. Change Fail or Remote while a worker runs only under Mu.
type RecSender struct {
	Name   string // the platform it sends for
	Worker string // recorded with each send

	// Fail, when set, decides a call's error first (nil: deliver); call
	// counts from 1.
	Fail func(d *core.Delivery, call int) error
	// Block, when set, is waited on before delivering.
	Block chan struct{}
	// Remote, when set, gives the remote ID to return instead of the
	// made-up one, when it returns one.
	Remote func(d *core.Delivery) string

	Mu    sync.Mutex
	sent  []Sent
	calls int
}

// Platform returns Name.
func (s *RecSender) Platform() string { return s.Name }

// Deliver records d (after Block, unless Fail refuses it).
func (s *RecSender) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	if s.Block != nil {
		<-s.Block
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.calls++
	if s.Fail != nil {
		if err := s.Fail(d, s.calls); err != nil {
			return "", err
		}
	}
	remote := fmt.Sprintf("%s-%d", s.Name, d.ID)
	if s.Remote != nil {
		if id := s.Remote(d); id != "" {
			remote = id
		}
	}
	s.sent = append(s.sent, Sent{ID: d.ID, Kind: d.Kind, Stream: d.Stream, Payload: d.Payload, Worker: s.Worker, RemoteID: remote})
	return remote, nil
}

// Sent returns what was delivered so far, in order.
func (s *RecSender) Sent() []Sent {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Kinds returns the kinds of what was delivered so far, in order.
func (s *RecSender) Kinds() []string {
	var out []string
	for _, x := range s.Sent() {
		out = append(out, x.Kind)
	}
	return out
}
