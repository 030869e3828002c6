package discord

import "sync"

// channelQueues runs work one item at a time per channel, in the order it
// was pushed, and different channels in parallel: a ticket thread's
// messages are stored in the order they were written while a busy thread
// never holds up the others (nor the gateway's event loop, which must keep
// reading heartbeat acknowledgements).
type channelQueues struct {
	mu     sync.Mutex
	queues map[string][]func() // a key is present while its runner runs
	wg     sync.WaitGroup
}

// push queues fn behind the channel's earlier work.
func (q *channelQueues) push(channel string, fn func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.queues == nil {
		q.queues = map[string][]func(){}
	}
	pending, running := q.queues[channel]
	q.queues[channel] = append(pending, fn)
	if !running {
		q.wg.Add(1)
		go q.run(channel)
	}
}

// run works through a channel's queue until it is empty.
func (q *channelQueues) run(channel string) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		fns := q.queues[channel]
		if len(fns) == 0 {
			delete(q.queues, channel)
			q.mu.Unlock()
			return
		}
		fn := fns[0]
		fns[0] = nil
		q.queues[channel] = fns[1:]
		q.mu.Unlock()
		fn()
	}
}

// wait blocks until every queue is empty.
func (q *channelQueues) wait() { q.wg.Wait() }
