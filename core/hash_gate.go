package core

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// hashGate bounds the argon2id computations running at once to the CPUs:
// each takes 19 MiB, so a flood of login attempts must not run them all
// together (120 at once took a process from 50 MB to 2.4 GB). Checks wait
// in three queues, served in this order: from an address that made no
// attempt lately (staff at their own desk, during a flood from
// elsewhere), from one without failures, and from the others. A queue
// that is full refuses at once (EBUSY) rather than pile up requests.
var hashGate = newGate(runtime.GOMAXPROCS(0))

// Gate queues, by the standing of the request's address.
const (
	gateFresh = iota // no attempt lately
	gateClean        // attempts, but no failure in the current window
	gateDirty        // failures
)

// gate runs work in a fixed number of slots, with bounded queues.
type gate struct {
	mu      sync.Mutex
	free    int
	waiting [3][]chan struct{} // by gateFresh, gateClean, gateDirty
	limit   [3]int
}

func newGate(slots int) *gate {
	slots = max(slots, 1)
	return &gate{free: slots, limit: [3]int{16 * slots, 16 * slots, 2 * slots}}
}

// gateBusy is the answer when a queue is full.
var gateBusy = func() *Error { e := E(EBUSY, "core.login.busy"); e.RetryAfter = time.Second; return e }()

// run runs f in a slot, waiting in queue q (gateFresh, gateClean,
// gateDirty) for one. It returns gateBusy, without running f, when the
// queue is full, or ctx's error when ctx ends first.
func (g *gate) run(ctx context.Context, q int, f func()) error {
	g.mu.Lock()
	if g.free > 0 {
		g.free--
		g.mu.Unlock()
	} else {
		if len(g.waiting[q]) >= g.limit[q] {
			g.mu.Unlock()
			return gateBusy
		}
		ready := make(chan struct{})
		g.waiting[q] = append(g.waiting[q], ready)
		g.mu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			g.mu.Lock()
			for i, w := range g.waiting[q] {
				if w == ready {
					g.waiting[q] = append(g.waiting[q][:i], g.waiting[q][i+1:]...)
					g.mu.Unlock()
					return ctx.Err()
				}
			}
			g.mu.Unlock()
			// The slot came as ctx ended: pass it on.
			g.release()
			return ctx.Err()
		}
	}
	defer g.release()
	f()
	return nil
}

// release hands the slot to the first waiter, by queue.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for q := range g.waiting {
		if len(g.waiting[q]) > 0 {
			next := g.waiting[q][0]
			g.waiting[q] = g.waiting[q][1:]
			close(next)
			return
		}
	}
	g.free++
}

// recentAttempts remembers, in this process, when each client address
// last tried to log in, to tell gateFresh from gateClean. An attempt
// older than recentFor does not count; the memory starts afresh when it
// holds recentMax addresses (a flood from that many is no time for
// favours).
type recentAttempts struct {
	mu   sync.Mutex
	last map[string]time.Time
}

const (
	recentFor = 30 * time.Second
	recentMax = 10000
)

// seen records an attempt from addr at now and reports whether addr made
// another within recentFor.
func (r *recentAttempts) seen(addr string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil || len(r.last) >= recentMax {
		r.last = map[string]time.Time{}
	}
	prev, ok := r.last[addr]
	r.last[addr] = now
	return ok && now.Sub(prev) <= recentFor && !now.Before(prev)
}
