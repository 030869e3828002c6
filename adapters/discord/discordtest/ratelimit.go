package discordtest

import (
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Window is a per-route rate limit as Discord states it: Limit requests
// per Per, counted in a window that opens with the first request after
// the previous one closed.
type Window struct {
	Limit int
	Per   time.Duration
}

// Limits are the per-route rate limits the fake enforces unless
// Config.Unlimited is set. A request within its window's limit is answered
// with X-RateLimit-Limit, -Remaining, -Reset, -Reset-After and -Bucket
// saying where the window stands, which discordgo's ratelimiter reads to
// pace itself; a request beyond it is answered 429 with retry_after
// (seconds, float), Retry-After and the same headers, and is not carried
// out.
type Limits struct {
	// WebhookExecute is POST /webhooks/{webhook}/{token}, per webhook.
	// Default 5 per 2 s.
	WebhookExecute Window
	// ChannelMessages is POST /channels/{channel}/messages, per channel.
	// Default 5 per 5 s.
	ChannelMessages Window
	// Reactions is PUT and DELETE of a reaction, per channel. Default 1
	// per 250 ms.
	Reactions Window
	// WebhookChannel, when its Limit is set, also limits webhook
	// executions per channel they post in (the thread named by
	// thread_id, else the webhook's channel), whatever the webhook: the
	// "about 30 a minute per channel" community reports mention, which
	// Discord does not document. It is off by default. Its state never
	// shows in the X-RateLimit-* headers (those keep describing the
	// webhook's own window): it shows only as a 429, scope "shared", as
	// reported.
	WebhookChannel Window
}

func (l *Limits) setDefaults() {
	def := func(w *Window, limit int, per time.Duration) {
		if w.Limit <= 0 {
			w.Limit = limit
		}
		if w.Per <= 0 {
			w.Per = per
		}
	}
	def(&l.WebhookExecute, 5, 2*time.Second)
	def(&l.ChannelMessages, 5, 5*time.Second)
	def(&l.Reactions, 1, 250*time.Millisecond)
}

// Route names of the limited routes, as in Request.Route and
// Server.RateLimited, which also counts LimitWebhookChannel.
const (
	RouteWebhookExecute  = "POST /webhooks/{webhook}/{token}"
	RouteChannelMessages = "POST /channels/{channel}/messages"
	RouteReactionAdd     = "PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me"
	RouteReactionRemove  = "DELETE /channels/{channel}/messages/{message}/reactions/{emoji}/@me"
	// LimitWebhookChannel counts the webhook executions refused by
	// Limits.WebhookChannel.
	LimitWebhookChannel = "webhook executions per channel"
)

// limitFor returns the window of a route and its major parameter (the
// resource the window is kept per), or ok false for a route not limited.
func (l *Limits) limitFor(routeName string, params map[string]string) (w Window, bucket, major string, ok bool) {
	switch routeName {
	case RouteWebhookExecute:
		return l.WebhookExecute, routeName, params["webhook"], true
	case RouteChannelMessages:
		return l.ChannelMessages, routeName, params["channel"], true
	case RouteReactionAdd, RouteReactionRemove:
		// Adding and removing share one bucket, as on Discord.
		return l.Reactions, "reactions", params["channel"], true
	}
	return Window{}, "", "", false
}

// limiter holds the open windows and counts the requests refused.
type limiter struct {
	mu      sync.Mutex
	windows map[string]*window // by bucket and major parameter
	refused map[string]int     // by route name
}

type window struct {
	start time.Time
	count int
}

// windowState is where a window stands after a request.
type windowState struct {
	limit, remaining int
	resetAfter       time.Duration
	bucket           string
}

// take counts a request of routeName against its window at now, and
// reports whether it is allowed.
func (l *limiter) take(routeName, bucket, major string, lim Window, now time.Time) (windowState, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, st := l.windowLocked(bucket, major, lim, now)
	if w.count >= lim.Limit {
		l.refused[routeName]++
		return st, false
	}
	w.count++
	st.remaining = lim.Limit - w.count
	return st, true
}

// takeShared counts a request against its own window (as take) and a
// shared one (sharedMajor, lim): it is allowed only when both allow it,
// and counted in both then. The state returned is always the own
// window's; shared, when the shared window refused it, that one's.
func (l *limiter) takeShared(routeName, bucket, major string, own Window, sharedName, sharedMajor string, lim Window, now time.Time) (st, shared windowState, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, st := l.windowLocked(bucket, major, own, now)
	sw, sst := l.windowLocked(sharedName, sharedMajor, lim, now)
	switch {
	case w.count >= own.Limit:
		l.refused[routeName]++
		return st, windowState{}, false
	case sw.count >= lim.Limit:
		l.refused[sharedName]++
		st.remaining = own.Limit - w.count
		return st, sst, false
	}
	w.count++
	sw.count++
	st.remaining = own.Limit - w.count
	return st, windowState{}, true
}

// windowLocked returns the open window of bucket and major, opening a new
// one when the last closed, and where it stands before the request
// (l.mu held).
func (l *limiter) windowLocked(bucket, major string, lim Window, now time.Time) (*window, windowState) {
	if l.windows == nil {
		l.windows, l.refused = map[string]*window{}, map[string]int{}
	}
	key := bucket + "\x00" + major
	w := l.windows[key]
	if w == nil || !now.Before(w.start.Add(lim.Per)) {
		w = &window{start: now}
		l.windows[key] = w
	}
	return w, windowState{limit: lim.Limit, resetAfter: w.start.Add(lim.Per).Sub(now), bucket: bucketHash(bucket)}
}

// bucketHash is the X-RateLimit-Bucket of a bucket: opaque and stable.
func bucketHash(bucket string) string {
	sum := fnv.New64a()
	sum.Write([]byte(bucket))
	return fmt.Sprintf("%016x", sum.Sum64())
}

// header writes the X-RateLimit-* headers of st. Reset-After is rounded
// up to the millisecond, so a client waiting for it is never early.
func (st windowState) header(h http.Header, now time.Time) {
	ms := math.Ceil(float64(st.resetAfter) / float64(time.Millisecond))
	h.Set("X-RateLimit-Bucket", st.bucket)
	h.Set("X-RateLimit-Limit", fmt.Sprint(st.limit))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(st.remaining))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", ms/1000))
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", (float64(now.UnixMilli())+ms)/1000))
}

