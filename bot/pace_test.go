package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// notSentAfter checks that err defers the call and returns its delay.
func notSentAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var r *outbox.RetryAfterError
	if !errors.As(err, &r) || !r.NotSent {
		t.Fatalf("got %v, want a NotSent deferral", err)
	}
	return r.After
}

func TestPacerTokenBucket(t *testing.T) {
	clock := coretest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	p := bot.NewPacer(bot.Rule{Prefix: "slack.post:", Rate: bot.Rate{Burst: 3, Every: time.Minute}})
	p.Now, p.MaxWait = clock.Now, time.Second
	ctx := context.Background()
	for i := range 3 {
		if err := p.Wait(ctx, "slack.post:C1"); err != nil {
			t.Fatalf("call %d of the burst: %v", i+1, err)
		}
	}
	if after := notSentAfter(t, p.Wait(ctx, "slack.post:C1")); after != time.Minute {
		t.Fatalf("deferred for %s, want the minute until the next token", after)
	}
	// Budgets are per key: another channel has its own burst.
	if err := p.Wait(ctx, "slack.post:C2"); err != nil {
		t.Fatalf("another channel: %v", err)
	}
	// A key no rule names is not paced.
	for range 10 {
		if err := p.Wait(ctx, "slack.other:x"); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Minute)
	if err := p.Wait(ctx, "slack.post:C1"); err != nil {
		t.Fatalf("after a minute: %v", err)
	}
	notSentAfter(t, p.Wait(ctx, "slack.post:C1"))
}

func TestPacerWindow(t *testing.T) {
	clock := coretest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	p := bot.NewPacer(bot.Rule{Prefix: "discord.webhook:", Rate: bot.Rate{Burst: 2, Window: 10 * time.Second}})
	p.Now, p.MaxWait = clock.Now, time.Second
	ctx := context.Background()
	if p.Wait(ctx, "discord.webhook:W") != nil || p.Wait(ctx, "discord.webhook:W") != nil {
		t.Fatal("the window's calls were held")
	}
	clock.Advance(4 * time.Second)
	if after := notSentAfter(t, p.Wait(ctx, "discord.webhook:W")); after != 6*time.Second {
		t.Fatalf("deferred for %s, want the 6 s left of the window", after)
	}
	clock.Advance(6 * time.Second)
	if p.Wait(ctx, "discord.webhook:W") != nil || p.Wait(ctx, "discord.webhook:W") != nil {
		t.Fatal("a new window's calls were held")
	}
}

func TestPacerRefusedPauses(t *testing.T) {
	clock := coretest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	p := bot.NewPacer(bot.Rule{Prefix: "slack.tier3:", Rate: bot.Rate{Burst: 10, Every: time.Second}})
	p.Now, p.MaxWait = clock.Now, time.Second
	ctx := context.Background()
	if busy, _ := p.Busy("slack.tier3:reactions.add", "s"); busy {
		t.Fatal("an unused budget is busy")
	}
	p.Refused("slack.tier3:reactions.add", 30*time.Second)
	if after := notSentAfter(t, p.Wait(ctx, "slack.tier3:reactions.add")); after < 30*time.Second {
		t.Fatalf("deferred for %s, want at least the 30 s Slack asked for", after)
	}
	clock.Advance(31 * time.Second)
	if err := p.Wait(ctx, "slack.tier3:reactions.add"); err != nil {
		t.Fatalf("after the pause: %v", err)
	}
}

