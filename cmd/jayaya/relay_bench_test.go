package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// The relay benchmark: the whole binary between the fakes, on PostgreSQL.
// Latency is measured from the inbound platform event (a client message
// dispatched by the fake Discord gateway; a staff reply's event POSTed by
// the fake Slack) to the outbound API call for it arriving at the other
// fake (chat.postMessage; the webhook execution). It is a benchmark, not a
// test: it reports numbers and asserts none. Run it with
//
//	go test -run '^$' -bench BenchmarkRelay -benchtime 1x -timeout 30m ./cmd/jayaya \
//	    -args -relay.rate=100 -relay.duration=30s
//
// and -relay.max to step the rate up and find the highest sustained one.
var (
	benchRate     = flag.Int("relay.rate", 100, "relay benchmark: messages per second in EACH direction")
	benchDuration = flag.Duration("relay.duration", 30*time.Second, "relay benchmark: how long to send at the rate")
	benchTickets  = flag.Int("relay.tickets", 50, "relay benchmark: tickets the messages are spread over")
	benchLogs     = flag.String("relay.logs", "", "relay benchmark: write the product's log to this file")
	benchAsync    = flag.Bool("relay.async-commit", false, "relay benchmark (diagnosis only): run PostgreSQL with synchronous_commit off")
	benchMax      = flag.Bool("relay.max", false, "relay benchmark: step the rate up (10 s per step) to the highest rate with nothing lost")
)

func BenchmarkRelay(b *testing.B) {
	// Unlimited: the figures measure the product's own throughput, as
	// before the fakes modelled the platforms' rate limits.
	w := setupRelayWorldWith(b, core.EnginePostgres, true)
	if *benchAsync {
		var name string
		if err := w.st.DB.QueryRow("SELECT current_database()").Scan(&name); err != nil {
			b.Fatal(err)
		}
		if _, err := w.st.DB.Exec("ALTER DATABASE " + name + " SET synchronous_commit = off"); err != nil {
			b.Fatal(err)
		}
	}
	w.proc = w.start(w.dbURL)
	tickets := make([]ticketSides, *benchTickets)
	for i := range tickets {
		if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: w.client.ID, Content: fmt.Sprintf("bench ticket %d", i+1)}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range tickets {
		tickets[i] = w.waitTicket(int64(i + 1))
	}
	w.settle()
	if *benchLogs != "" {
		b.Cleanup(func() { os.WriteFile(*benchLogs, []byte(w.proc.logs.String()), 0o644) })
	}
	lb := &loadBench{w: w, tickets: tickets}
	b.ResetTimer()
	for range b.N {
		if !*benchMax {
			r := lb.run(*benchRate, *benchDuration)
			r.report(b)
			continue
		}
		best := 0
		for _, rate := range []int{10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 750, 1000} {
			r := lb.run(rate, 10*time.Second)
			r.report(b)
			if !r.sustained() {
				break
			}
			best = rate
		}
		b.Logf("highest sustained rate: %d msg/s each way, %d msg/s in all", best, 2*best)
		b.ReportMetric(float64(2*best), "max-msg/s")
	}
}

// loadBench sends marked messages both ways and matches them with the
// fakes' records of the outbound calls.
type loadBench struct {
	w       *relayWorld
	tickets []ticketSides
	seq     int
}

// loadResult is one run at one rate.
type loadResult struct {
	rate       int
	sent       [2]int // [discord→slack, slack→discord]
	delivered  [2]int
	latencies  [2][]time.Duration
	sendErrors int
	drainedIn  time.Duration
	// CPU time the whole machine and this process (product and fakes)
	// spent from the first message to the drained backlog.
	machineCPU, ownCPU time.Duration
}

// cpuNow reads the busy CPU time of the machine (/proc/stat) and of this
// process (/proc/self/stat); zeros where /proc is missing.
func cpuNow() (machine, own time.Duration) {
	const tick = 10 * time.Millisecond // USER_HZ = 100 on Linux
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			if i != 3 && i != 4 { // idle, iowait
				machine += time.Duration(n) * tick
			}
		}
	}
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		for _, i := range []int{11, 12} { // utime, stime
			n, _ := strconv.ParseInt(f[i], 10, 64)
			own += time.Duration(n) * tick
		}
	}
	return machine, own
}

var markRE = regexp.MustCompile(`(d2s|s2d)#(\d+)#`)

