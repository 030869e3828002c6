package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// Two scenarios of issue 19, about messages that waited when their budget
// had room, with the fakes' rate limits on. Like the others they measure
// from a message being sent to its outbound call reaching the other fake,
// and assert nothing:
//
//	go test -run '^$' -bench 'BenchmarkRelayLoneMessage$' -benchtime 1x -count 5 -timeout 30m ./cmd/jayaya
//	go test -run '^$' -bench 'BenchmarkRelayOnePerSecond$' -benchtime 1x -count 5 -timeout 30m ./cmd/jayaya

// loneTickets and loneGap shape the lone-message scenario: tickets opened
// one after another, far enough apart for the channel to be quiet.
const (
	loneTickets = 10
	loneGap     = 3 * time.Second
)

// BenchmarkRelayLoneMessage: ten tickets, opened one every three seconds
// by a client message; right after each ticket's threads exist, its
// client writes one more message.
func BenchmarkRelayLoneMessage(b *testing.B) {
	w := setupRelayWorld(b, core.EnginePostgres)
	w.proc = w.start(w.dbURL)
	sb := &scenarioBench{w: w}
	number := int64(0)
	for range b.N {
		sb.begin()
		var tickets []ticketSides
		for range loneTickets {
			number++
			ts := w.openByMessage(number, fmt.Sprintf("lone ticket %d", number))
			sb.clientSays(ts)
			tickets = append(tickets, ts)
			time.Sleep(loneGap)
		}
		r := sb.finish(tickets, 2*time.Minute)
		r.report(b, "lone message")
	}
}

// BenchmarkRelayOnePerSecond: one ticket whose client writes one message
// a second for 30 s, a pace one Slack channel carries.
func BenchmarkRelayOnePerSecond(b *testing.B) {
	w := setupRelayWorld(b, core.EnginePostgres)
	w.proc = w.start(w.dbURL)
	sb := &scenarioBench{w: w}
	for n := range b.N {
		ts := w.openByMessage(int64(n+1), fmt.Sprintf("steady ticket %d", n+1))
		w.settle()
		sb.begin()
		paced(30, 1, func() { sb.clientSays(ts) })
		r := sb.finish([]ticketSides{ts}, 2*time.Minute)
		r.report(b, "one per second")
	}
}
