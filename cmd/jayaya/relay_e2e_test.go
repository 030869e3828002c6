package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// TestRelayEndToEnd walks one ticket's life through the whole binary on
// both engines: opened by a Discord message, relayed both ways under each
// author's name, internal notes, echoes, redelivered events, unregistered
// users on both sides, edits, deletions, attachments, long texts,
// mentions, and close/reopen from the card's buttons; then a second
// ticket opened with /ticket.
func TestRelayEndToEnd(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{core.EnginePostgres, core.EngineSQLite} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRelayWorld(t, engine)
			ctx := context.Background()
			sl := w.slack.HTTP()

			// Opened by a message in the support channel: a private
			// Discord thread with the client, a card in Slack, the first
			// message copied to both threads.
			ts := w.openByMessage(1, "My printer is on fire")
			th, ok := w.discord.Channel(ts.ThreadID)
			if !ok || th.Name != "#1 My printer is on fire" || th.Type != discordgo.ChannelTypeGuildPrivateThread {
				t.Fatalf("discord thread: %+v", th)
			}
			card, _ := w.slack.State().Message(w.staffCh, ts.SlackTS)
			for _, want := range []string{"#1 My printer is on fire", "Carl Client", "Acme Corp", "Printers", bot.ActionTicketClose, `"value":"` + itoa(ts.ID) + `"`, "Open"} {
				if !strings.Contains(string(card.Blocks), want) {
					t.Errorf("card lacks %q: %s", want, card.Blocks)
				}
			}
			client := clientName(w.client)
			w.waitSlack(func(*slacktest.State) bool { return len(w.relayedToSlack(ts)) == 1 })
			if got := w.relayedToSlack(ts); got[0] != client+": My printer is on fire" {
				t.Fatalf("first message in Slack: %q", got)
			}

			// Client → staff, with ✅ on the client's message once
			// delivered; mentions typed on Discord ping nobody in Slack.
			m1 := w.clientSays(ts, "Still burning. @everyone <!channel> help")
			w.waitSlack(func(*slacktest.State) bool { return len(w.relayedToSlack(ts)) == 2 })
			got := w.relayedToSlack(ts)[1]
			if strings.Contains(got, "<!channel>") || strings.Contains(got, "@everyone") || !strings.Contains(got, "&lt;!channel&gt;") {
				t.Errorf("mentions reached Slack live: %q", got)
			}
			w.waitDiscord("✅ on the client's message", func() bool {
				m, ok := w.discord.Message(ts.ThreadID, m1.ID)
				return ok && discordReacted(m, "✅")
			})

			// Staff → client under the staff member's name, ✅ in Slack;
			// <!channel> typed in Slack pings nobody on Discord.
			r1 := w.staffSays(ts, w.staff.ID, "Please unplug it <!channel>")
			w.waitDiscord("the staff reply in Discord", func() bool { return len(w.relayedToDiscord(ts)) == 1 })
			if got := w.relayedToDiscord(ts)[0]; got != "Sam Staff: Please unplug it @\u200bchannel" {
				t.Errorf("staff reply on Discord: %q", got)
			}
			for _, m := range w.discord.Messages(ts.ThreadID) {
				if info, _ := w.discord.MessageInfo(ts.ThreadID, m.ID); m.WebhookID != "" && (info.AllowedMentions == nil || len(info.AllowedMentions.Parse) > 0) {
					t.Errorf("webhook post allows mentions: %+v", info.AllowedMentions)
				}
			}
			w.waitSlack(func(st *slacktest.State) bool {
				m, _ := st.Message(w.staffCh, r1.TS)
				return hasReaction(m, "white_check_mark")
			})

			// A note stays in Slack with 🔒.
			note := w.staffSays(ts, w.staff.ID, "note: client is grumpy")
			w.waitSlack(func(st *slacktest.State) bool { m, _ := st.Message(w.staffCh, note.TS); return hasReaction(m, "lock") })

			// Echoes: Slack's event for the product's own post, and its
			// redelivery, change nothing.
			var posted slacktest.Message
			for _, m := range w.slackReplies(ts) {
				if m.Username != "" {
					posted = m
				}
			}
			if d, err := sl.MessageEvent(ctx, w.staffCh, posted.TS); err != nil || !d.OK() {
				t.Fatalf("echo event: %v %+v", err, d)
			}

			// Duplicates: the same event_id twice, and the same message
			// under a new event_id, are relayed once.
			dupMsg, d, err := sl.PostAsUser(ctx, slacktest.UserPost{User: w.staff.ID, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: "Sent once"})
			if err != nil || !d.OK() {
				t.Fatalf("post: %v %+v", err, d)
			}
			for _, again := range []*slacktest.EventCallback{d.Event, w.slack.Reissue(d.Event)} {
				if d2, err := sl.Event(ctx, again, slacktest.Retry(1, "http_timeout")); err != nil || !d2.OK() {
					t.Fatalf("redelivery: %v %+v", err, d2)
				}
			}
			w.waitSlack(func(st *slacktest.State) bool {
				m, _ := st.Message(w.staffCh, dupMsg.TS)
				return hasReaction(m, "white_check_mark")
			})

			// A Slack member who is not registered staff: an ephemeral
			// explanation, nothing relayed.
			w.staffSays(ts, w.stranger.ID, "I am not staff")
			w.waitSlack(func(st *slacktest.State) bool {
				for _, e := range st.Ephemerals() {
					if e.User == w.stranger.ID && e.ThreadTS == ts.SlackTS && strings.Contains(e.Text, "only registered JayayaCRM staff") {
						return true
					}
				}
				return false
			})

			// An unregistered Discord user writing in the support channel
			// opens nothing and gets a polite DM.
			if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: w.outsider.ID, Content: "let me in"}); err != nil {
				t.Fatal(err)
			}
			dm, err := w.discord.OpenDM(w.outsider.ID)
			if err != nil {
				t.Fatal(err)
			}
			w.waitDiscord("the refusal DM", func() bool {
				for _, m := range w.discord.Messages(dm) {
					if m.Content == i18n.T(i18n.EN, bot.RefusalClient) {
						return true
					}
				}
				return false
			})

			// Edits follow the message both ways.
			if _, err := sl.EditAsUser(ctx, w.staffCh, r1.TS, "Please unplug it now"); err != nil {
				t.Fatal(err)
			}
			w.waitDiscord("the edit on Discord", func() bool {
				d := w.relayedToDiscord(ts)
				return len(d) > 0 && d[0] == "Sam Staff: Please unplug it now"
			})
			if _, err := w.discord.EditUserMessage(ts.ThreadID, m1.ID, "Fire is out"); err != nil {
				t.Fatal(err)
			}
			w.waitSlack(func(*slacktest.State) bool { return w.relayedToSlack(ts)[1] == client+": Fire is out" })

			// Attachments: a Discord file is listed under the text and
			// uploaded into the Slack thread; a Slack file is uploaded
			// with the webhook message (relay_e2e_files_test.go covers
			// the fallbacks to links).
			if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: ts.ThreadID, AuthorID: w.client.ID, Content: "photo",
				Attachments: []discordtest.Attachment{{Name: "fire.png", ContentType: "image/png", Data: []byte("PNGDATA")}}}); err != nil {
				t.Fatal(err)
			}
			w.waitSlack(func(*slacktest.State) bool {
				r := w.relayedToSlack(ts)
				return len(r) == 3 && strings.Contains(r[2], "fire.png")
			})
			w.waitSlack(func(st *slacktest.State) bool {
				return len(w.sharedFiles(ts)) == 1 && string(w.sharedFiles(ts)[0].Content) == "PNGDATA"
			})
			w.staffSays(ts, w.staff.ID, "the manual", slacktest.UserFile{Name: "manual.pdf", Mimetype: "application/pdf", Content: []byte("%PDF-manual")})
			w.waitDiscord("the Slack file on Discord", func() bool {
				for _, m := range w.discord.Messages(ts.ThreadID) {
					if m.WebhookID != "" && m.Content == "the manual" && len(m.Attachments) == 1 && fetch(t, m.Attachments[0].URL) == "%PDF-manual" {
						return true
					}
				}
				return false
			})

			// A long staff reply is split at Discord's limit, never
			// truncated.
			long := strings.Repeat("word ", 900) + "END"
			w.staffSays(ts, w.staff.ID, long)
			w.waitDiscord("the long reply's parts", func() bool {
				d := w.relayedToDiscord(ts)
				return strings.HasSuffix(d[len(d)-1], "END")
			})
			var joined strings.Builder
			parts := 0
			for _, m := range w.discord.Messages(ts.ThreadID) {
				if m.WebhookID != "" && strings.HasPrefix(m.Content, "word") || strings.HasSuffix(m.Content, "END") {
					if len([]rune(m.Content)) > bot.DiscordTextLimit {
						t.Errorf("part of %d characters", len([]rune(m.Content)))
					}
					joined.WriteString(m.Content)
					parts++
				}
			}
			if joined.String() != long || parts < 3 {
				t.Errorf("long reply arrived in %d parts, intact %v", parts, joined.String() == long)
			}

			// Deletions follow the message both ways.
			if _, err := sl.DeleteAsUser(ctx, w.staffCh, dupMsg.TS); err != nil {
				t.Fatal(err)
			}
			w.waitDiscord("the deletion on Discord", func() bool {
				for _, m := range w.relayedToDiscord(ts) {
					if strings.HasSuffix(m, "Sent once") {
						return false
					}
				}
				return true
			})
			if err := w.discord.DeleteMessage(ts.ThreadID, m1.ID); err != nil {
				t.Fatal(err)
			}
			w.waitSlack(func(*slacktest.State) bool {
				for _, m := range w.relayedToSlack(ts) {
					if strings.HasSuffix(m, "Fire is out") {
						return false
					}
				}
				return true
			})

			// Close from the card: card updated in place, Discord thread
			// archived and locked, a closing line on both sides; Reopen
			// reverses it.
			w.pressCard(ts, bot.ActionTicketClose)
			w.waitSlack(func(st *slacktest.State) bool {
				m, _ := st.Message(w.staffCh, ts.SlackTS)
				return strings.Contains(string(m.Blocks), bot.ActionTicketReopen) && strings.Contains(string(m.Blocks), "Closed")
			})
			w.waitDiscord("the archived, locked thread", func() bool {
				c, _ := w.discord.Channel(ts.ThreadID)
				return c.ThreadMetadata != nil && c.ThreadMetadata.Archived && c.ThreadMetadata.Locked
			})
			w.waitSlack(func(*slacktest.State) bool { return w.slackNotice(ts, "was closed by Sam Staff") })
			w.pressCard(ts, bot.ActionTicketReopen)
			w.waitDiscord("the reopened thread", func() bool {
				c, _ := w.discord.Channel(ts.ThreadID)
				return c.ThreadMetadata != nil && !c.ThreadMetadata.Archived && !c.ThreadMetadata.Locked
			})
			w.waitSlack(func(st *slacktest.State) bool {
				m, _ := st.Message(w.staffCh, ts.SlackTS)
				return strings.Contains(string(m.Blocks), bot.ActionTicketClose) && w.slackNotice(ts, "was reopened by Sam Staff")
			})
			if n := len(w.slack.State().FindMessages(func(m slacktest.Message) bool { return m.Channel == w.staffCh && !m.IsReply() })); n != 1 {
				t.Errorf("%d top-level messages in the staff channel; want the one card", n)
			}

			// /ticket opens the second ticket; the outsider opened none.
			if _, err := w.discord.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: w.support, UserID: w.client.ID, Name: "ticket",
				Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: "subject", Type: discordgo.ApplicationCommandOptionString, Value: "Invoice question"}}}); err != nil {
				t.Fatal(err)
			}
			ts2 := w.waitTicket(2)
			if c, _ := w.discord.Channel(ts2.ThreadID); c.Name != "#2 Invoice question" {
				t.Errorf("second thread: %q", c.Name)
			}
			if _, err := w.st.TicketByNumber(ctx, 3); core.ErrorCode(err) != core.ENOTFOUND {
				t.Errorf("a third ticket exists (the outsider's?): %v", err)
			}

			// Final state of ticket 1, exactly: every relayed message once,
			// in order.
			w.waitSlack(func(*slacktest.State) bool { return len(w.relayedToSlack(ts)) == 2 })
			if got, want := w.relayedToSlack(ts), []string{client + ": My printer is on fire", client + ": photo\n📎 fire.png"}; !slices.Equal(got, want) {
				t.Errorf("Slack thread:\n%q", got)
			}
			d1 := w.relayedToDiscord(ts)
			if len(d1) != 2+parts || d1[0] != "Sam Staff: Please unplug it now" || !strings.HasPrefix(d1[1], "Sam Staff: the manual") {
				t.Errorf("Discord thread:\n%q", d1)
			}
			for _, m := range d1 {
				if strings.Contains(m, "not staff") || strings.Contains(m, "grumpy") {
					t.Errorf("leaked to the client: %q", m)
				}
			}
		})
	}
}

