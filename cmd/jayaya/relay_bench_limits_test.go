package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// Two scenarios of issue 13, beside BenchmarkRelay's steady load. Both
// measure, from a message being sent on one platform to the outbound call
// for it arriving at the other fake, and assert nothing:
//
//	go test -run '^$' -bench 'BenchmarkRelayLimitedBursts$' -benchtime 1x -count 5 -timeout 30m ./cmd/jayaya
//	go test -run '^$' -bench 'BenchmarkRelayOneTicketLoad$' -benchtime 1x -count 5 -timeout 30m ./cmd/jayaya
//
// BenchmarkRelayLimitedBursts runs with the fakes' rate limits on (their
// default); BenchmarkRelayOneTicketLoad with them off.

// burstTickets, burstSize and staffAfter shape the limited scenario.
const (
	burstTickets = 8
	burstSize    = 5
	staffAfter   = time.Second
	// refill is how long the buckets take to fill up again after the
	// tickets are opened (Slack's Tier 3: 10 calls at 50 a minute).
	refill = 13 * time.Second
)

// BenchmarkRelayLimitedBursts: eight tickets; each client sends a burst of
// five messages, a second later staff answer every ticket once, with the
// fakes enforcing Slack's and Discord's rate limits.
func BenchmarkRelayLimitedBursts(b *testing.B) {
	w := setupRelayWorld(b, core.EnginePostgres)
	w.proc = w.start(w.dbURL)
	tickets := make([]ticketSides, burstTickets)
	for i := range tickets {
		if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: w.client.ID, Content: fmt.Sprintf("burst ticket %d", i+1)}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range tickets {
		tickets[i] = w.waitTicket(int64(i + 1))
	}
	w.settle()
	sb := &scenarioBench{w: w}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		time.Sleep(refill) // start as a quiet workspace: the buckets full
		b.StartTimer()
		sb.begin()
		var wg sync.WaitGroup
		for _, ts := range tickets {
			wg.Go(func() {
				for range burstSize {
					sb.clientSays(ts)
				}
			})
		}
		time.Sleep(staffAfter)
		for _, ts := range tickets {
			wg.Go(func() { sb.staffSays(ts) })
		}
		wg.Wait()
		r := sb.finish(tickets, 2*time.Minute)
		// How many Slack posts carried the client messages (coalescing).
		posts := 0
		for _, c := range w.slack.State().Calls("chat.postMessage") {
			if c.At.After(sb.start) && c.Status == http.StatusOK && strings.Contains(c.Params.Get("text"), "d2s#") {
				posts++
			}
		}
		b.ReportMetric(float64(posts), "slack-posts")
		r.report(b, "limited bursts")
	}
}

// BenchmarkRelayOneTicketLoad: one ticket, its client sends 500 messages
// at 100/s, then staff send 500 replies at 100/s, the fakes' rate limits
// off. It also counts the client messages no ✅ on Discord confirms yet
// (pendingReceipts) when staff start.
func BenchmarkRelayOneTicketLoad(b *testing.B) {
	w := setupRelayWorldWith(b, core.EnginePostgres, true)
	w.proc = w.start(w.dbURL)
	sb := &scenarioBench{w: w}
	for n := range b.N {
		ts := w.openByMessage(int64(n+1), fmt.Sprintf("load ticket %d", n+1))
		w.settle()
		b.ResetTimer()
		sb.begin()
		paced(500, 100, func() { sb.clientSays(ts) })
		pending := sb.pendingReceipts(ts)
		paced(500, 100, func() { sb.staffSays(ts) })
		r := sb.finish([]ticketSides{ts}, 2*time.Minute)
		b.Logf("one ticket: %d client messages not confirmed by a ✅ on Discord when staff started", pending)
		b.ReportMetric(float64(pending), "pending-receipts")
		r.report(b, "one ticket")
	}
}

// paced calls f n times at rate per second, each call after the one
// before it returned (so that sends keep their order).
func paced(n, rate int, f func()) {
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for range n {
		<-tick.C
		f()
	}
}

// scenarioBench sends marked messages and matches them with what arrived.
type scenarioBench struct {
	w   *relayWorld
	mu  sync.Mutex
	seq int
	// Of the run in progress:
	start       time.Time
	first       int                  // marks above it belong to the run
	sentAt      map[string]time.Time // by mark
	order       map[string][]string  // marks in sending order, by ticket thread and direction
	sendErrors  int
	slackRL     map[string]int // the fakes' refusals before the run
	discordRL   map[string]int
	slackCalls  int // Slack calls recorded before the run
	discordReqs int
}

func (sb *scenarioBench) begin() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.start, sb.first = time.Now(), sb.seq
	sb.sentAt, sb.order, sb.sendErrors = map[string]time.Time{}, map[string][]string{}, 0
	sb.slackRL, sb.discordRL = sb.w.slack.RateLimited(), sb.w.discord.RateLimited()
	sb.slackCalls, sb.discordReqs = len(sb.w.slack.State().Calls("")), len(sb.w.discord.Requests())
}

// mark registers a message about to be sent in a ticket's thread.
func (sb *scenarioBench) mark(dir string, ts ticketSides) string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.seq++
	m := fmt.Sprintf("%s#%d#", dir, sb.seq)
	sb.sentAt[m] = time.Now()
	k := ts.ThreadID + " " + dir
	sb.order[k] = append(sb.order[k], m)
	return m
}

func (sb *scenarioBench) failed() {
	sb.mu.Lock()
	sb.sendErrors++
	sb.mu.Unlock()
}

func (sb *scenarioBench) clientSays(ts ticketSides) {
	m := sb.mark("d2s", ts)
	if _, err := sb.w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: ts.ThreadID, AuthorID: sb.w.client.ID, Content: m + " client says hello"}); err != nil {
		sb.failed()
	}
}

func (sb *scenarioBench) staffSays(ts ticketSides) {
	m := sb.mark("s2d", ts)
	if _, d, err := sb.w.slack.HTTP().PostAsUser(context.Background(), slacktest.UserPost{User: sb.w.staff.ID, Channel: ts.slackChannel(sb.w), ThreadTS: ts.SlackTS, Text: m + " staff answers"}); err != nil || !d.OK() {
		sb.failed()
	}
}

// pendingReceipts counts the run's client messages in a ticket's Discord
// thread that no ✅ confirms yet: a ✅ means "delivered up to here", so it
// confirms its message and every one before it.
func (sb *scenarioBench) pendingReceipts(ts ticketSides) int {
	n := 0
	for _, m := range sb.w.discord.Messages(ts.ThreadID) {
		switch {
		case m.WebhookID != "" || !sb.ours(m.Content, "d2s"):
		case discordReacted(m, "✅"):
			n = 0
		default:
			n++
		}
	}
	return n
}

// ours reports whether text carries a mark of the run in direction dir.
func (sb *scenarioBench) ours(text, dir string) bool {
	for _, m := range markRE.FindAllStringSubmatch(text, -1) {
		if n, _ := strconv.Atoi(m[2]); m[1] == dir && n > sb.first {
			return true
		}
	}
	return false
}
