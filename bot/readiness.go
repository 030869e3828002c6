package bot

import (
	"sort"
	"sync"
	"time"
)

// Readiness is a registry of the components a running JayayaCRM needs
// before it should receive traffic (GET /readyz): each adapter reports
// whether its connection is up. A component that was never reported is
// not tracked; one that should be waited for from the start is registered
// not ready with Set(name, false, "starting"). Methods are safe for
// concurrent use and on a nil *Readiness (they then do nothing).
type Readiness struct {
	// Now stamps changes; time.Now when nil.
	Now func() time.Time

	mu    sync.Mutex
	comps map[string]ComponentStatus
}

// ComponentStatus is one component's last reported state.
type ComponentStatus struct {
	Name   string
	Ready  bool
	Reason string    // why it is not ready (or a note when it is)
	Since  time.Time // when the state last changed
}

// NewReadiness returns an empty registry: ready, since nothing is tracked.
func NewReadiness() *Readiness { return &Readiness{comps: map[string]ComponentStatus{}} }

// Set reports a component's state, for example
// Set("discord", false, "gateway disconnected"). Since only moves when the
// readiness changes.
func (r *Readiness) Set(name string, ready bool, reason string) {
	if r == nil {
		return
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.comps[name]
	if !ok || c.Ready != ready {
		c.Since = now()
	}
	c.Name, c.Ready, c.Reason = name, ready, reason
	r.comps[name] = c
}

// Status reports whether every tracked component is ready, and each
// component's state, sorted by name.
func (r *Readiness) Status() (bool, []ComponentStatus) {
	if r == nil {
		return true, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	all := true
	out := make([]ComponentStatus, 0, len(r.comps))
	for _, c := range r.comps {
		all = all && c.Ready
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return all, out
}
