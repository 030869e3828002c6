package core

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// The gate runs at most its slots at once, queues a bounded number of
// others (fresh addresses first, then clean ones, in larger queues than
// the others'), and refuses the rest at once with EBUSY.
func TestHashGateBoundsAndPrefersCleanAddresses(t *testing.T) {
	g := newGate(1)
	ctx := context.Background()
	hold := make(chan struct{})
	running := make(chan struct{})
	go g.run(ctx, gateDirty, func() { close(running); <-hold })
	<-running

	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	queue := func(name string, q int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.run(ctx, q, func() { mu.Lock(); order = append(order, name); mu.Unlock() }); err != nil {
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
	queue("dirty 1", gateDirty)
	waitQueued(gateDirty, 1)
	queue("dirty 2", gateDirty)
	waitQueued(gateDirty, 2) // the dirty queue (2 per slot) is full now
	if err := g.run(ctx, gateDirty, func() { t.Error("ran past a full queue") }); ErrorCode(err) != EBUSY {
		t.Fatalf("past a full queue: %v, want EBUSY", err)
	}
	queue("clean", gateClean) // the other queues still have room
	waitQueued(gateClean, 1)
	queue("fresh", gateFresh)
	waitQueued(gateFresh, 1)

	cctx, cancel := context.WithCancel(ctx)
	cancelled := make(chan error)
	go func() { cancelled <- g.run(cctx, gateFresh, func() { t.Error("a cancelled wait ran") }) }()
	waitQueued(gateFresh, 2)
	cancel()
	if err := <-cancelled; err != context.Canceled {
		t.Fatalf("cancelled wait: %v", err)
	}

	close(hold)
	wg.Wait()
	if want := []string{"fresh", "clean", "dirty 1", "dirty 2"}; !slices.Equal(order, want) {
		t.Fatalf("ran %q, want %q", order, want)
	}
	if g.free != 1 {
		t.Fatalf("%d free slots after all ran, want 1", g.free)
	}
}
