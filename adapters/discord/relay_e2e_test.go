package discord_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

func TestOpenTicketByMessageInSupportChannel(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRig(t, st)
		orig, err := r.srv.SendUserMessage(discordtest.UserMessage{ChannelID: r.seed.ChannelID, AuthorID: r.client.ID,
			Content:     "Printer on fire\nIt smells of toast.",
			Attachments: []discordtest.Attachment{{Name: "smoke.png", ContentType: "image/png", Data: []byte("png")}}})
		if err != nil {
			t.Fatal(err)
		}
		tk, thread := r.waitThread(t, "opened by message")

		ch, ok := r.srv.Channel(thread)
		if !ok || ch.Name != "#1 Printer on fire" || ch.Type != discordgo.ChannelTypeGuildPrivateThread || ch.ParentID != r.seed.ChannelID {
			t.Fatalf("thread %+v", ch)
		}
		if !slices.Contains(r.srv.ThreadMembers(thread), r.client.ID) {
			t.Fatalf("client not in thread: %v", r.srv.ThreadMembers(thread))
		}
		var msgs []*discordgo.Message // without "added to the thread" lines
		for _, m := range r.srv.Messages(thread) {
			if m.Type == discordgo.MessageTypeDefault {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) != 2 {
			t.Fatalf("thread has %d messages, want welcome and copy", len(msgs))
		}
		welcome, cp := msgs[0], msgs[1]
		if welcome.Author.ID != r.srv.AppID() || !strings.Contains(welcome.Content, "ticket #1") {
			t.Fatalf("welcome %q by %s", welcome.Content, welcome.Author.ID)
		}
		if cp.WebhookID == "" || cp.Author.Username != "carol" || cp.Content != "Printer on fire\nIt smells of toast." {
			t.Fatalf("copy %q by %q (webhook %q)", cp.Content, cp.Author.Username, cp.WebhookID)
		}
		// The attachment is uploaded with the copy, not linked.
		if info, _ := r.srv.MessageInfo(thread, cp.ID); len(cp.Attachments) != 1 || cp.Attachments[0].Filename != "smoke.png" || string(info.Files["smoke.png"]) != "png" {
			t.Fatalf("copy attachments %+v, files %q", cp.Attachments, info.Files)
		}
		if info, _ := r.srv.MessageInfo(r.seed.ChannelID, orig.ID); !info.Deleted {
			t.Fatal("the public original was not removed")
		}
		// Staff see it: card, then the message with its attachment.
		if len(r.slack.of(bot.KindSlackOpenThread)) != 1 {
			t.Fatal("no Slack thread opened")
		}
		posts := r.slack.of(bot.KindSlackPost)
		p := decode[bot.SlackPostPayload](t, posts[0].Kind, posts[0].Payload)
		if len(posts) != 1 || p.Text != "Printer on fire\nIt smells of toast." || len(p.Attachments) != 1 || p.Attachments[0].Name != "smoke.png" || p.AuthorName != "carol" || !p.FilesFollow {
			t.Fatalf("slack posts %+v", posts)
		}
		if files := r.slack.of(bot.KindSlackFiles); len(files) != 1 {
			t.Fatalf("slack.files deliveries %+v", files)
		}
		// ✅ on the copy, since the original is gone.
		eventually(t, "✅ on the copy", func() bool {
			m, _ := r.srv.Message(thread, cp.ID)
			return len(m.Reactions) == 1 && m.Reactions[0].Emoji.Name == "✅"
		})
		if got := r.storedTexts(t, tk.ID, core.PlatformDiscord); len(got) != 1 {
			t.Fatalf("stored %q", got)
		}
	})
}

