package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// The scenario of issue 19: many tickets at once, with the fakes' rate
// limits on. It measures like the others and asserts nothing:
//
//	go test -run '^$' -bench 'BenchmarkRelayManyTickets$' -benchtime 1x -count 3 -timeout 30m ./cmd/jayaya
//
// The tickets' Discord threads spread over the support channel's webhook
// pool (DISCORD_WEBHOOKS_PER_CHANNEL, default 10; -relay.webhooks to
// change it), their Slack threads over SLACK_STAFF_CHANNEL and
// -relay.overflow overflow channels (SLACK_OVERFLOW_CHANNELS; the issue's
// scenario has 7, the same load on one channel 0):
//
//	go test -run '^$' -bench 'BenchmarkRelayManyTickets$' -benchtime 1x -count 3 -timeout 30m ./cmd/jayaya -args -relay.overflow=7
var (
	manyOverflow = flag.Int("relay.overflow", 0, "many-tickets scenario: overflow Slack channels beside the staff channel")
	manyTickets  = flag.Int("relay.many-tickets", 24, "many-tickets scenario: tickets open at once")
	manyDuration = flag.Duration("relay.many-duration", 48*time.Second, "many-tickets scenario: how long clients and staff write")
	manyWebhooks = flag.Int("relay.webhooks", 0, "many-tickets scenario: DISCORD_WEBHOOKS_PER_CHANNEL (0: the default)")
)

// Each client writes every clientEvery, staff answer each ticket every
// staffEvery.
const (
	clientEvery = 4 * time.Second
	staffEvery  = 8 * time.Second
)

// BenchmarkRelayManyTickets: 24 tickets open at once; each client writes
// every 4 s and staff answer each ticket every 8 s, for 48 s (6 client
// messages and 3 staff replies a second in all).
func BenchmarkRelayManyTickets(b *testing.B) {
	w := setupRelayWorld(b, core.EnginePostgres)
	w.extraEnv = map[string]string{}
	if *manyWebhooks > 0 {
		w.extraEnv["DISCORD_WEBHOOKS_PER_CHANNEL"] = fmt.Sprint(*manyWebhooks)
	}
	var overflow []string
	for i := range *manyOverflow {
		ch := w.slack.State().AddChannel(slacktest.Channel{Name: fmt.Sprintf("support-%d", i+2), Members: []string{w.staff.ID}})
		overflow = append(overflow, ch.ID)
	}
	if len(overflow) > 0 {
		w.extraEnv["SLACK_OVERFLOW_CHANNELS"] = strings.Join(overflow, ",")
	}
	w.proc = w.start(w.dbURL)
	number := int64(0)
	sb := &scenarioBench{w: w}
	for range b.N {
		tickets := make([]ticketSides, *manyTickets)
		for i := range tickets {
			if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: w.client.ID, Content: fmt.Sprintf("many ticket %d", i+1)}); err != nil {
				b.Fatal(err)
			}
		}
		// Opening 24 tickets posts 48 times in one Slack channel (card
		// and first message): about 40 s at a post a second, longer than
		// waitTicket waits for one.
		deadline := time.Now().Add(3 * time.Minute)
		for i := range tickets {
			number++
			for !ticketReady(w, number) && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			tickets[i] = w.waitTicket(number)
		}
		for time.Now().Before(deadline) {
			if st, err := w.st.OutboxStats(context.Background()); err == nil && st.Pending == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		w.settle()
		b.StopTimer()
		time.Sleep(refill) // start as a quiet workspace: the buckets full
		b.StartTimer()
		sb.begin()
		end := time.Now().Add(*manyDuration)
		var wg sync.WaitGroup
		for i, ts := range tickets {
			// Spread the tickets' turns over the periods, as people write.
			offset := time.Duration(i) * clientEvery / time.Duration(len(tickets))
			wg.Go(func() { every(offset, clientEvery, end, func() { sb.clientSays(ts) }) })
			wg.Go(func() { every(offset+staffEvery/2, staffEvery, end, func() { sb.staffSays(ts) }) })
		}
		wg.Wait()
		r := sb.finish(tickets, 10*time.Minute)
		r.report(b, "many tickets")
	}
}

// every calls f at start+offset, then every period, until end.
func every(offset, period time.Duration, end time.Time, f func()) {
	next := time.Now().Add(offset)
	for next.Before(end) {
		time.Sleep(time.Until(next))
		f()
		next = next.Add(period)
	}
}

// ticketReady reports whether ticket number has both its threads.
func ticketReady(w *relayWorld, number int64) bool {
	t, err := w.st.TicketByNumber(context.Background(), number)
	return err == nil && t.SlackThreadTS != nil && t.DiscordThreadID != nil
}