// rateLimit applies the limits to a request of routeName. It returns the
// headers to answer with when the request is allowed (nil for a route not
// limited), or ok false after answering 429.
func (s *Server) rateLimit(w http.ResponseWriter, routeName string, params map[string]string, query url.Values) (hdr http.Header, ok bool) {
	if s.cfg.Unlimited {
		return nil, true
	}
	lim, bucket, major, limited := s.cfg.Limits.limitFor(routeName, params)
	if !limited {
		return nil, true
	}
	now := s.now()
	var st, refusedBy windowState
	shared := s.cfg.Limits.WebhookChannel
	if channel := s.webhookChannel(routeName, params, query); shared.Limit > 0 && channel != "" {
		st, refusedBy, ok = s.limiter.takeShared(routeName, bucket, major, lim, LimitWebhookChannel, channel, shared, now)
	} else {
		st, ok = s.limiter.take(routeName, bucket, major, lim, now)
	}
	hdr = http.Header{}
	st.header(hdr, now)
	if ok {
		return hdr, true
	}
	scope, wait := "user", st.resetAfter
	if refusedBy.limit > 0 {
		scope, wait = "shared", refusedBy.resetAfter
	}
	hdr.Set("X-RateLimit-Scope", scope)
	hdr.Set("Retry-After", fmt.Sprint(max(1, int(math.Ceil(wait.Seconds())))))
	body := map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": math.Ceil(float64(wait)/float64(time.Millisecond)) / 1000,
		"global":      false,
	}
	writeJSON(w, http.StatusTooManyRequests, body, hdr)
	return nil, false
}

// webhookChannel is the channel a webhook execution posts in (the
// thread_id thread, else the webhook's channel), "" for another route or
// an unknown webhook.
func (s *Server) webhookChannel(routeName string, params map[string]string, query url.Values) string {
	if routeName != RouteWebhookExecute {
		return ""
	}
	if th := query.Get("thread_id"); th != "" {
		return th
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if wh, ok := s.st.webhooks[params["webhook"]]; ok {
		return wh.ChannelID
	}
	return ""
}

// RateLimited returns how many requests of each route (e.g.
// RouteWebhookExecute) the rate limits refused so far; 429s injected as
// faults are not counted.
func (s *Server) RateLimited() map[string]int {
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	out := make(map[string]int, len(s.limiter.refused))
	for k, v := range s.limiter.refused {
		out[k] = v
	}
	return out
}
