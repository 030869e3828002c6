package discord

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestChannelQueuesKeepOrderPerChannel(t *testing.T) {
	var q channelQueues
	var mu sync.Mutex
	got := map[string][]int{}
	running := map[string]bool{}
	for i := 0; i < 300; i++ {
		ch := fmt.Sprint("ch", i%3)
		q.push(ch, func() {
			mu.Lock()
			if running[ch] {
				t.Errorf("two items of %s ran at once", ch)
			}
			running[ch] = true
			mu.Unlock()
			mu.Lock()
			got[ch] = append(got[ch], i)
			running[ch] = false
			mu.Unlock()
		})
	}
	q.wait()
	for c := 0; c < 3; c++ {
		ch := fmt.Sprint("ch", c)
		var want []int
		for i := c; i < 300; i += 3 {
			want = append(want, i)
		}
		if !slices.Equal(got[ch], want) {
			t.Fatalf("%s ran %v", ch, got[ch])
		}
	}
	if len(q.queues) != 0 {
		t.Fatalf("runners left: %v", q.queues)
	}
}