func TestOpenTicketBySlashCommandPublic(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenSQLite(t))
	tk, thread := r.openBySlash(t, "Invoice question", core.TicketPublic)
	ch, _ := r.srv.Channel(thread)
	if ch.Type != discordgo.ChannelTypeGuildPublicThread || ch.Name != "#1 Invoice question" || tk.Visibility != core.TicketPublic {
		t.Fatalf("thread %+v, ticket %+v", ch, tk)
	}
	if !slices.Contains(r.srv.ThreadMembers(thread), r.client.ID) {
		t.Fatal("client not added")
	}
	// Another registered client may answer in a public ticket and joins it.
	dave := r.member(t, "dave")
	if _, err := r.st.CreateUser(context.Background(), core.NewUser{Login: "dave", Name: "Dave", Role: core.RoleClient, DiscordID: dave.ID}); err != nil {
		t.Fatal(err)
	}
	r.sayStored(t, thread, dave.ID, "Same problem here")
	if got := r.slack.postTexts(t); !slices.Equal(got, []string{"Same problem here"}) {
		t.Fatalf("slack posts %q", got)
	}
	u, _ := r.st.UserByDiscordID(context.Background(), dave.ID)
	if in, _ := r.st.IsParticipant(context.Background(), nil, tk.ID, u.ID); !in {
		t.Fatal("dave did not join the ticket")
	}
}

func TestUnregisteredUserIsRefusedOnceAndNothingStored(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenSQLite(t))
	eve := r.member(t, "eve")
	r.say(t, r.seed.ChannelID, eve.ID, "I want a ticket")
	r.say(t, r.seed.ChannelID, eve.ID, "Please?")
	in, err := r.srv.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: r.seed.ChannelID, UserID: eve.ID, Name: "ticket",
		Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: "subject", Type: discordgo.ApplicationCommandOptionString, Value: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if text, flags := r.answer(t, in.ID); text != i18n.T(i18n.EN, bot.RefusalClient) || flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("interaction answer %q (flags %d)", text, flags)
	}
	dm, _ := r.srv.OpenDM(eve.ID)
	eventually(t, "a refusal DM", func() bool { return len(r.srv.Messages(dm)) > 0 })
	// Both messages are handled (one at a time) before the slash command.
	if got := r.srv.Messages(dm); len(got) != 1 || got[0].Content != i18n.T(i18n.EN, bot.RefusalClient) {
		t.Fatalf("DMs %+v", got)
	}
	ts, _ := r.st.ListTickets(context.Background(), core.TicketFilter{})
	stats, _ := r.st.OutboxStats(context.Background())
	if len(ts) != 0 || stats.Pending != 0 || len(r.slack.of(bot.KindSlackOpenThread)) != 0 {
		t.Fatalf("something was created: %d tickets, %+v", len(ts), stats)
	}
	if n := len(r.srv.Threads(r.seed.ChannelID)); n != 0 {
		t.Fatalf("%d threads", n)
	}
}