// A post whose budget has room is not busy, however recently its own
// ticket posted; it is busy when it would wait for the budget anyway
// (with that wait), or when another ticket's post asked within the time
// the budget takes to earn a call back (here a second).
func TestPacerBusy(t *testing.T) {
	clock := coretest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	p := bot.NewPacer(
		bot.Rule{Prefix: "slack.post:", Rate: bot.Rate{Burst: 3, Every: time.Second}},
		bot.Rule{Prefix: "discord.webhook:", Rate: bot.Rate{Burst: 2, Window: 2 * time.Second}},
	)
	p.Now, p.MaxWait = clock.Now, time.Minute
	ctx := context.Background()
	busy := func(key, from string) (bool, time.Duration) {
		t.Helper()
		return p.Busy(key, from)
	}
	want := func(what string, gotBusy bool, gotWait time.Duration, wantBusy bool, wantWait time.Duration) {
		t.Helper()
		if gotBusy != wantBusy || gotWait != wantWait {
			t.Fatalf("%s: busy %v wait %s, want %v %s", what, gotBusy, gotWait, wantBusy, wantWait)
		}
	}
	b, w := busy("slack.post:C", "ticket 1")
	want("a full budget", b, w, false, 0)
	// The ticket's card and first message spent two calls: its next
	// message, right behind them, still has room.
	p.Wait(ctx, "slack.post:C")
	p.Wait(ctx, "slack.post:C")
	clock.Advance(10 * time.Millisecond)
	b, w = busy("slack.post:C", "ticket 1")
	want("the same ticket with room left", b, w, false, 0)
	// Another ticket posting together with it is a burst.
	clock.Advance(50 * time.Millisecond)
	b, w = busy("slack.post:C", "ticket 2")
	want("another ticket within the second", b, w, true, 0)
	b, w = busy("slack.post:C", "ticket 1")
	want("the first ticket again, the second within the second", b, w, true, 0)
	clock.Advance(1100 * time.Millisecond)
	b, w = busy("slack.post:C", "ticket 1")
	want("a second after the other ticket", b, w, false, 0)
	// Nothing left to spend: busy for as long as the next token takes.
	for range 2 {
		if err := p.Wait(ctx, "slack.post:C"); err != nil {
			t.Fatal(err)
		}
	}
	b, w = busy("slack.post:C", "ticket 1")
	if !b || w <= 0 || w > time.Second {
		t.Fatalf("an empty budget: busy %v wait %s, want busy until the next token", b, w)
	}
	// Refused by the platform: busy until the pause ends.
	p.Refused("slack.post:D", 30*time.Second)
	if b, w = busy("slack.post:D", "ticket 3"); !b || w < 30*time.Second {
		t.Fatalf("a paused budget: busy %v wait %s, want busy at least the 30 s asked", b, w)
	}
	// A window: room until its calls are spent, then busy until it ends.
	b, w = busy("discord.webhook:W", "ticket 1")
	want("a fresh window", b, w, false, 0)
	p.Wait(ctx, "discord.webhook:W")
	p.Wait(ctx, "discord.webhook:W")
	clock.Advance(500 * time.Millisecond)
	b, w = busy("discord.webhook:W", "ticket 1")
	want("a spent window", b, w, true, 1500*time.Millisecond)
	if b, _ := p.Busy("", "x"); b {
		t.Fatal("a call without budget is busy")
	}
	if b, _ := (*bot.Pacer)(nil).Busy("slack.post:C", "x"); b {
		t.Fatal("no pacer is busy")
	}
}

// Waiting calls go highest priority first, in arrival order within one
// priority; a cancelled one leaves the queue.
func TestPacerServesByPriorityThenArrival(t *testing.T) {
	clock := coretest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	p := bot.NewPacer(bot.Rule{Prefix: "discord.messages:", Rate: bot.Rate{Burst: 1, Window: 10 * time.Second}})
	var (
		mu      sync.Mutex
		release func() // the pending timer's work; the test runs it
	)
	p.Now, p.MaxWait = clock.Now, time.Hour
	p.AfterFunc = func(_ time.Duration, f func()) { mu.Lock(); release = f; mu.Unlock() }
	m := bot.NewMetrics(nil)
	p.Metrics = m
	const key = "discord.messages:C"
	ctx := context.Background()
	if err := p.Wait(ctx, key); err != nil { // the window's one call
		t.Fatal(err)
	}
	depth := func() float64 { return budgetValue(t, m, "jayaya_pace_queue_depth", "discord.messages") }
	served := make(chan string)
	cancelled, cancel := context.WithCancel(bot.WithPriority(ctx, bot.PriorityMessage))
	enqueue := func(name string, ctx context.Context) {
		before := depth()
		go func() {
			if err := p.Wait(ctx, key); err != nil {
				if name != "cancelled" || !errors.Is(err, context.Canceled) {
					t.Errorf("%s: %v", name, err)
				}
				return
			}
			served <- name
		}()
		// Wait until it is queued, so that arrival order is known.
		waitFor(t, 10*time.Second, name+" queued", func() bool { return depth() != before })
	}
	enqueue("receipt 1", bot.WithPriority(ctx, bot.PriorityReceipt))
	enqueue("card 1", bot.WithPriority(ctx, bot.PriorityCard))
	enqueue("message 1", ctx)
	enqueue("cancelled", cancelled)
	enqueue("message 2", bot.WithPriority(ctx, bot.PriorityMessage))
	enqueue("receipt 2", bot.WithPriority(ctx, bot.PriorityReceipt))
	cancel()
	waitFor(t, 10*time.Second, "the cancelled call to leave", func() bool { return depth() == 5 })
	var order []string
	for range 5 {
		clock.Advance(10 * time.Second) // the next window: one more call
		mu.Lock()
		f := release
		release = nil
		mu.Unlock()
		if f == nil {
			t.Fatalf("no release scheduled after %q", order)
		}
		f()
		order = append(order, <-served)
	}
	want := []string{"message 1", "message 2", "card 1", "receipt 1", "receipt 2"}
	if !slices.Equal(order, want) {
		t.Fatalf("served %q, want %q", order, want)
	}
	if d := depth(); d != 0 {
		t.Fatalf("queue depth %v after all went, want 0", d)
	}
}

