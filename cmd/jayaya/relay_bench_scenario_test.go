package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
)

// scenarioResult is what one run of a scenario measured, per direction
// (0: client→Slack, 1: staff→Discord).
type scenarioResult struct {
	sent, arrived, lost, duplicated, outOfOrder [2]int
	latencies                                   [2][]time.Duration
	sendErrors                                  int
	refused                                     map[string]int // 429s of the fakes' limits, by method or route
	lookBacks                                   map[string]int // read-back calls, by method or route
	allIn, drained                              time.Duration  // from the run's start
}

// slackChannel is the Slack channel holding the ticket's thread (routed,
// or the staff channel).
func (ts ticketSides) slackChannel(w *relayWorld) string {
	if ts.SlackChannelID != nil {
		return *ts.SlackChannelID
	}
	return w.staffCh
}

// dirOf maps a mark's direction to its index.
func dirOf(d string) int {
	if d == "s2d" {
		return 1
	}
	return 0
}

// stored returns the run's marks of direction dir in a ticket's thread on
// the receiving platform, in the thread's order, duplicates included.
func (sb *scenarioBench) stored(ts ticketSides, dir string) []string {
	var texts []string
	if dir == "d2s" {
		for _, m := range sb.w.slack.State().Thread(ts.slackChannel(sb.w), ts.SlackTS) {
			texts = append(texts, m.Text)
		}
	} else {
		for _, m := range sb.w.discord.Messages(ts.ThreadID) {
			if m.WebhookID != "" {
				texts = append(texts, m.Content)
			}
		}
	}
	var out []string
	for _, t := range texts {
		for _, m := range markRE.FindAllStringSubmatch(t, -1) {
			if m[1] == dir && sb.ours(m[0], dir) {
				out = append(out, m[0])
			}
		}
	}
	return out
}

// allArrived reports whether every mark sent in the run is stored.
func (sb *scenarioBench) allArrived(tickets []ticketSides) bool {
	for _, ts := range tickets {
		for _, dir := range []string{"d2s", "s2d"} {
			got := map[string]bool{}
			for _, m := range sb.stored(ts, dir) {
				got[m] = true
			}
			sb.mu.Lock()
			want := sb.order[ts.ThreadID+" "+dir]
			sb.mu.Unlock()
			for _, m := range want {
				if !got[m] {
					return false
				}
			}
		}
	}
	return true
}