func (lb *loadBench) run(rate int, d time.Duration) *loadResult {
	w := lb.w
	res := &loadResult{rate: rate}
	var mu sync.Mutex
	sentAt := map[string]time.Time{}
	var wg sync.WaitGroup
	ctx := context.Background()
	interval := time.Second / time.Duration(rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	end := time.Now().Add(d)
	first := lb.seq
	m0, o0 := cpuNow()
	for time.Now().Before(end) {
		<-tick.C
		lb.seq++
		n := lb.seq
		ts := lb.tickets[n%len(lb.tickets)]
		wg.Add(2)
		go func() {
			defer wg.Done()
			mark := fmt.Sprintf("d2s#%d#", n)
			mu.Lock()
			sentAt[mark] = time.Now()
			mu.Unlock()
			if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: ts.ThreadID, AuthorID: w.client.ID, Content: mark + " client says hello"}); err != nil {
				mu.Lock()
				res.sendErrors++
				mu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			mark := fmt.Sprintf("s2d#%d#", n)
			mu.Lock()
			sentAt[mark] = time.Now()
			mu.Unlock()
			if _, d, err := w.slack.HTTP().PostAsUser(ctx, slacktest.UserPost{User: w.staff.ID, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: mark + " staff answers"}); err != nil || !d.OK() {
				mu.Lock()
				res.sendErrors++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sent := lb.seq - first
	res.sent = [2]int{sent, sent}

	// Let the backlog drain (at most 30 s), then match.
	stop := time.Now()
	deadline := stop.Add(30 * time.Second)
	for {
		st, err := w.st.OutboxStats(ctx)
		if err == nil && st.Pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.drainedIn = time.Since(stop)
	m1, o1 := cpuNow()
	res.machineCPU, res.ownCPU = m1-m0, o1-o0

	arrived := map[string]time.Time{}
	note := func(text string, at time.Time) {
		for _, m := range markRE.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[2])
			if n <= first {
				continue
			}
			key := m[1] + "#" + m[2] + "#"
			if prev, ok := arrived[key]; !ok || at.Before(prev) {
				arrived[key] = at
			}
		}
	}
	for _, c := range w.slack.State().Calls("chat.postMessage") {
		if c.Status == 200 && c.Error == "" {
			note(c.Params.Get("text"), c.At)
		}
	}
	for _, r := range w.discord.Requests() {
		if r.Method == "POST" && r.Route == "POST /webhooks/{webhook}/{token}" && r.Status < 300 {
			note(string(r.Body), r.At)
		}
	}
	for key, at := range arrived {
		dir := 0
		if key[:3] == "s2d" {
			dir = 1
		}
		res.delivered[dir]++
		res.latencies[dir] = append(res.latencies[dir], at.Sub(sentAt[key]))
	}
	return res
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sustained reports whether every message arrived and the backlog stayed
// flat (drained within a second of the load ending, p99 under a second).
func (r *loadResult) sustained() bool {
	return r.sendErrors == 0 && r.delivered == r.sent && r.drainedIn < time.Second &&
		percentile(r.latencies[0], 0.99) < time.Second && percentile(r.latencies[1], 0.99) < time.Second
}

func (r *loadResult) report(b *testing.B) {
	names := []string{"discord→slack", "slack→discord"}
	for dir, name := range names {
		l := r.latencies[dir]
		b.Logf("%4d msg/s each way  %s: sent %d delivered %d  p50 %.2f ms  p99 %.2f ms  max %.2f ms",
			r.rate, name, r.sent[dir], r.delivered[dir], ms(percentile(l, 0.5)), ms(percentile(l, 0.99)), ms(percentile(l, 1)))
	}
	b.Logf("%4d msg/s each way: send errors %d, backlog drained %s after the load, sustained %v", r.rate, r.sendErrors, r.drainedIn.Round(time.Millisecond), r.sustained())
	if n := r.delivered[0] + r.delivered[1]; n > 0 {
		b.Logf("%4d msg/s each way: CPU per relayed message %.2f ms on the machine, of which %.2f ms in this process (product and fakes)",
			r.rate, ms(r.machineCPU)/float64(n), ms(r.ownCPU)/float64(n))
	}
	if !*benchMax {
		b.ReportMetric(ms(percentile(r.latencies[0], 0.5)), "d2s-p50-ms")
		b.ReportMetric(ms(percentile(r.latencies[0], 0.99)), "d2s-p99-ms")
		b.ReportMetric(ms(percentile(r.latencies[1], 0.5)), "s2d-p50-ms")
		b.ReportMetric(ms(percentile(r.latencies[1], 0.99)), "s2d-p99-ms")
		b.ReportMetric(float64(r.sent[0]+r.sent[1]-r.delivered[0]-r.delivered[1]), "undelivered")
	}
}
