package discord_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestSeveralSupportChannels: with two support channels, a message in the
// second opens a ticket whose thread lives under it, staff replies reach
// that thread through the second channel's own webhook, /ticket typed
// there opens under it too and says so, and a message in an ordinary
// channel opens nothing.
func TestSeveralSupportChannels(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		billing, err := r.srv.AddTextChannel(r.seed.GuildID, "billing")
		if err != nil {
			t.Fatal(err)
		}
		lounge, err := r.srv.AddTextChannel(r.seed.GuildID, "lounge")
		if err != nil {
			t.Fatal(err)
		}
		r.stopAdapter()
		r.supports = []string{r.seed.ChannelID, billing}
		r.startAdapter(t)

		r.say(t, lounge, r.client.ID, "just chatting")
		r.sayStored(t, billing, r.client.ID, "My invoice is wrong")
		tk, thread := r.waitThread(t, "message in #billing")
		if th, ok := r.srv.Channel(thread); !ok || th.ParentID != billing {
			t.Fatalf("thread %s under %v, want #billing %s", thread, th, billing)
		}
		if tk.DiscordChannelID == nil || *tk.DiscordChannelID != billing {
			t.Fatalf("ticket's support channel %v, want %s", tk.DiscordChannelID, billing)
		}
		list, err := st.ListTickets(ctx, core.TicketFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("%d tickets (%v), want only #billing's", len(list), err)
		}

		r.staffSays(t, tk, "1700000001.000001", "Looking into it")
		r.idle(t)
		if got := r.webhookTexts(thread); !slices.Contains(got, "Looking into it") {
			t.Fatalf("thread webhook posts %q", got)
		}
		var hooked []string
		for _, ch := range []string{r.seed.ChannelID, billing} {
			for _, wh := range r.srv.Webhooks(ch) {
				hooked = append(hooked, wh.ChannelID)
			}
		}
		if !slices.Equal(hooked, []string{billing}) {
			t.Fatalf("relay webhooks in channels %v, want only #billing's", hooked)
		}

		opts := []*discordgo.ApplicationCommandInteractionDataOption{{Name: "subject", Type: discordgo.ApplicationCommandOptionString, Value: "Refund"}}
		in, err := r.srv.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: billing, UserID: r.client.ID, Name: "ticket", Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		if text, _ := r.answer(t, in.ID); !strings.Contains(text, "<#"+billing+">") {
			t.Fatalf("/ticket in #billing answered %q", text)
		}
		tk2, thread2 := r.waitThread(t, "/ticket in #billing")
		if tk2.ID == tk.ID {
			t.Fatal("/ticket opened no new ticket")
		}
		if th, ok := r.srv.Channel(thread2); !ok || th.ParentID != billing {
			t.Fatalf("/ticket thread under %v, want #billing", th)
		}
		if got := len(r.slack.of(bot.KindSlackOpenThread)); got != 2 {
			t.Fatalf("%d Slack threads opened, want 2", got)
		}
	})
}
