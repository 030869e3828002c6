package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// TestRelayRoutesOverSeveralChannels runs the whole binary with a
// company rule (added with jayaya route add) and two overflow channels:
// the company's client's ticket opens in the rule's channel; other
// tickets fill the default channel up to three, then go to the emptiest
// overflow channel; a staff reply in an overflow channel's thread
// reaches the client, and /crm tickets says where each ticket is.
func TestRelayRoutesOverSeveralChannels(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{core.EnginePostgres, core.EngineSQLite} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := setupRelayWorld(t, engine)
			ctx := context.Background()
			fs := w.slack.State()
			members := []string{w.staff.ID}
			key := fs.AddChannel(slacktest.Channel{Name: "key-accounts", Members: members}).ID
			over1 := fs.AddChannel(slacktest.Channel{Name: "support-2", Members: members}).ID
			over2 := fs.AddChannel(slacktest.Channel{Name: "support-3", Members: members}).ID
			w.extraEnv = map[string]string{"SLACK_OVERFLOW_CHANNELS": over1 + "," + over2}
			mustRun(t, w.env(w.dbURL), "", "route", "add", "--company", "Acme Corp", "--slack-channel", key)

			// Five more clients, of no company.
			var clients []string
			for i := range 5 {
				u := w.discord.AddUser(fmt.Sprintf("client%d", i))
				if err := w.discord.AddMember(w.guild, u.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := w.st.CreateUser(ctx, core.NewUser{Login: fmt.Sprintf("client%d", i), Name: fmt.Sprintf("Client %d", i),
					Role: core.RoleClient, DiscordID: u.ID}); err != nil {
					t.Fatal(err)
				}
				clients = append(clients, u.ID)
			}
			w.proc = w.start(w.dbURL)

			open := func(number int64, author string) ticketSides {
				t.Helper()
				if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: author, Content: fmt.Sprintf("Help %d", number)}); err != nil {
					t.Fatal(err)
				}
				return w.waitTicket(number)
			}
			want := []string{key, w.staffCh, w.staffCh, w.staffCh, over1, over2}
			var tickets []ticketSides
			for i, ch := range want {
				author := w.client.ID
				if i > 0 {
					author = clients[i-1]
				}
				ts := open(int64(i+1), author)
				if *ts.SlackChannelID != ch {
					t.Fatalf("ticket #%d in %s, want %s", i+1, *ts.SlackChannelID, ch)
				}
				if card, ok := fs.Message(ch, ts.SlackTS); !ok || !strings.Contains(string(card.Blocks), `\u003c#`+ch+`\u003e`) {
					t.Fatalf("ticket #%d: card in %s %v, naming its channel? %s", i+1, ch, ok, card.Blocks)
				}
				tickets = append(tickets, ts)
			}

			ts := tickets[4]
			m, d, err := w.slack.HTTP().PostAsUser(ctx, slacktest.UserPost{User: w.staff.ID, Channel: over1, ThreadTS: ts.SlackTS, Text: "From the overflow channel"})
			if err != nil || !d.OK() {
				t.Fatalf("staff reply: %v %+v", err, d)
			}
			w.waitDiscord("the reply from the overflow channel", func() bool {
				for _, dm := range w.discord.Messages(ts.ThreadID) {
					if dm.WebhookID != "" && dm.Content == "From the overflow channel" {
						return true
					}
				}
				return false
			})
			w.waitSlack(func(st *slacktest.State) bool {
				got, _ := st.Message(over1, m.TS)
				return hasReaction(got, "white_check_mark")
			})

			res, err := w.slack.HTTP().Command(ctx, slacktest.Command{UserID: w.staff.ID, ChannelID: w.staffCh, Command: "/crm", Text: "tickets all"})
			if err != nil || !res.OK() {
				t.Fatalf("/crm tickets all: %v %+v", err, res)
			}
			for _, ch := range []string{key, w.staffCh, over1, over2} {
				if !strings.Contains(string(res.Body), "<#"+ch+">") && !strings.Contains(string(res.Body), `\u003c#`+ch+`\u003e`) {
					t.Errorf("/crm tickets all does not name %s: %s", ch, res.Body)
				}
			}
		})
	}
}
