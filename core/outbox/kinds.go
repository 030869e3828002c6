package outbox

import (
	"context"
	"fmt"

	"github.com/jayaya/jayayacrm/core"
)

// Kind declares one kind of delivery (core.Delivery.Kind) to the worker:
// the platform whose Sender sends it and what the worker does around the
// send. Every hook is optional; a kind that is never registered is sent
// with none.
type Kind struct {
	// Name is the kind, as stored in core.Delivery.Kind.
	Name string
	// Platform is core.PlatformSlack or core.PlatformDiscord: the
	// platform whose Sender sends deliveries of this kind.
	Platform string
	// OnDone runs in the transaction completing a delivery, with the
	// remote ID. Completions of kinds without it are recorded many per
	// statement, without a transaction of their own; those of kinds with
	// it many per transaction, hooks included.
	OnDone DeliveryHook
	// OnParked runs in the transaction parking a delivery, with the
	// reason.
	OnParked DeliveryHook
	// Stale reports whether a delivery is superseded by one queued after
	// it in its stream (a card update behind another, a ✅ behind a later
	// one in the same conversation): it is then recorded done without
	// being sent.
	Stale func(ctx context.Context, d *core.Delivery) (bool, error)
	// Prepare may change a claimed delivery before it is sent: it returns
	// the delivery to send instead (nil: d as it is) and the deliveries
	// queued behind d in its stream that this one now carries too. Those
	// are recorded done, merged into d, with its new payload
	// (core.Store.MergeDeliveries) before it is sent; if that fails, d is
	// sent as it was.
	Prepare func(ctx context.Context, d *core.Delivery) (send *core.Delivery, merged []int64, err error)
}

// Register declares kinds of delivery to the worker, before Run. It
// panics on a kind without a name or platform, or declared twice: both
// are wiring mistakes.
func (w *Worker) Register(kinds ...Kind) {
	w.kindsMu.Lock()
	defer w.kindsMu.Unlock()
	if w.kinds == nil {
		w.kinds = map[string]Kind{}
	}
	for _, k := range kinds {
		if k.Name == "" || k.Platform == "" {
			panic(fmt.Sprintf("outbox: kind %q registered without a name or platform", k.Name))
		}
		if _, dup := w.kinds[k.Name]; dup {
			panic(fmt.Sprintf("outbox: kind %q registered twice", k.Name))
		}
		w.kinds[k.Name] = k
	}
}

// kind returns the registration of a kind; the zero Kind (no hooks) when
// it has none.
func (w *Worker) kind(name string) Kind {
	w.kindsMu.RLock()
	defer w.kindsMu.RUnlock()
	return w.kinds[name]
}