// finish waits (at most limit) for every message to arrive and for the
// outbox to drain, then measures the run.
func (sb *scenarioBench) finish(tickets []ticketSides, limit time.Duration) *scenarioResult {
	res := &scenarioResult{sendErrors: sb.sendErrors}
	deadline := sb.start.Add(limit)
	for !sb.allArrived(tickets) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	res.allIn = time.Since(sb.start)
	for time.Now().Before(deadline) {
		st, err := sb.w.st.OutboxStats(context.Background())
		if err == nil && st.Pending == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.drained = time.Since(sb.start)

	// When each mark's first successful outbound call reached the fake.
	arrivedAt := map[string]time.Time{}
	note := func(text string, at time.Time) {
		for _, m := range markRE.FindAllStringSubmatch(text, -1) {
			if prev, ok := arrivedAt[m[0]]; sb.ours(m[0], m[1]) && (!ok || at.Before(prev)) {
				arrivedAt[m[0]] = at
			}
		}
	}
	res.refused, res.lookBacks = map[string]int{}, map[string]int{}
	for _, c := range sb.w.slack.State().Calls("")[sb.slackCalls:] {
		switch {
		case c.Method == "chat.postMessage" && c.Status == 200 && c.Error == "":
			note(c.Params.Get("text"), c.At)
		case c.Method == "conversations.replies" || c.Method == "conversations.history":
			res.lookBacks["slack "+c.Method]++
		}
	}
	for _, r := range sb.w.discord.Requests()[sb.discordReqs:] {
		switch {
		case (r.Route == discordtest.RouteWebhookExecute || r.Route == discordtest.RouteChannelMessages) && r.Status < 300:
			note(string(r.Body), r.At)
		case r.Method == "GET" && strings.HasPrefix(r.Route, "GET /channels/{channel}/messages"):
			res.lookBacks["discord "+r.Route]++
		}
	}
	for k, n := range sb.w.slack.RateLimited() {
		if d := n - sb.slackRL[k]; d > 0 {
			res.refused["slack "+k] = d
		}
	}
	for k, n := range sb.w.discord.RateLimited() {
		if d := n - sb.discordRL[k]; d > 0 {
			res.refused["discord "+k] = d
		}
	}

	sb.mu.Lock()
	defer sb.mu.Unlock()
	for _, ts := range tickets {
		for _, dir := range []string{"d2s", "s2d"} {
			i := dirOf(dir)
			want := sb.order[ts.ThreadID+" "+dir]
			got := sb.stored(ts, dir)
			res.sent[i] += len(want)
			seen := map[string]int{}
			for _, m := range got {
				seen[m]++
			}
			res.arrived[i] += len(seen)
			res.duplicated[i] += len(got) - len(seen)
			// Out of order: a message stored after one sent later.
			pos := map[string]int{}
			for j, m := range want {
				pos[m] = j
			}
			highest := -1
			for _, m := range got {
				if seen[m] == 0 {
					continue // a duplicate, counted already
				}
				seen[m] = 0
				if pos[m] < highest {
					res.outOfOrder[i]++
				}
				highest = max(highest, pos[m])
			}
			res.lost[i] += len(want) - len(seen)
			for _, m := range want {
				if at, ok := arrivedAt[m]; ok {
					res.latencies[i] = append(res.latencies[i], at.Sub(sb.sentAt[m]))
				}
			}
		}
	}
	return res
}

// report logs the run and reports its figures as metrics.
func (r *scenarioResult) report(b *testing.B, name string) {
	refused, lookBacks := r.log(b, name)
	all := slices.Concat(r.latencies[0], r.latencies[1])
	b.ReportMetric(ms(percentile(all, 0.5)), "p50-ms")
	b.ReportMetric(ms(percentile(all, 0.9)), "p90-ms")
	b.ReportMetric(ms(percentile(all, 1)), "max-ms")
	b.ReportMetric(ms(percentile(r.latencies[1], 0.5)), "s2d-p50-ms")
	b.ReportMetric(ms(percentile(r.latencies[1], 0.99)), "s2d-p99-ms")
	b.ReportMetric(float64(refused), "refused")
	b.ReportMetric(float64(lookBacks), "look-backs")
	b.ReportMetric(float64(r.lost[0]+r.lost[1]), "lost")
	b.ReportMetric(float64(r.duplicated[0]+r.duplicated[1]), "duplicated")
	b.ReportMetric(float64(r.outOfOrder[0]+r.outOfOrder[1]), "out-of-order")
}

// log logs the run's figures; it returns the calls the fakes refused and
// the look-back calls, in all.
func (r *scenarioResult) log(b *testing.B, name string) (refused, lookBacks int) {
	for i, dir := range []string{"client→slack", "staff→discord"} {
		l := r.latencies[i]
		b.Logf("%s %s: sent %d arrived %d lost %d duplicated %d out of order %d  p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms",
			name, dir, r.sent[i], r.arrived[i], r.lost[i], r.duplicated[i], r.outOfOrder[i],
			ms(percentile(l, 0.5)), ms(percentile(l, 0.9)), ms(percentile(l, 0.99)), ms(percentile(l, 1)))
	}
	for _, n := range r.refused {
		refused += n
	}
	for _, n := range r.lookBacks {
		lookBacks += n
	}
	b.Logf("%s: all messages in after %s, outbox drained after %s, send errors %d", name, r.allIn.Round(time.Millisecond), r.drained.Round(time.Millisecond), r.sendErrors)
	b.Logf("%s: %d calls refused by the limits %s; %d look-back calls %s", name, refused, fmtCounts(r.refused), lookBacks, fmtCounts(r.lookBacks))
	return refused, lookBacks
}

// fmtCounts formats counts by name, sorted: "(a: 1, b: 2)".
func fmtCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