// pressCard presses a button of a ticket's card as the staff member.
func (w *relayWorld) pressCard(ts ticketSides, action string) {
	w.t.Helper()
	d, err := w.slack.HTTP().BlockAction(context.Background(), slacktest.BlockAction{UserID: w.staff.ID, ChannelID: w.staffCh,
		MessageTS: ts.SlackTS, ActionID: action, BlockID: "ticket_actions", Value: itoa(ts.ID)})
	if err != nil || !d.OK() || d.Late() {
		w.t.Fatalf("press %s: %v %+v", action, err, d)
	}
}

// slackNotice reports whether the bot posted a line containing text in the
// ticket's Slack thread.
func (w *relayWorld) slackNotice(ts ticketSides, text string) bool {
	for _, m := range w.slackReplies(ts) {
		if m.BotID != "" && m.Username == "" && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

// clientName is how Discord shows a user.
func clientName(u *discordgo.User) string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fetch GETs url and returns the body ("" on error status).
func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(b)
}

// TestRelaySocketMode: with SLACK_APP_TOKEN the product takes Slack's
// events and button presses over Socket Mode instead of HTTP, through the
// same handlers.
func TestRelaySocketMode(t *testing.T) {
	t.Parallel()
	w := setupRelayWorld(t, core.EnginePostgres)
	w.extraEnv = map[string]string{"SLACK_APP_TOKEN": w.slack.Config().AppToken}
	w.proc = w.start(w.dbURL)
	ts := w.openByMessage(1, "Over the socket")
	w.waitSlack(func(st *slacktest.State) bool { return st.SocketConnections() > 0 })

	sock := w.slack.Socket()
	reply, d, err := sock.PostAsUser(context.Background(), slacktest.UserPost{User: w.staff.ID, Channel: w.staffCh, ThreadTS: ts.SlackTS, Text: "hello over the socket"})
	if err != nil || !d.OK() || d.Late() {
		t.Fatalf("event over the socket: %v %+v", err, d)
	}
	w.wantDiscord(ts, []string{"Sam Staff: hello over the socket"})
	w.waitSlack(func(st *slacktest.State) bool {
		m, _ := st.Message(w.staffCh, reply.TS)
		return hasReaction(m, "white_check_mark")
	})

	if _, err := sock.BlockAction(context.Background(), slacktest.BlockAction{UserID: w.staff.ID, ChannelID: w.staffCh,
		MessageTS: ts.SlackTS, ActionID: bot.ActionTicketClose, BlockID: "ticket_actions", Value: itoa(ts.ID)}); err != nil {
		t.Fatal(err)
	}
	w.waitDiscord("the thread archived from a socket button", func() bool {
		c, _ := w.discord.Channel(ts.ThreadID)
		return c.ThreadMetadata != nil && c.ThreadMetadata.Archived && c.ThreadMetadata.Locked
	})
}