func TestRelayBothWaysWithEditsDeletesAndNoEchoes(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Login broken", "")

		// Client → Slack, then edit and delete.
		m := r.sayStored(t, thread, r.client.ID, "It says @everyone is locked out")
		if got := r.slack.postTexts(t); !slices.Equal(got, []string{"It says @\u200beveryone is locked out"}) {
			t.Fatalf("slack posts %q", got)
		}
		if _, err := r.srv.EditUserMessage(thread, m.ID, "It says I am locked out"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the edit stored", func() bool {
			sm, err := st.MessageBySource(ctx, core.PlatformDiscord, m.ID)
			return err == nil && sm.EditedAt != nil
		})
		r.idle(t)
		edits := r.slack.of(bot.KindSlackEdit)
		if len(edits) != 1 || decode[bot.SlackEditPayload](t, edits[0].Kind, edits[0].Payload).Text != "It says I am locked out" {
			t.Fatalf("slack edits %+v", edits)
		}

		// Staff → Discord through the webhook, under their name, pinging nobody.
		r.staffSays(t, tk, "1700000001.000100", "<!channel> we are on it, <@U0STAFF1|sam> here")
		r.idle(t)
		hooks := r.srv.Messages(thread)
		reply := hooks[len(hooks)-1]
		if reply.WebhookID == "" || reply.Author.Username != "Sam Staff" || reply.Content != "@\u200bchannel we are on it, @sam here" {
			t.Fatalf("reply %q by %q", reply.Content, reply.Author.Username)
		}
		info, _ := r.srv.MessageInfo(thread, reply.ID)
		if info.AllowedMentions == nil || len(info.AllowedMentions.Parse) != 0 || info.AvatarURL != "https://avatars.test/sam.png" || reply.MentionEveryone {
			t.Fatalf("mentions %+v, avatar %q", info.AllowedMentions, info.AvatarURL)
		}
		reacts := r.slack.of(bot.KindSlackReact)
		if p := decode[bot.SlackReactPayload](t, reacts[len(reacts)-1].Kind, reacts[len(reacts)-1].Payload); p.TS != "1700000001.000100" || p.Reaction != bot.ReactDelivered {
			t.Fatalf("✅ %+v", p)
		}
		if _, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "1700000001.000100", Text: "we are on it"}); err != nil {
			t.Fatal(err)
		}
		r.idle(t)
		if got, _ := r.srv.Message(thread, reply.ID); got.Content != "we are on it" {
			t.Fatalf("edited reply %q", got.Content)
		}
		if _, err := r.relay.Delete(ctx, core.PlatformSlack, "CSTAFF", "1700000001.000100"); err != nil {
			t.Fatal(err)
		}
		if err := r.srv.DeleteMessage(thread, m.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the deletion stored", func() bool {
			sm, err := st.MessageBySource(ctx, core.PlatformDiscord, m.ID)
			return err == nil && sm.DeletedAt != nil
		})
		r.idle(t)
		if info, _ := r.srv.MessageInfo(thread, reply.ID); !info.Deleted {
			t.Fatal("staff reply not deleted on Discord")
		}
		if dels := r.slack.of(bot.KindSlackDelete); len(dels) != 1 {
			t.Fatalf("slack deletes %d", len(dels))
		}
		// Echoes (welcome, webhook posts) were never stored: exactly the
		// client's and the staff member's messages.
		ms, _ := st.TicketMessages(ctx, tk.ID)
		if len(ms) != 2 || ms[0].SourceID != m.ID || ms[1].SourceID != "CSTAFF:1700000001.000100" {
			t.Fatalf("stored %d messages", len(ms))
		}
		if got := r.slack.postTexts(t); len(got) != 1 {
			t.Fatalf("an echo reached Slack: %q", got)
		}
	})
}

func TestLongStaffReplyIsSplitInOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenSQLite(t))
	tk, thread := r.openBySlash(t, "Long", "")
	long := strings.Repeat("A fairly long sentence to relay. ", 140) // 4,620 characters
	r.staffSays(t, tk, "1700000002.000001", long)
	r.idle(t)
	got := r.webhookTexts(thread)
	if len(got) != 3 || strings.Join(got, "") != long {
		t.Fatalf("%d parts, joined equal: %v", len(got), strings.Join(got, "") == long)
	}
	for _, p := range got {
		if len([]rune(p)) > bot.DiscordTextLimit {
			t.Fatalf("part of %d characters", len([]rune(p)))
		}
	}
	m, _ := r.st.MessageBySource(context.Background(), core.PlatformSlack, "CSTAFF:1700000002.000001")
	if len(bot.TargetIDs(m)) != 3 {
		t.Fatalf("targets %v", bot.TargetIDs(m))
	}
	// Shortening it deletes the parts no longer needed.
	if _, err := r.relay.Edit(context.Background(), bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "1700000002.000001", Text: "short now"}); err != nil {
		t.Fatal(err)
	}
	r.idle(t)
	if got := r.webhookTexts(thread); !slices.Equal(got, []string{"short now"}) {
		t.Fatalf("after edit %q", got)
	}
}

