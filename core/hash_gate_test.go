package core

import (
	"context"
	"sync"
	"testing"
	"time"
)

// The gate runs at most its slots at once, queues a bounded number of
// others (clean addresses first, in their own larger queue), and refuses
// the rest at once with EBUSY.
func TestHashGateBoundsAndPrefersCleanAddresses(t *testing.T) {
	g := newGate(1)
	ctx := context.Background()
	hold := make(chan struct{})
	running := make(chan struct{})
	go g.run(ctx, false, func() { close(running); <-hold })
	<-running

	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	queue := func(name string, clean bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.run(ctx, clean, func() { mu.Lock(); order = append(order, name); mu.Unlock() }); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	waitQueued := func(q, n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; {
			g.mu.Lock()
			got := len(g.waiting[q])
			g.mu.Unlock()
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("queue %d holds %d, want %d", q, got, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	queue("dirty 1", false)
	waitQueued(1, 1)
	queue("dirty 2", false)
	waitQueued(1, 2) // the dirty queue (2 per slot) is full now
	if err := g.run(ctx, false, func() { t.Error("ran past a full queue") }); ErrorCode(err) != EBUSY {
		t.Fatalf("past a full queue: %v, want EBUSY", err)
	}
	queue("clean", true) // the clean queue still has room
	waitQueued(0, 1)

	cctx, cancel := context.WithCancel(ctx)
	cancelled := make(chan error)
	go func() { cancelled <- g.run(cctx, true, func() { t.Error("a cancelled wait ran") }) }()
	waitQueued(0, 2)
	cancel()
	if err := <-cancelled; err != context.Canceled {
		t.Fatalf("cancelled wait: %v", err)
	}

	close(hold)
	wg.Wait()
	if len(order) != 3 || order[0] != "clean" {
		t.Fatalf("ran %q, want the clean address first", order)
	}
	if g.free != 1 {
		t.Fatalf("%d free slots after all ran, want 1", g.free)
	}
}
