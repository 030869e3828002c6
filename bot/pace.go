package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jayaya/jayayacrm/core/outbox"
)

// Pacing. Slack and Discord refuse calls beyond their rate limits with 429,
// and an app that keeps calling through them may lose its token. The
// Pacer keeps, per budget (one platform limit applied to one resource:
// Slack's posts in one channel, one Tier 3 method, one Discord webhook or
// channel), a model of that limit, and holds each call until the budget
// allows it. The waiting calls of a budget go highest priority first, in
// arrival order within a priority, so the tickets sharing a budget take
// turns (a ticket's stream has one call in flight at a time). A call that
// would wait too long is not sent at all: it comes back as
// outbox.NotSent, and
// the delivery worker tries it again later without counting an attempt.

// Priority orders the calls waiting for one budget.
type Priority int

// Priorities, highest first.
const (
	// PriorityMessage: posts, notices, thread changes, edits, deletions,
	// files, DMs, and the answers to staff's commands.
	PriorityMessage Priority = iota
	// PriorityCard: ticket card updates and thread status changes.
	PriorityCard
	// PriorityReceipt: ✅, ⚠️ and 🔒 reactions.
	PriorityReceipt
	priorities = 3
)

// KindPriority is the priority of a delivery kind's calls.
func KindPriority(kind string) Priority {
	switch kind {
	case KindSlackReact, KindDiscordReact:
		return PriorityReceipt
	case KindSlackCard, KindDiscordStatus:
		return PriorityCard
	}
	return PriorityMessage
}

type priorityKey struct{}

// WithPriority marks the platform calls made with ctx as being of p
// (PriorityMessage when unmarked).
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf returns the priority ctx carries.
func PriorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}

// Rate is a platform limit. With Window zero it is a token bucket (Slack's
// model): Burst calls at once, then one more every Every. With Window set
// it is a fixed window (Discord's): at most Burst calls in a window that
// opens with the first call after the previous window closed.
type Rate struct {
	Burst  int
	Every  time.Duration
	Window time.Duration
}

// Rule gives the Rate of every budget whose key starts with Prefix.
type Rule struct {
	Prefix string
	Rate   Rate
}

// DefaultRules are the budgets of the adapters' calls (see their
// transports for the keys), each a little inside the limit the platforms
// document, so that a quiet workspace still sends a short burst at once
// and a busy one is rarely refused:
//
//   - slack.post:<channel>: chat.postMessage and chat.postEphemeral in one
//     channel; Slack allows about one a second, short bursts tolerated
//     (burst 10 then 1/s): burst 9, then one per 1.05 s.
//   - slack.tier3:<method>: each Tier 3 method, workspace-wide; Slack
//     allows 50 a minute (burst 10 then one per 1.2 s): burst 9, then one
//     per 1.25 s.
//   - discord.webhook:<webhook>: executions of one webhook, 5 per 2 s.
//   - discord.messages:<channel>: bot messages in one channel, 5 per 5 s.
//   - discord.reactions:<channel>: reactions in one channel, 1 per 250 ms.
//
// The Discord windows are kept 5% longer than Discord's, for clock drift.
var DefaultRules = []Rule{
	{Prefix: "slack.post:", Rate: Rate{Burst: 9, Every: 1050 * time.Millisecond}},
	{Prefix: "slack.tier3:", Rate: Rate{Burst: 9, Every: 1250 * time.Millisecond}},
	{Prefix: "discord.webhook:", Rate: Rate{Burst: 5, Window: 2100 * time.Millisecond}},
	{Prefix: "discord.messages:", Rate: Rate{Burst: 5, Window: 5250 * time.Millisecond}},
	{Prefix: "discord.reactions:", Rate: Rate{Burst: 1, Window: 265 * time.Millisecond}},
}

// Pacer holds platform calls within their budgets. Its zero value is not
// usable: make one with NewPacer.
type Pacer struct {
	// MaxWait is the longest a call waits for its budget; one that would
	// wait longer gets NotSent at once (default 5 s: well inside the
	// worker's lease of a delivery).
	MaxWait time.Duration
	// Now is the clock, and AfterFunc the timer that lets waiting calls
	// go (tests); default time.Now and time.AfterFunc.
	Now       func() time.Time
	AfterFunc func(d time.Duration, f func())
	// Metrics, when set, receives each budget's waits, deferrals and
	// refusals, by budget class (the prefix of the key's rule, without
	// its ':').
	Metrics *Metrics

	rules   []Rule
	mu      sync.Mutex
	budgets map[string]*budget
}

