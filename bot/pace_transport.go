package bot

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/jayaya/jayayacrm/core/outbox"
)

// PacedTransport is the http.RoundTripper of an adapter's platform client:
// it holds each call until its budget allows it (Pacer.Wait, with the
// priority its context carries), tells the pacer of every 429 (Refused)
// and of every answer saying the budget is spent (X-RateLimit-Remaining
// 0 with X-RateLimit-Reset-After, as Discord sends: Spent).
// A call the pacer defers fails with a NotSent error, which the SDKs pass
// back wrapped, and which reaches the delivery worker as it is.
//
// Right before a request leaves, it checks that the delivery being sent
// (if any) is still surely the worker's (outbox.LeaseHeld): a process
// resuming from a pause longer than its lease sends nothing, and the
// worker puts the delivery back for whoever holds it now.
type PacedTransport struct {
	// Pacer holds calls within their budgets; nil sends them as they
	// come.
	Pacer *Pacer
	// Base sends the requests; default http.DefaultTransport.
	Base http.RoundTripper
	// Budget names the budget of a request, "" for a call not paced. It
	// may read the body (RequestBody).
	Budget func(r *http.Request) string
}

// RoundTrip sends r within its budget.
func (t *PacedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	key := ""
	if t.Pacer != nil && t.Budget != nil {
		key = t.Budget(r)
	}
	if key != "" {
		if err := t.Pacer.Wait(r.Context(), key); err != nil {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, err
		}
	}
	if err := outbox.LeaseHeld(r.Context()); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	resp, err := base.RoundTrip(r)
	switch {
	case err != nil || key == "":
	case resp.StatusCode == http.StatusTooManyRequests:
		t.Pacer.Refused(key, RetryAfterOf(resp.Header))
	case resp.Header.Get("X-RateLimit-Remaining") == "0":
		if s, err := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Reset-After"), 64); err == nil && s > 0 {
			t.Pacer.Spent(key, time.Duration(s*float64(time.Second)))
		}
	}
	return resp, err
}

// RetryAfterOf reads how long a 429 asks to wait: Retry-After, else
// Discord's X-RateLimit-Reset-After (seconds, possibly fractional); one
// second when neither says.
func RetryAfterOf(h http.Header) time.Duration {
	for _, name := range []string{"Retry-After", "X-RateLimit-Reset-After"} {
		if s, err := strconv.ParseFloat(h.Get(name), 64); err == nil && s > 0 {
			return time.Duration(s * float64(time.Second))
		}
	}
	return time.Second
}

// RequestBody returns a copy of r's body, leaving r's body readable.
func RequestBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if r.GetBody != nil {
		if rc, err := r.GetBody(); err == nil {
			defer rc.Close()
			b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
			return b
		}
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
