package outbox

import (
	"context"
	"testing"

	"github.com/jayaya/jayayacrm/core"
)

// TestRegisterRefusesWiringMistakes: a kind declared twice, or without a
// name or platform, is refused at once; a declared kind's hooks are what
// the worker finds for it, and an undeclared kind has none.
func TestRegisterRefusesWiringMistakes(t *testing.T) {
	hook := func(ctx context.Context, tx *Tx, d *core.Delivery, detail string) error { return nil }
	w := &Worker{}
	w.Register(Kind{Name: "slack.post", Platform: core.PlatformSlack, OnDone: hook})
	if w.kind("slack.post").OnDone == nil {
		t.Error("the declared OnDone is not found")
	}
	if k := w.kind("slack.notice"); k.OnDone != nil || k.OnParked != nil || k.Stale != nil || k.Prepare != nil {
		t.Error("an undeclared kind has hooks")
	}
	for name, k := range map[string]Kind{
		"twice":       {Name: "slack.post", Platform: core.PlatformSlack},
		"no name":     {Platform: core.PlatformSlack},
		"no platform": {Name: "slack.card"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%+v) did not panic", k)
				}
			}()
			w.Register(k)
		})
	}
}