func TestCloseFromDiscordAndReopenFromSlack(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenSQLite(t))
	tk, thread := r.openBySlash(t, "Done soon", "")
	in, err := r.srv.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: thread, UserID: r.client.ID, Name: "close"})
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := r.answer(t, in.ID); !strings.Contains(text, "closed") {
		t.Fatalf("answer %q", text)
	}
	r.idle(t)
	ch, _ := r.srv.Channel(thread)
	if !ch.ThreadMetadata.Archived || !ch.ThreadMetadata.Locked {
		t.Fatalf("thread %+v", ch.ThreadMetadata)
	}
	msgs := r.srv.Messages(thread)
	if last := msgs[len(msgs)-1]; !strings.Contains(last.Content, "closed by Carol Client") {
		t.Fatalf("last line %q", last.Content)
	}
	if len(r.slack.of(bot.KindSlackNotice)) != 1 || len(r.slack.of(bot.KindSlackCard)) != 1 {
		t.Fatal("Slack not told")
	}
	if changed, err := r.relay.SetStatus(context.Background(), tk.ID, core.TicketOpen, r.staff); err != nil || !changed {
		t.Fatalf("reopen: %v %v", changed, err)
	}
	r.idle(t)
	ch, _ = r.srv.Channel(thread)
	msgs = r.srv.Messages(thread)
	if ch.ThreadMetadata.Archived || ch.ThreadMetadata.Locked || !strings.Contains(msgs[len(msgs)-1].Content, "reopened by Sam Staff") {
		t.Fatalf("after reopen %+v, %q", ch.ThreadMetadata, msgs[len(msgs)-1].Content)
	}
	// /close outside a ticket thread explains itself.
	in, _ = r.srv.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: r.seed.ChannelID, UserID: r.client.ID, Name: "close"})
	if text, _ := r.answer(t, in.ID); text != "Use /close inside a ticket thread." {
		t.Fatalf("answer %q", text)
	}
}

func TestTicketsListsOwnAndPublic(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenSQLite(t))
	r.openBySlash(t, "Mine", "")
	in, _ := r.srv.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: r.seed.ChannelID, UserID: r.client.ID, Name: "tickets"})
	if text, flags := r.answer(t, in.ID); !strings.Contains(text, "#1 Mine — open") || flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("answer %q (flags %d)", text, flags)
	}
}

// A slash command whose work outlasts AnswerWithin is answered in two
// steps, as Discord wants past its 3 s: "thinking…" at once, then the
// answer in its place, still only for the invoker.
func TestSlowSlashCommandIsDeferredThenAnswered(t *testing.T) {
	t.Parallel()
	r := newRigWith(t, coretest.MustOpenSQLite(t), rigOptions{answerWithin: time.Nanosecond})
	_, thread := r.openBySlash(t, "Slow day", "")
	if thread == "" {
		t.Fatal("no thread")
	}
	in, err := r.srv.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: r.seed.ChannelID, UserID: r.client.ID, Name: "tickets"})
	if err != nil {
		t.Fatal(err)
	}
	text, flags := r.answer(t, in.ID)
	if !strings.Contains(text, "#1 Slow day — open") || flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("answer %q (flags %d)", text, flags)
	}
	rec, _ := r.srv.Interaction(in.ID)
	if len(rec.Callbacks) != 1 || rec.Callbacks[0].Type != discordgo.InteractionResponseDeferredChannelMessageWithSource ||
		rec.Callbacks[0].Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("callbacks %+v, want one deferred ephemeral", rec.Callbacks)
	}
	// Nothing of it shows in the channel for anyone else.
	for _, m := range r.srv.Messages(r.seed.ChannelID) {
		if strings.Contains(m.Content, "Slow day — open") {
			t.Fatalf("the answer was posted in the channel: %q", m.Content)
		}
	}
}
