package bot_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// Receipts waiting in their lane are coalesced: of a run of ✅ in one
// conversation only the newest is sent (it means "delivered up to here"),
// a ⚠️ is never skipped, and of queued card updates only the last one is
// sent (the card is rebuilt at send time). Each skipped one is done.
func TestQueuedReceiptsAndCardsCoalesce(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		tk := open.Ticket.ID
		enqueue := func(kind, platform, stream string, p any) int64 {
			t.Helper()
			b, _ := json.Marshal(p)
			d := &core.Delivery{Stream: stream, Kind: kind, Platform: platform, TicketID: &tk, Payload: string(b)}
			if err := st.Enqueue(ctx, d); err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		discordReact := func(msg, reaction string) int64 {
			return enqueue(bot.KindDiscordReact, core.PlatformDiscord, bot.ReceiptStream(tk, core.PlatformDiscord),
				bot.DiscordReactPayload{TicketID: tk, ChannelID: "THREAD-1", DiscordMessageID: msg, Reaction: reaction})
		}
		slackReact := func(ts, reaction string) int64 {
			return enqueue(bot.KindSlackReact, core.PlatformSlack, bot.ReceiptStream(tk, core.PlatformSlack),
				bot.SlackReactPayload{TicketID: tk, Channel: "CSTAFF", TS: ts, Reaction: reaction})
		}
		card := func() int64 {
			return enqueue(bot.KindSlackCard, core.PlatformSlack, bot.CardStream(tk), bot.SlackCardPayload{TicketID: tk})
		}
		var want, skipped []int64
		skipped = append(skipped, discordReact("M1", bot.ReactDelivered), discordReact("M2", bot.ReactDelivered))
		want = append(want, discordReact("M3", bot.ReactParked)) // ⚠️: never skipped
		skipped = append(skipped, discordReact("M4", bot.ReactDelivered))
		want = append(want, discordReact("M5", bot.ReactDelivered)) // the newest ✅
		// Another conversation's ✅ (the support channel) is not superseded.
		want = append(want, enqueue(bot.KindDiscordReact, core.PlatformDiscord, bot.ReceiptStream(tk, core.PlatformDiscord),
			bot.DiscordReactPayload{TicketID: tk, ChannelID: "D-SUPPORT", DiscordMessageID: "M0", Reaction: bot.ReactDelivered}))
		skipped = append(skipped, slackReact("1.1", bot.ReactDelivered))
		want = append(want, slackReact("1.2", bot.ReactNote), slackReact("1.3", bot.ReactDelivered))
		skipped = append(skipped, card(), card())
		want = append(want, card())

		r.start(t)
		waitIdle(t, st)
		var sentIDs []int64
		for _, s := range append(r.slack.Sent(), r.discord.Sent()...) {
			sentIDs = append(sentIDs, s.ID)
		}
		for _, id := range want {
			if !slices.Contains(sentIDs, id) {
				t.Errorf("delivery %d was not sent", id)
			}
		}
		for _, id := range skipped {
			if slices.Contains(sentIDs, id) {
				t.Errorf("stale delivery %d was sent", id)
			}
			d, err := st.Delivery(ctx, id)
			if err != nil || d.Status != core.DeliveryDone {
				t.Errorf("stale delivery %d: %+v %v, want done", id, d, err)
			}
		}
	})
}
