package outbox

import (
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// Outcomes of one delivery attempt, as reported to Metrics.
const (
	OutcomeDone   = "done"   // the platform accepted it
	OutcomeRetry  = "retry"  // it failed and will be tried again
	OutcomeParked = "parked" // it can never succeed and was set aside
)

// Metrics is what the worker reports to: each attempt's outcome
// (OutcomeDone, OutcomeRetry, OutcomeParked) at now, the n deliveries
// merged into d (a kind's Prepare), and the n deliveries it released
// from dead workers for any worker to take over. bot.Metrics implements
// it.
type Metrics interface {
	Delivery(d *core.Delivery, outcome string, now time.Time)
	Merged(d *core.Delivery, n int)
	TakenOver(n int)
}

// count reports an attempt's outcome to w.Metrics, when set.
func (w *Worker) count(d *core.Delivery, outcome string) {
	if w.Metrics != nil {
		w.Metrics.Delivery(d, outcome, time.Now())
	}
}
