package outbox

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// DeliveryHook runs inside the transaction that records a delivery's
// outcome (done or parked), so that what follows from it (a message's
// target ID, a ✅ or ⚠️ reaction) commits atomically with it. What it
// queues with tx.Enqueue leaves once that transaction has committed.
type DeliveryHook func(ctx context.Context, tx *Tx, d *core.Delivery, detail string) error

// Worker sends the outbox: it claims due deliveries (core.ClaimDeliveries,
// which hands out only the head of each stream and, on PostgreSQL, skips
// rows another worker holds), calls the Sender of each row's platform,
// and records the outcome. Transient failures are retried with jittered
// exponential backoff, a RetryAfterError at the time the platform asked
// for, a PermanentError parks the row. Several workers (one per replica)
// may run against one PostgreSQL database: a row is sent by one of them,
// and only again if that one died (or stopped) before it recorded the
// outcome; the next sender then looks on the platform first (see the
// package doc on liveness and leases).
//
// It wakes on Kick (after each local commit), on PostgreSQL NOTIFY from
// other replicas, when a retry it scheduled falls due, and every Poll.
type Worker struct {
	Store   *core.Store
	Log     *slog.Logger
	Senders []Sender
	// Name identifies the worker in leases and liveness rows; default the
	// store's replica name (core.Store.Replica), which also names its
	// database sessions, so that the sessions of a worker declared dead
	// are ended and its open transactions let go of their locks. Two
	// workers on one store need names of their own.
	Name string
	// Lease is how long a claimed row stays this worker's (default 30 s),
	// longer than any send (SendTimeout). A worker that dies loses its
	// rows sooner, once its heartbeat stops (DeadAfter); the lease only
	// bounds the rows of a worker that never had a liveness row.
	Lease time.Duration
	// Heartbeat is how often the worker refreshes its liveness row and
	// looks for dead workers (default 250 ms).
	Heartbeat time.Duration
	// DeadAfter is how long a worker's liveness row may go without a
	// heartbeat before the others release its leases (default
	// core.WorkerDeadAfter, 2 s); the same on every replica.
	DeadAfter time.Duration
	// Concurrency bounds the sends in flight, each on its own stream
	// (default 32). One claim refills every free slot, so more slots
	// mean fewer claims per delivery under load.
	Concurrency int
	// Poll is the fallback wake-up period (default 1 s).
	Poll time.Duration
	// SendTimeout bounds one Deliver call (default 20 s).
	SendTimeout time.Duration
	// Backoff is the delay before retrying a transient failure, by
	// attempt (1 for the first failure). Default: 250 ms doubling to 5
	// min, jittered between half and all of it.
	Backoff func(attempt int) time.Duration
	// NoListen turns off the PostgreSQL LISTEN connection (tests).
	NoListen bool
	// Metrics, when set, counts every attempt's outcome and the latency
	// of completed deliveries.
	Metrics Metrics

	kick    chan struct{}
	hand    chan struct{} // a hand-off arrived
	kicks   atomic.Uint64 // Kick calls so far
	running atomic.Bool   // Run is taking hand-offs

	completions chan completion // to the batch recorder (Run)

	live *liveness // this worker's own liveness (pulse)

	kindsMu sync.RWMutex
	kinds   map[string]Kind // by name (Register)

	mu     sync.Mutex
	handed []handoff // leased by a commit of this process, not started yet
	// held counts, per stream, the deliveries leased to this worker and
	// not finished; waiters marks the streams where deliveries were queued
	// behind them, to be claimed when one finishes.
	held    map[string]int
	waiters map[string]bool
	// tokens are the liveness tokens of the leases this worker holds, by
	// delivery ID, taken when each lease was taken.
	tokens map[int64]token
}

// NewWorker returns a worker with its defaults filled in.
func NewWorker(st *core.Store, log *slog.Logger, senders ...Sender) *Worker {
	w := &Worker{Store: st, Log: log, Senders: senders}
	w.init()
	return w
}

func (w *Worker) init() {
	if w.kick == nil {
		w.kick = make(chan struct{}, 1)
		w.hand = make(chan struct{}, 1)
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Name == "" && w.Store != nil {
		w.Name = w.Store.Replica()
	}
	if w.Name == "" {
		w.Name = core.NewReplicaName()
	}
	if w.Lease <= 0 {
		w.Lease = 30 * time.Second
	}
	if w.DeadAfter <= 0 {
		w.DeadAfter = core.WorkerDeadAfter
	}
	if w.Heartbeat <= 0 || w.Heartbeat > w.DeadAfter/2 {
		w.Heartbeat = min(250*time.Millisecond, w.DeadAfter/4)
	}
	if w.live == nil {
		// A send stops being safe a heartbeat (or a quarter of DeadAfter)
		// before another replica could declare this worker dead.
		w.live = &liveness{safe: w.DeadAfter - max(w.Heartbeat, w.DeadAfter/4)}
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 32
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.SendTimeout <= 0 {
		w.SendTimeout = 20 * time.Second
	}
	if w.Backoff == nil {
		w.Backoff = DefaultBackoff
	}
}

// DefaultBackoff is 250 ms doubling per attempt up to 5 minutes, with
// jitter between half and all of the delay.
func DefaultBackoff(attempt int) time.Duration {
	d := 250 * time.Millisecond
	for i := 1; i < attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 5*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Kick wakes the worker to claim at once; it never blocks.
func (w *Worker) Kick() {
	w.init()
	w.kicks.Add(1)
	select {
	case w.kick <- struct{}{}:
	default:
	}
}
