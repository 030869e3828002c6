package discord

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
)

// With the pacer (bot.DefaultRules), one webhook posting into several
// threads at once, and reactions in one thread, stay within the fake's
// Discord limits: nothing is refused. Without it, discordgo alone keys
// each thread's webhook posts apart and the webhook's limit is exceeded.
// Through the real discordgo client, which must send what budgetOf reads.
func TestPacingKeepsDiscordWithinItsLimits(t *testing.T) {
	burst := func(t *testing.T, pacer *bot.Pacer) map[string]int {
		srv := discordtest.NewServer(discordtest.Config{})
		t.Cleanup(srv.Close)
		dg, err := srv.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if pacer != nil {
			pacer.MaxWait = time.Hour // wait, rather than defer: every call is made
			dg.Client.Transport = &bot.PacedTransport{Pacer: pacer, Base: dg.Client.Transport, Budget: budgetOf}
		}
		support := srv.Seed().ChannelID
		wh, err := dg.WebhookCreate(support, "relay", "")
		if err != nil {
			t.Fatal(err)
		}
		var threads []string
		for i := range 4 {
			th, err := dg.ThreadStartComplex(support, &discordgo.ThreadStart{Name: fmt.Sprintf("ticket %d", i), Type: discordgo.ChannelTypeGuildPublicThread})
			if err != nil {
				t.Fatal(err)
			}
			threads = append(threads, th.ID)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			sent []*discordgo.Message
		)
		for i := range 12 {
			wg.Go(func() {
				m, err := dg.WebhookThreadExecute(wh.ID, wh.Token, true, threads[i%len(threads)], &discordgo.WebhookParams{Content: fmt.Sprintf("reply %d", i)})
				if err == nil {
					mu.Lock()
					sent = append(sent, m)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if pacer != nil && len(sent) != 12 {
			t.Fatalf("%d of 12 posts went through with pacing", len(sent))
		}
		for _, m := range sent {
			if m.ChannelID == threads[0] {
				wg.Go(func() { dg.MessageReactionAdd(m.ChannelID, m.ID, "✅") })
			}
		}
		wg.Wait()
		return srv.RateLimited()
	}
	if refused := burst(t, bot.NewPacer()); len(refused) != 0 {
		t.Fatalf("with pacing, Discord refused %v", refused)
	}
	if refused := burst(t, nil); refused[discordtest.RouteWebhookExecute] == 0 {
		t.Fatalf("without pacing, Discord refused %v: the burst does not test the limits", refused)
	}
}