// NewPacer returns a pacer with rules (DefaultRules when none). Calls of
// a key no rule matches are not paced.
func NewPacer(rules ...Rule) *Pacer {
	if len(rules) == 0 {
		rules = DefaultRules
	}
	return &Pacer{MaxWait: 5 * time.Second, Now: time.Now, rules: rules, budgets: map[string]*budget{},
		AfterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// budget is the state of one key's limit and the calls waiting for it.
type budget struct {
	key, class string
	rate       Rate
	tokens     float64   // token bucket: calls allowed now
	at         time.Time // token bucket: when tokens was brought up to date
	opened     time.Time // window: when the current window opened
	used       int       // window: calls in the current window
	paused     time.Time // refused by the platform: nothing before this
	askers     [2]asker  // the latest Busy call, and the latest of another stream
	waiting    [priorities][]*waiter
	armed      bool // a release is scheduled
}

// asker is a stream that asked Busy of a budget, and when.
type asker struct {
	from string
	at   time.Time
}

// waiter is one call waiting for its budget; ready is closed when it may
// go, after granted is set (both under the pacer's lock).
type waiter struct {
	ready   chan struct{}
	granted bool
	since   time.Time
}

// Wait returns when a call of key may go (nil), at once when the budget
// allows it. A call that would wait longer than MaxWait gets an
// outbox.NotSent
// error instead, saying when to try again; a cancelled ctx, its error.
func (p *Pacer) Wait(ctx context.Context, key string) error {
	if p == nil {
		return nil
	}
	prio := PriorityOf(ctx)
	p.mu.Lock()
	b := p.budget(key)
	if b == nil {
		p.mu.Unlock()
		return nil
	}
	now := p.Now()
	b.refresh(now)
	ahead := 0
	for q := Priority(0); q <= prio; q++ {
		ahead += len(b.waiting[q])
	}
	if ahead == 0 && b.take(now) {
		p.mu.Unlock()
		p.Metrics.PaceWaited(b.class, 0)
		return nil
	}
	if wait := b.estimate(now, ahead+1); wait > p.MaxWait {
		p.mu.Unlock()
		p.Metrics.PaceDeferred(b.class)
		return outbox.NotSent(wait, fmt.Errorf("pacing: %s is busy for another %s", key, wait.Round(time.Millisecond)))
	}
	w := &waiter{ready: make(chan struct{}), since: now}
	b.waiting[prio] = append(b.waiting[prio], w)
	p.schedule(b, now)
	p.Metrics.PaceDepth(b.class, 1)
	p.mu.Unlock()

	select {
	case <-w.ready:
		p.Metrics.PaceWaited(b.class, p.Now().Sub(w.since))
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		if w.granted {
			// Granted as ctx ended: the call goes anyway, rather than
			// lose the turn it was given.
			p.Metrics.PaceWaited(b.class, p.Now().Sub(w.since))
			return nil
		}
		b.waiting[prio] = removeWaiter(b.waiting[prio], w)
		p.Metrics.PaceDepth(b.class, -1)
		return ctx.Err()
	}
}

// Refused records that the platform refused a call of key with 429 and
// asked to wait after: the budget sends nothing until then.
func (p *Pacer) Refused(key string, after time.Duration) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.budget(key)
	if b == nil {
		return
	}
	now := p.Now()
	b.refresh(now)
	b.pause(now.Add(after))
	b.tokens = min(b.tokens, 0)
	p.Metrics.PaceRefused(b.class)
	p.schedule(b, now)
}

// Spent records that the platform said key's budget has nothing left
// until after (X-RateLimit-Remaining 0, X-RateLimit-Reset-After): the
// budget sends nothing until then, whatever its own model says, so that
// a limit tighter than the rules is met by waiting rather than by a 429.
func (p *Pacer) Spent(key string, after time.Duration) {
	if p == nil || after <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.budget(key)
	if b == nil {
		return
	}
	now := p.Now()
	b.pause(now.Add(after))
	p.schedule(b, now)
}

// pause makes b send nothing before until (a pause already longer stays).
func (b *budget) pause(until time.Time) {
	if until.After(b.paused) {
		b.paused = until
	}
}

// Busy reports whether a post of key, from stream from (a ticket's
// stream), does well to wait a moment for more messages to leave with it,
// and wait, how long the budget would hold it anyway. A post whose budget
// has room leaves at once: busy is false when a call of key would be
// granted now and no post of another stream asked since the budget last
// earned a call back (its refill period: about a second for a Slack
// channel). Otherwise it is true, with wait the time until the budget
// lets the post go (paused after a 429, calls already waiting, or nothing
// left to spend), or zero when the budget has room but is shared right
// now by several tickets (a burst: their first posts would spend the
// allowance the rest of the burst needs, so they gather their followers
// first). A ticket's own posts in quick succession do not count as
// shared: one message a second in one ticket, which the budget carries,
// is never held.
func (p *Pacer) Busy(key, from string) (busy bool, wait time.Duration) {
	if p == nil {
		return false, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.budget(key)
	if b == nil {
		return false, 0
	}
	now := p.Now()
	b.refresh(now)
	together := now.Sub(b.askedOther(from)) < b.refillPeriod()
	b.ask(from, now)
	if wait = b.estimate(now, len(b.waiting[PriorityMessage])+1); wait > 0 {
		return true, wait
	}
	return together, 0
}

// refillPeriod is how long b takes to earn one call back (at least 100
// ms): posts of other streams within it share the budget with a post.
func (b *budget) refillPeriod() time.Duration {
	d := b.rate.Every
	if b.rate.Window > 0 {
		d = b.rate.Window / time.Duration(max(b.rate.Burst, 1))
	}
	return max(d, 100*time.Millisecond)
}

// askedOther is when a stream other than from last asked Busy of b.
func (b *budget) askedOther(from string) time.Time {
	if b.askers[0].from != from {
		return b.askers[0].at
	}
	return b.askers[1].at
}

// ask records that from asked Busy of b at now: askers keeps the latest
// asker and the latest one other than it.
func (b *budget) ask(from string, now time.Time) {
	if b.askers[0].from != from {
		b.askers[1] = b.askers[0]
	}
	b.askers[0] = asker{from: from, at: now}
}

// budget returns key's budget, made on first use; nil when no rule
// matches (p.mu held).
func (p *Pacer) budget(key string) *budget {
	if b, ok := p.budgets[key]; ok {
		return b
	}
	for _, r := range p.rules {
		if strings.HasPrefix(key, r.Prefix) {
			// The class is the rule's, not the key's: keys carry
			// channel and webhook IDs, classes are a fixed few.
			class := strings.TrimSuffix(r.Prefix, ":")
			b := &budget{key: key, class: class, rate: r.Rate, tokens: float64(r.Rate.Burst), at: p.Now()}
			p.budgets[key] = b
			return b
		}
	}
	p.budgets[key] = nil
	return nil
}

// schedule arms b's timer for when its first waiter may go (p.mu held).
func (p *Pacer) schedule(b *budget, now time.Time) {
	if b.armed || b.queued() == 0 {
		return
	}
	b.armed = true
	p.AfterFunc(max(b.estimate(now, 1), time.Millisecond), func() { p.release(b) })
}

// release lets the waiters of b go, highest priority first, as long as the
// budget allows, and arms the timer for the rest.
func (p *Pacer) release(b *budget) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.armed = false
	now := p.Now()
	b.refresh(now)
	for q := range b.waiting {
		for len(b.waiting[q]) > 0 && b.take(now) {
			w := b.waiting[q][0]
			b.waiting[q] = b.waiting[q][1:]
			w.granted = true
			close(w.ready)
			p.Metrics.PaceDepth(b.class, -1)
		}
	}
	p.schedule(b, now)
}

func (b *budget) queued() int {
	return len(b.waiting[0]) + len(b.waiting[1]) + len(b.waiting[2])
}

// refresh brings the budget up to now: tokens earned, a window closed.
func (b *budget) refresh(now time.Time) {
	if b.rate.Window > 0 {
		if b.used > 0 && !now.Before(b.opened.Add(b.rate.Window)) {
			b.used = 0
		}
		return
	}
	if now.After(b.at) {
		b.tokens = min(float64(b.rate.Burst), b.tokens+float64(now.Sub(b.at))/float64(b.rate.Every))
		b.at = now
	}
}

// take spends one call of the budget at now, if it allows one.
func (b *budget) take(now time.Time) bool {
	if now.Before(b.paused) {
		return false
	}
	if b.rate.Window > 0 {
		if b.used >= b.rate.Burst {
			return false
		}
		if b.used == 0 {
			b.opened = now
		}
		b.used++
		return true
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// estimate is how long the n-th call to wait (n from 1) has to wait from
// now, the budget up to date.
func (b *budget) estimate(now time.Time, n int) time.Duration {
	var d time.Duration
	if b.rate.Window > 0 {
		free, opened := b.rate.Burst-b.used, b.opened
		if b.used == 0 {
			opened = now // the next call opens a window
		}
		if n > free {
			// The rest go in the windows that follow this one.
			windows := (n - free + b.rate.Burst - 1) / b.rate.Burst
			d = opened.Add(time.Duration(windows) * b.rate.Window).Sub(now)
		}
	} else if need := float64(n) - b.tokens; need > 0 {
		d = time.Duration(need * float64(b.rate.Every))
	}
	if pause := b.paused.Sub(now); pause > 0 {
		d += pause
	}
	return max(d, 0)
}

func removeWaiter(ws []*waiter, w *waiter) []*waiter {
	for i, x := range ws {
		if x == w {
			return append(ws[:i], ws[i+1:]...)
		}
	}
	return ws
}
