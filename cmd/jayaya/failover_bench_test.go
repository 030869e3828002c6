package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// The failover benchmark of issue 20: two replicas of the real binary,
// each a separate "jayaya serve" process, on one PostgreSQL database,
// between the fake Slack and the fake Discord served by this process
// (their rate limits on, as on the platforms). One ticket; its client
// writes 20 messages a second, staff 5 a second, staff's Slack events
// going to the replica that stays up (as a load balancer would send
// them). Three phases, each measured from a message being sent to the
// outbound call for it reaching the other fake:
//
//  1. kill: the replica holding the Discord gateway (and so the ticket's
//     Slack stream, which it leases as it stores the client's messages)
//     is killed with SIGKILL 4 s into 12 s of conversation;
//  2. rejoin and hand over: the killed replica is started again (it
//     stands by), then the other is stopped with SIGTERM 3 s into 8 s of
//     conversation; the time until the newcomer's gateway session is
//     READY is the handover;
//  3. pause: the gateway holder is stopped with SIGSTOP 4 s into 20 s of
//     conversation, and continued with SIGCONT 10 s later.
//
// Targets: every message once and in order, each within 5 s of being
// sent, the handover within 2 s. It reports and asserts nothing:
//
//	go test -run '^$' -bench BenchmarkFailover -benchtime 1x -count 3 -timeout 30m ./cmd/jayaya
//
// (-failover.logs DIR keeps each process's log.)
var failoverLogs = flag.String("failover.logs", "", "failover benchmark: keep each replica's log in this directory")

// failoverBin is the jayaya binary the benchmark builds once.
var failoverBin struct {
	once sync.Once
	path string
	err  error
}

// buildJayaya builds this package's binary into a temporary directory.
func buildJayaya(b *testing.B) string {
	b.Helper()
	failoverBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "jayaya-failover-")
		if err != nil {
			failoverBin.err = err
			return
		}
		failoverBin.path = filepath.Join(dir, "jayaya")
		out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", failoverBin.path, ".").CombinedOutput()
		if err != nil {
			failoverBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if failoverBin.err != nil {
		b.Fatal(failoverBin.err)
	}
	return failoverBin.path
}

// osReplica is one "jayaya serve" process.
type osReplica struct {
	name string
	cmd  *exec.Cmd
	logs *syncBuffer
	addr string
	done chan struct{}
}

// startOSReplica runs the binary with w's environment on w.dbURL,
// listening on an address of its own, and waits until it listens.
func startOSReplica(b *testing.B, w *relayWorld, bin, name string) *osReplica {
	b.Helper()
	env := w.env(w.dbURL)
	addr := freeAddr(b)
	env["JAYAYA_ADDR"], env["JAYAYA_PUBLIC_URL"] = addr, "http://"+addr
	r := &osReplica{name: name, cmd: exec.Command(bin, "serve"), logs: &syncBuffer{}, done: make(chan struct{})}
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	b.Cleanup(func() {
		r.signal(syscall.SIGCONT)
		r.signal(syscall.SIGKILL)
		<-r.done
		if *failoverLogs != "" {
			os.WriteFile(filepath.Join(*failoverLogs, fmt.Sprintf("%s-%d.log", name, r.cmd.Process.Pid)), []byte(r.logs.String()), 0o644)
		}
	})
	r.addr = waitListening(b, r.logs)
	return r
}

func (r *osReplica) signal(sig syscall.Signal) { r.cmd.Process.Signal(sig) }

// metric scrapes one series of r's /metrics (-1 when it cannot).
func (r *osReplica) metric(b *testing.B, series string) float64 {
	m, err := scrapeOnce(r.addr)
	if err != nil {
		return -1
	}
	if v, ok := m[series]; ok {
		return v
	}
	return -1
}

// waitUntil polls cond every 10 ms until it holds or limit passes; it
// reports how long it took, or fails b.
func waitUntil(b *testing.B, what string, limit time.Duration, cond func() bool) time.Duration {
	b.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			b.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// untilIdentified reports, once, how long after the call the fake Discord
// answered one more IDENTIFY than before (a new gateway session READY);
// a minute when none came.
func untilIdentified(w *relayWorld, before int) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		for w.discord.GatewayStats().Identifies <= before && time.Since(start) < time.Minute {
			time.Sleep(5 * time.Millisecond)
		}
		out <- time.Since(start)
	}()
	return out
}

// converse sends the ticket's conversation for d (client 20/s, staff
// 5/s, staff's events to whatever w.slack's product URL is), calling
// at(offset) actions as their offsets come.
func converse(sb *scenarioBench, ts ticketSides, d time.Duration, actions map[time.Duration]func()) {
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() { paced(int(d.Seconds()*20), 20, func() { sb.clientSays(ts) }) })
	wg.Go(func() { paced(int(d.Seconds()*5), 5, func() { sb.staffSays(ts) }) })
	offsets := make([]time.Duration, 0, len(actions))
	for o := range actions {
		offsets = append(offsets, o)
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
	for _, o := range offsets {
		time.Sleep(time.Until(start.Add(o)))
		actions[o]()
	}
	wg.Wait()
}

