package slacktest

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"
)

// AllMethods names every Web API method in SetOutage and SetLatency.
const AllMethods = ""

// faults are the misbehaviours a test has asked for, consulted before each
// Web API call.
type faults struct {
	mu        sync.Mutex
	rateLimit map[string]*rateLimitFault
	outage    map[string]bool
	latency   map[string]time.Duration
	fail      map[string][]string
	downloads map[string]*downloadFault // by file name
	holds     map[string]*heldAnswer    // by method
}

// downloadFault answers the GETs of a file's bytes with status.
type downloadFault struct {
	status    int
	remaining int // < 0: until cleared
}

// heldAnswer is the answer to one call, held after the call was carried
// out, until released.
type heldAnswer struct {
	reached chan struct{} // closed when the call was carried out
	release chan struct{} // closed to answer it (503)
}

type rateLimitFault struct {
	remaining  int
	retryAfter int // seconds
}

// fault is what to do with one call instead of answering it: an HTTP status
// (with Retry-After when retryAfter >= 0), or a Slack error code.
type fault struct {
	status     int
	retryAfter int
	code       string
}

func (f *faults) init() {
	f.rateLimit = map[string]*rateLimitFault{}
	f.outage = map[string]bool{}
	f.latency = map[string]time.Duration{}
	f.fail = map[string][]string{}
	f.downloads = map[string]*downloadFault{}
	for _, h := range f.holds {
		h.releaseOnce()
	}
	f.holds = map[string]*heldAnswer{}
}

// before waits out any latency set for method and returns the fault to
// answer with, or the zero fault to answer normally.
func (f *faults) before(ctx context.Context, method string) fault {
	f.mu.Lock()
	delay := f.latency[AllMethods] + f.latency[method]
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.outage[AllMethods] || f.outage[method] {
		return fault{status: http.StatusServiceUnavailable, retryAfter: -1}
	}
	if rl := f.rateLimit[method]; rl != nil && rl.remaining > 0 {
		rl.remaining--
		return fault{status: http.StatusTooManyRequests, retryAfter: rl.retryAfter}
	}
	if codes := f.fail[method]; len(codes) > 0 {
		f.fail[method] = codes[1:]
		return fault{code: codes[0], retryAfter: -1}
	}
	return fault{retryAfter: -1}
}

// RateLimit makes the next n calls of method answer HTTP 429 with
// Retry-After (whole seconds, rounded up), which slack-go returns as
// *slack.RateLimitedError.
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	secs := int(math.Ceil(retryAfter.Seconds()))
	s.faults.rateLimit[method] = &rateLimitFault{remaining: n, retryAfter: max(secs, 0)}
}

// SetOutage makes method, or every method for AllMethods, answer HTTP 503
// until it is called again with down false. Callbacks and Socket Mode
// connections already open are not affected; apps.connections.open is.
func (s *Server) SetOutage(method string, down bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if down {
		s.faults.outage[method] = true
	} else {
		delete(s.faults.outage, method)
	}
}

// SetLatency delays every answer of method (or of all methods, for
// AllMethods) by d; zero removes the delay. Latencies set for a method and
// for AllMethods add up.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if d <= 0 {
		delete(s.faults.latency, method)
	} else {
		s.faults.latency[method] = d
	}
}

// FailNext makes the next n calls of method answer {"ok":false,"error":code}
// with HTTP 200, e.g. "internal_error", "ratelimited" or "fatal_error".
func (s *Server) FailNext(method string, n int, code string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for range n {
		s.faults.fail[method] = append(s.faults.fail[method], code)
	}
}

// ClearFaults removes every rate limit, outage, latency and pending failure.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.init()
}

// FailDownloads makes the next n GETs of the bytes of files named name
// (url_private, url_private_download) answer HTTP status, e.g. 404 as for
// a file deleted meanwhile or 503; n <= 0 means until ClearFaults.
func (s *Server) FailDownloads(name string, status, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if n <= 0 {
		n = -1
	}
	s.faults.downloads[name] = &downloadFault{status: status, remaining: n}
}

// download returns the status to answer a GET of a file named name with,
// 0 to serve it.
func (f *faults) download(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	df := f.downloads[name]
	if df == nil || df.remaining == 0 {
		return 0
	}
	if df.remaining > 0 {
		df.remaining--
	}
	return df.status
}

// HoldNext makes the next call of method go through (its effects happen)
// with its answer held: reached closes once the call was carried out;
// release answers it HTTP 503, as when the answer is lost on the way
// back (a crash of the caller, an edge time-out). ClearFaults releases
// it too.
func (s *Server) HoldNext(method string) (reached <-chan struct{}, release func()) {
	h := &heldAnswer{reached: make(chan struct{}), release: make(chan struct{})}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.holds[method] = h
	return h.reached, h.releaseOnce
}

func (h *heldAnswer) releaseOnce() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

// takeHold returns the hold armed for method, removing it; nil if none.
func (f *faults) takeHold(method string) *heldAnswer {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.holds[method]
	delete(f.holds, method)
	return h
}
