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
// in two queues: those from a client address without recent failures
// first, so that staff at their own desk get in during a flood from
// elsewhere. A queue that is full refuses at once (EBUSY) rather than
// pile up requests.
var hashGate = newGate(runtime.GOMAXPROCS(0))

// gate runs work in a fixed number of slots, with two bounded queues.
type gate struct {
	mu      sync.Mutex
	free    int
	waiting [2][]chan struct{} // 0: clean addresses, 1: the others
	limit   [2]int
}

func newGate(slots int) *gate {
	slots = max(slots, 1)
	return &gate{free: slots, limit: [2]int{16 * slots, 2 * slots}}
}

// gateBusy is the answer when a queue is full.
var gateBusy = &Error{Code: EBUSY, Message: "The server is busy. Try again in a moment.", RetryAfter: time.Second}

// run runs f in a slot; clean says the request's address has no recent
// failures. It returns gateBusy, without running f, when the queue is
// full, or ctx's error when ctx ends first.
func (g *gate) run(ctx context.Context, clean bool, f func()) error {
	q := 1
	if clean {
		q = 0
	}
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

// release hands the slot to the first waiter, clean ones first.
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