func BenchmarkFailover(b *testing.B) {
	bin := buildJayaya(b)
	var kills, stops, handovers, takeovers []float64
	var late, lost, dup, disorder int // over all phases and runs
	tally := func(name string, r *scenarioResult) {
		r.log(b, name)
		over := 0
		for _, l := range slices.Concat(r.latencies[0], r.latencies[1]) {
			if l > 5*time.Second {
				over++
			}
		}
		b.Logf("%s: %d messages took more than 5 s", name, over)
		late += over
		for i := range 2 {
			lost, dup, disorder = lost+r.lost[i], dup+r.duplicated[i], disorder+r.outOfOrder[i]
		}
	}
	for run := range b.N {
		w := setupRelayWorld(b, core.EnginePostgres)
		identifies := func() int { return w.discord.GatewayStats().Identifies }
		a := startOSReplica(b, w, bin, "a")
		waitUntil(b, "a's gateway session", waitTimeout, func() bool {
			return w.discord.GatewayStats().Connected && len(w.discord.Commands(w.guild)) > 0
		})
		r2 := startOSReplica(b, w, bin, "b")
		waitUntil(b, "two replicas alive", waitTimeout, func() bool { return r2.metric(b, "jayaya_replicas_alive") == 2 })
		ts := w.openByMessage(1, fmt.Sprintf("failover run %d", run+1))
		w.settle()
		sb := &scenarioBench{w: w}

		// 1. SIGKILL of the gateway holder; staff's events go to b.
		w.slack.SetProductURL("http://" + r2.addr)
		before := identifies()
		var gateway <-chan time.Duration
		sb.begin()
		converse(sb, ts, 12*time.Second, map[time.Duration]func(){4 * time.Second: func() {
			a.signal(syscall.SIGKILL)
			gateway = untilIdentified(w, before)
		}})
		b.Logf("kill: b's gateway session READY %s after SIGKILL", (<-gateway).Round(time.Millisecond))
		r := sb.finish([]ticketSides{ts}, 2*time.Minute)
		tally("kill", r)
		took := r2.metric(b, "jayaya_outbox_leases_taken_over_total")
		b.Logf("kill: %.0f deliveries taken over from the killed replica", took)
		kills = append(kills, ms(percentile(append(r.latencies[0], r.latencies[1]...), 1)))
		takeovers = append(takeovers, took)

		// 2. a comes back (standing by), b stops cleanly.
		a2 := startOSReplica(b, w, bin, "a2")
		waitUntil(b, "a2 alive", waitTimeout, func() bool { return r2.metric(b, "jayaya_replicas_alive") == 2 })
		if a2.metric(b, `jayaya_gateway_held{platform="discord"}`) != 0 {
			b.Fatal("the rejoining replica took the gateway from a live holder")
		}
		w.slack.SetProductURL("http://" + a2.addr)
		before = identifies()
		var handover time.Duration
		sb.begin()
		converse(sb, ts, 8*time.Second, map[time.Duration]func(){3 * time.Second: func() {
			r2.signal(syscall.SIGTERM)
			handover = waitUntil(b, "a2's gateway session", waitTimeout, func() bool { return identifies() > before && w.discord.GatewayStats().Connected })
		}})
		r = sb.finish([]ticketSides{ts}, 2*time.Minute)
		tally("handover", r)
		b.Logf("handover: the gateway's new session READY %s after SIGTERM", handover.Round(time.Millisecond))
		handovers = append(handovers, ms(handover))

		// 3. SIGSTOP of the gateway holder (a2) for 10 s; staff's events
		// go to b2.
		b2 := startOSReplica(b, w, bin, "b2")
		waitUntil(b, "b2 alive", waitTimeout, func() bool { return a2.metric(b, "jayaya_replicas_alive") == 2 })
		w.slack.SetProductURL("http://" + b2.addr)
		before = identifies()
		var paused <-chan time.Duration
		sb.begin()
		converse(sb, ts, 20*time.Second, map[time.Duration]func(){
			4 * time.Second: func() {
				a2.signal(syscall.SIGSTOP)
				paused = untilIdentified(w, before)
			},
			14 * time.Second: func() { a2.signal(syscall.SIGCONT) },
		})
		b.Logf("pause: b2's gateway session READY %s after SIGSTOP", (<-paused).Round(time.Millisecond))
		r = sb.finish([]ticketSides{ts}, 2*time.Minute)
		tally("pause", r)
		stops = append(stops, ms(percentile(append(r.latencies[0], r.latencies[1]...), 1)))
		b.Logf("pause: %.0f deliveries taken over from the paused replica", b2.metric(b, "jayaya_outbox_leases_taken_over_total"))
	}
	b.ReportMetric(median(kills), "kill-max-ms")
	b.ReportMetric(median(handovers), "handover-ms")
	b.ReportMetric(median(stops), "pause-max-ms")
	b.ReportMetric(median(takeovers), "taken-over")
	b.ReportMetric(float64(late), "over-5s")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(dup), "duplicated")
	b.ReportMetric(float64(disorder), "out-of-order")
}

// median of xs, 0 when empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
