package bot

import (
	"context"
	"fmt"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// SendFunc performs one delivery and returns the ID the platform gave
// what it made ("" for none), as outbox.Sender.Deliver.
type SendFunc func(ctx context.Context, d *core.Delivery) (string, error)

// Decoded adapts send, which takes the delivery's payload decoded as P,
// to a SendFunc. A payload that does not decode can never be sent: the
// error is permanent (DecodePayload).
func Decoded[P any](send func(ctx context.Context, d *core.Delivery, p P) (string, error)) SendFunc {
	return func(ctx context.Context, d *core.Delivery) (string, error) {
		p, err := DecodePayload[P](d)
		if err != nil {
			return "", err
		}
		return send(ctx, d, p)
	}
}

// DecodedNoID is Decoded for a send that makes nothing with an ID of its
// own (an edit in place, a reaction, a deletion).
func DecodedNoID[P any](send func(ctx context.Context, p P) error) SendFunc {
	return Decoded(func(ctx context.Context, _ *core.Delivery, p P) (string, error) { return "", send(ctx, p) })
}

// Senders is an adapter's delivery kinds and how each is sent. Both
// adapters' Deliver have one shape: mark the calls with the kind's
// priority, Send, then classify the error in one place.
type Senders map[string]SendFunc

// Send performs d with the SendFunc of its kind, at the kind's priority
// (KindPriority) for the pacer. An unknown kind is a permanent error.
func (s Senders) Send(ctx context.Context, d *core.Delivery) (string, error) {
	send, ok := s[d.Kind]
	if !ok {
		return "", outbox.Permanent(fmt.Errorf("%s: unknown delivery kind %q", d.Platform, d.Kind))
	}
	return send(WithPriority(ctx, KindPriority(d.Kind)), d)
}
