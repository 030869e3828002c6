package slack

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
)

// With the pacer (bot.DefaultRules), a burst of posts in one channel and
// of reactions (Tier 3) stays within what the fake's Slack limits allow:
// nothing is refused. Without it, the same burst is. Both through the
// real slack-go client, which must send what budgetOf reads.
func TestPacingKeepsSlackWithinItsLimits(t *testing.T) {
	burst := func(t *testing.T, pacer *bot.Pacer) map[string]int {
		srv := slacktest.New(t, slacktest.Config{})
		st := srv.State()
		alice := st.AddUser(slacktest.User{Name: "alice"})
		ch := st.AddChannel(slacktest.Channel{Name: "staff", Members: []string{alice.ID}})
		hc := &http.Client{}
		if pacer != nil {
			pacer.MaxWait = time.Hour // wait, rather than defer: every call is made
			hc.Transport = &bot.PacedTransport{Pacer: pacer, Budget: budgetOf}
		}
		api := srv.Client(slack.OptionHTTPClient(hc))
		ctx := context.Background()
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			tss []string
		)
		for i := range 12 {
			wg.Go(func() {
				_, ts, err := api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(fmt.Sprintf("post %d", i), false))
				if err == nil {
					mu.Lock()
					tss = append(tss, ts)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for _, ts := range tss {
			wg.Go(func() { api.AddReactionContext(ctx, "white_check_mark", slack.NewRefToMessage(ch.ID, ts)) })
		}
		wg.Wait()
		if pacer != nil && len(tss) != 12 {
			t.Fatalf("%d of 12 posts went through with pacing", len(tss))
		}
		return srv.RateLimited()
	}
	if refused := burst(t, bot.NewPacer()); len(refused) != 0 {
		t.Fatalf("with pacing, Slack refused %v", refused)
	}
	if refused := burst(t, nil); refused["chat.postMessage"] == 0 {
		t.Fatalf("without pacing, Slack refused %v: the burst does not test the limits", refused)
	}
}
