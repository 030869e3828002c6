package bot_test

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Senders runs the kind's function with the payload decoded and the
// kind's priority marked; an unknown kind or a payload that does not
// decode is permanent.
func TestSendersDecodeAndRefuseWhatTheyCannotSend(t *testing.T) {
	var got bot.SlackReactPayload
	var prio bot.Priority = -1
	s := bot.Senders{
		bot.KindSlackReact: bot.DecodedNoID(func(ctx context.Context, p bot.SlackReactPayload) error {
			got, prio = p, bot.PriorityOf(ctx)
			return nil
		}),
	}
	ctx := context.Background()
	d := &core.Delivery{Kind: bot.KindSlackReact, Platform: core.PlatformSlack, Payload: `{"ts":"1.2","reaction":"delivered"}`}
	if id, err := s.Send(ctx, d); err != nil || id != "" || got.TS != "1.2" || prio != bot.PriorityReceipt {
		t.Fatalf("send: %q %v, payload %+v, priority %v", id, err, got, prio)
	}
	d.Payload = `{"ts":`
	if _, err := s.Send(ctx, d); !outbox.IsPermanent(err) {
		t.Fatalf("bad payload: %v, want permanent", err)
	}
	d.Kind = "slack.unknown"
	if _, err := s.Send(ctx, d); !outbox.IsPermanent(err) {
		t.Fatalf("unknown kind: %v, want permanent", err)
	}
}
