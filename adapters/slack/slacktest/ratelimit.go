package slacktest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate is a token bucket: up to Burst calls at once, after which one more
// call is allowed every Every.
type Rate struct {
	Burst int
	Every time.Duration
}

// Limits are Slack's documented rate limits, which the fake enforces
// unless Config.Unlimited is set. A refused call is answered HTTP 429 with
// Retry-After (whole seconds) and {"ok":false,"error":"ratelimited"},
// which slack-go returns as *slack.RateLimitedError; nothing is done.
type Limits struct {
	// Post is chat.postMessage's and chat.postEphemeral's bucket, one per
	// method and channel: "about one message per second per channel,
	// short bursts tolerated". Default burst 10, then 1 per second.
	Post Rate
	// Tier3 is the bucket of each Tier 3 method (Tier3Methods), one per
	// method for the whole workspace. Default burst 10, then 50 per minute.
	Tier3 Rate
}

// Tier3Methods are the Web API methods the fake limits as Tier 3.
var Tier3Methods = []string{
	"reactions.add", "reactions.remove", "chat.update", "chat.delete",
	"conversations.replies", "conversations.history",
}

func (l *Limits) setDefaults() {
	def := func(r *Rate, burst int, every time.Duration) {
		if r.Burst <= 0 {
			r.Burst = burst
		}
		if r.Every <= 0 {
			r.Every = every
		}
	}
	def(&l.Post, 10, time.Second)
	def(&l.Tier3, 10, time.Minute/50)
}

// limiter holds the token buckets and counts the calls refused.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*tokenBucket
	refused map[string]int // by method
}

type tokenBucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// rateFor returns the bucket key and rate limiting method, or ok false for
// a method the fake does not limit.
func (c *Config) rateFor(method string, r *apiRequest) (key string, rate Rate, ok bool) {
	switch method {
	case "chat.postMessage", "chat.postEphemeral":
		ch := ""
		if r != nil {
			ch = r.str("channel")
		}
		return method + " " + ch, c.Limits.Post, true
	}
	for _, m := range Tier3Methods {
		if m == method {
			return method, c.Limits.Tier3, true
		}
	}
	return "", Rate{}, false
}

// take spends a token of key's bucket at now; when none is left it
// returns how long until one is, and counts the refusal against method.
func (l *limiter) take(method, key string, rate Rate, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets, l.refused = map[string]*tokenBucket{}, map[string]int{}
	}
	b := l.buckets[key]
	if b == nil {
		b = &tokenBucket{tokens: float64(rate.Burst), at: now}
		l.buckets[key] = b
	}
	if now.After(b.at) {
		b.tokens = min(float64(rate.Burst), b.tokens+float64(now.Sub(b.at))/float64(rate.Every))
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	l.refused[method]++
	return time.Duration((1 - b.tokens) * float64(rate.Every)), false
}

// rateLimit applies the rate-limit model to one call: it reports false
// after answering 429 when the call is refused.
func (s *Server) rateLimit(w http.ResponseWriter, method string, r *apiRequest, call *Call) bool {
	if s.cfg.Unlimited {
		return true
	}
	key, rate, ok := s.cfg.rateFor(method, r)
	if !ok {
		return true
	}
	wait, ok := s.limiter.take(method, key, rate, s.Now())
	if ok {
		return true
	}
	call.Status, call.Error = http.StatusTooManyRequests, "ratelimited"
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}` + "\n"))
	return false
}

// RateLimited returns how many calls of each Web API method the
// rate-limit model refused so far (calls refused by faults such as
// RateLimit are not counted).
func (s *Server) RateLimited() map[string]int {
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	out := make(map[string]int, len(s.limiter.refused))
	for k, v := range s.limiter.refused {
		out[k] = v
	}
	return out
}