// The transport paces each request by its budget and tells the pacer of
// the platform's 429s.
func TestPacedTransportLearnsFrom429(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	clock := coretest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	p := bot.NewPacer(bot.Rule{Prefix: "slack.tier3:", Rate: bot.Rate{Burst: 10, Every: time.Second}})
	p.Now, p.MaxWait = clock.Now, time.Second
	m := bot.NewMetrics(nil)
	p.Metrics = m
	c := &http.Client{Transport: &bot.PacedTransport{Pacer: p, Budget: func(*http.Request) string { return "slack.tier3:chat.update" }}}
	resp, err := c.Get(srv.URL)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("first call: %v %v", resp, err)
	}
	resp.Body.Close()
	// The budget now waits the 7 s Slack asked for: the next call is not
	// sent at all.
	_, err = c.Get(srv.URL)
	if after := notSentAfter(t, err); after < 7*time.Second || calls != 1 {
		t.Fatalf("second call deferred %s after %d calls; want ≥ 7 s, 1 call", after, calls)
	}
	if n := budgetValue(t, m, "jayaya_pace_refused_total", "slack.tier3"); n != 1 {
		t.Fatalf("refused counter %v, want 1", n)
	}
	if n := budgetValue(t, m, "jayaya_pace_deferred_total", "slack.tier3"); n != 1 {
		t.Fatalf("deferred counter %v, want 1", n)
	}
}

// An answer saying the budget is spent (Discord's X-RateLimit-Remaining
// 0) holds the next call until the reset it names, though the pacer's own
// rule would allow it: a limit tighter than the rules is met by waiting.
func TestPacedTransportLearnsFromRateLimitHeaders(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("X-RateLimit-Limit", "2")
		w.Header().Set("X-RateLimit-Remaining", fmt.Sprint(2-calls))
		w.Header().Set("X-RateLimit-Reset-After", "3.500")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	clock := coretest.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	p := bot.NewPacer(bot.Rule{Prefix: "discord.webhook:", Rate: bot.Rate{Burst: 5, Window: 2 * time.Second}})
	p.Now, p.MaxWait = clock.Now, time.Second
	m := bot.NewMetrics(nil)
	p.Metrics = m
	c := &http.Client{Transport: &bot.PacedTransport{Pacer: p, Budget: func(*http.Request) string { return "discord.webhook:W" }}}
	for i := range 2 {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		resp.Body.Close()
	}
	_, err := c.Get(srv.URL)
	if after := notSentAfter(t, err); after < 3500*time.Millisecond || calls != 2 {
		t.Fatalf("third call deferred %s after %d calls; want ≥ 3.5 s, 2 calls", after, calls)
	}
	if n := budgetValue(t, m, "jayaya_pace_refused_total", "discord.webhook"); n != 0 {
		t.Fatalf("refused counter %v, want 0: nothing was refused", n)
	}
	clock.Advance(3500 * time.Millisecond)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("after the reset: %v", err)
	}
	resp.Body.Close()
}

// budgetValue is a pace series' value for one budget class.
func budgetValue(t *testing.T, m *bot.Metrics, name, class string) float64 {
	t.Helper()
	return mustValue(t, m.Registry(), name, map[string]string{"budget": class})
}

// pacedSender spends a pacer budget before each delivery, as the adapters'
// transports do.
type pacedSender struct {
	*recSender
	pacer *bot.Pacer
	key   string
}

func (s *pacedSender) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	if err := s.pacer.Wait(bot.WithPriority(ctx, bot.KindPriority(d.Kind)), s.key); err != nil {
		return "", err
	}
	return s.recSender.Deliver(ctx, d)
}

// When one budget is the bottleneck, the tickets sharing it take turns: a
// ticket with a long backlog does not hold up another's message.
func TestChattyTicketDoesNotStarveAnother(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		rec := &recSender{Name: core.PlatformSlack}
		pacer := bot.NewPacer(bot.Rule{Prefix: "slack.post:", Rate: bot.Rate{Burst: 1, Every: 20 * time.Millisecond}})
		pacer.MaxWait = time.Minute
		w := outbox.NewWorker(st, quietLog(), &pacedSender{recSender: rec, pacer: pacer, key: "slack.post:C"})
		w.NoListen = true
		var chatty []*core.Delivery
		for i := range 20 {
			chatty = append(chatty, &core.Delivery{Stream: "ticket:1:slack", Kind: bot.KindSlackPost, Platform: core.PlatformSlack, Payload: fmt.Sprintf(`{"n":%d}`, i)})
		}
		quiet := &core.Delivery{Stream: "ticket:2:slack", Kind: bot.KindSlackPost, Platform: core.PlatformSlack}
		if err := st.Enqueue(ctx, append(chatty, quiet)...); err != nil {
			t.Fatal(err)
		}
		runWorker(t, w)
		waitIdle(t, st)
		got := rec.Sent()
		pos := slices.IndexFunc(got, func(s sent) bool { return s.ID == quiet.ID })
		if len(got) != 21 || pos < 0 || pos > 2 {
			t.Fatalf("the quiet ticket's message went %d of %d, want among the first 3", pos+1, len(got))
		}
	})
}
