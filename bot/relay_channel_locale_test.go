package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// A Discord support channel's own language comes before the guild's for
// a client Discord has said nothing about: the welcome line in the
// ticket's thread is French under a French support channel, English
// under the other (the guild's), and a client's own setting still wins.
func TestSupportChannelLanguage(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		const frCh, enCh = "100000000000000701", "100000000000000702"
		relay := &bot.Relay{Store: st, Log: quietLog(), DiscordChannel: enCh, DiscordChannels: []string{enCh, frCh},
			DiscordGuildLocale: func() string { return "en-US" }}
		if _, err := st.SetChannelLocaleAs(ctx, core.Actor{}, "", frCh, "fr"); err != nil {
			t.Fatal(err)
		}
		mustCreateUser(t, st, "carl", core.RoleClient, "", "100000000000000011")
		if _, err := st.CreateUser(ctx, core.NewUser{Login: "eva", Name: "eva Name", Role: core.RoleClient, DiscordID: "100000000000000012", Locale: "en"}); err != nil {
			t.Fatal(err)
		}
		welcome := func(client, channel string) string {
			t.Helper()
			res, err := relay.OpenTicket(ctx, bot.InboundOpen{Platform: core.PlatformDiscord, ClientPlatformUserID: client, Channel: channel, Subject: "Imprimante"})
			if err != nil || res.Outcome != bot.Stored {
				t.Fatalf("open: %v %v", res.Outcome, err)
			}
			ds, err := st.TicketDeliveries(ctx, res.Ticket.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Kind == bot.KindDiscordNotice {
					var p bot.DiscordNoticePayload
					if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
						t.Fatal(err)
					}
					return p.Text
				}
			}
			t.Fatalf("no welcome queued for ticket #%d", res.Ticket.Number)
			return ""
		}
		if got := welcome("100000000000000011", frCh); !strings.HasPrefix(got, "Bonjour carl Name") {
			t.Errorf("under the French support channel: %q, want French", got)
		}
		if got := welcome("100000000000000011", enCh); !strings.HasPrefix(got, "Hello carl Name") {
			t.Errorf("under the other support channel: %q, want the guild's English", got)
		}
		if got := welcome("100000000000000012", frCh); !strings.HasPrefix(got, "Hello eva Name") {
			t.Errorf("a client whose setting is English, under the French channel: %q", got)
		}
	})
}
