package discordtest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// restSession is a discordgo session used for REST only (no gateway).
func restSession(t *testing.T, srv *Server) *discordgo.Session {
	t.Helper()
	dg, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	return dg
}

func TestBasicREST(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	seed := srv.Seed()

	gw, err := dg.Gateway()
	if err != nil || gw != srv.GatewayURL()+"/" {
		t.Fatalf("gateway %q, %v", gw, err)
	}
	me, err := dg.User("@me")
	if err != nil || me.ID != srv.AppID() || !me.Bot {
		t.Fatalf("@me = %+v, %v", me, err)
	}
	app, err := dg.Application("@me")
	if err != nil || app.ID != srv.AppID() {
		t.Fatalf("application = %+v, %v", app, err)
	}
	g, err := dg.Guild(seed.GuildID)
	if err != nil || g.ID != seed.GuildID || len(g.Roles) != 2 {
		t.Fatalf("guild = %+v, %v", g, err)
	}
	chans, err := dg.GuildChannels(seed.GuildID)
	if err != nil || len(chans) != 1 || chans[0].ID != seed.ChannelID {
		t.Fatalf("channels = %+v, %v", chans, err)
	}
	mem, err := dg.GuildMember(seed.GuildID, srv.AppID())
	if err != nil || mem.User.ID != srv.AppID() || mem.Roles[0] != seed.BotRoleID {
		t.Fatalf("member = %+v, %v", mem, err)
	}
	_, err = dg.Channel("424242")
	wantCode(t, err, 404, 10003)
	_, err = dg.ChannelMessageSend(seed.ChannelID, strings.Repeat("é", 2001))
	wantCode(t, err, 400, 50035)
	_, err = dg.ChannelMessageSend(seed.ChannelID, "")
	wantCode(t, err, 400, 50006)
	if n := srv.CountRequests("POST", "/channels/{id}/messages"); n != 2 {
		t.Fatalf("counted %d posts", n)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Route != "POST /channels/{channel}/messages" || last.Status != 400 {
		t.Fatalf("last request = %+v", last)
	}
}

func TestHistoryAfterBeforeLimit(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	alice := addClient(t, srv, "alice")
	ch := srv.Seed().ChannelID
	var ids []string
	for _, text := range []string{"m0", "m1", "m2", "m3", "m4"} {
		m, err := srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: text})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	contents := func(ms []*discordgo.Message) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Content)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name                string
		limit               int
		before, after, want string
	}{
		{name: "latest", limit: 2, want: "m4,m3"},
		{name: "after oldest first page", limit: 2, after: ids[0], want: "m2,m1"},
		{name: "after all", limit: 100, after: ids[2], want: "m4,m3"},
		{name: "before", limit: 2, before: ids[3], want: "m2,m1"},
	} {
		got, err := dg.ChannelMessages(ch, tc.limit, tc.before, tc.after, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if contents(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, contents(got), tc.want)
		}
	}
}

func TestThreadStartAndMemberAdd(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	alice := addClient(t, srv, "alice")
	ch := srv.Seed().ChannelID

	th, err := dg.ThreadStartComplex(ch, &discordgo.ThreadStart{Name: "Ticket #42", Type: discordgo.ChannelTypeGuildPrivateThread, AutoArchiveDuration: 1440})
	if err != nil {
		t.Fatal(err)
	}
	if !th.IsThread() || th.ParentID != ch || th.ThreadMetadata.AutoArchiveDuration != 1440 {
		t.Fatalf("thread = %+v", th)
	}
	rec.waitFor(t, "THREAD_CREATE", func() bool { return len(all[*discordgo.ThreadCreate](rec)) == 1 })
	if tc := all[*discordgo.ThreadCreate](rec)[0]; tc.ID != th.ID || !tc.NewlyCreated {
		t.Fatalf("THREAD_CREATE = %+v", tc)
	}

	// Alice cannot see the private thread until she is added.
	_, err = srv.SendUserMessage(UserMessage{ChannelID: th.ID, AuthorID: alice.ID, Content: "hello?"})
	wantCode(t, err, 403, 50001)
	if err := dg.ThreadMemberAdd(th.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if got := srv.ThreadMembers(th.ID); len(got) != 2 || got[1] != alice.ID {
		t.Fatalf("members = %v", got)
	}
	if _, err := srv.SendUserMessage(UserMessage{ChannelID: th.ID, AuthorID: alice.ID, Content: "hello!"}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(th.ID)
	if len(msgs) != 2 || msgs[0].Type != discordgo.MessageTypeRecipientAdd || msgs[1].Content != "hello!" {
		t.Fatalf("thread messages = %+v", msgs)
	}
	err = dg.ThreadMemberAdd(th.ID, "999")
	wantCode(t, err, 404, 10007)
}

func TestThreadArchiveLockDelete(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	ch := srv.Seed().ChannelID
	th, err := dg.ThreadStartComplex(ch, &discordgo.ThreadStart{Name: "t", Type: discordgo.ChannelTypeGuildPublicThread})
	if err != nil {
		t.Fatal(err)
	}
	archived := true
	if _, err := srv.UpdateThread(th.ID, ThreadUpdate{Archived: &archived}); err != nil {
		t.Fatal(err)
	}
	// Posting un-archives an unlocked thread.
	if _, err := dg.ChannelMessageSend(th.ID, "revive"); err != nil {
		t.Fatal(err)
	}
	if c, _ := srv.Channel(th.ID); c.ThreadMetadata.Archived {
		t.Fatal("thread still archived after a post")
	}
	rec.waitFor(t, "THREAD_UPDATEs", func() bool { return len(all[*discordgo.ThreadUpdate](rec)) == 2 })

	// Locked and archived, without MANAGE_THREADS: refused.
	srv.UpdateThread(th.ID, ThreadUpdate{Archived: &archived, Locked: &archived})
	srv.SetBotPermissions(ch, 0, discordgo.PermissionManageThreads)
	_, err = dg.ChannelMessageSend(th.ID, "let me in")
	wantCode(t, err, 403, 50083)

	// Without MANAGE_MESSAGES the bot cannot delete someone else's message.
	alice := addClient(t, srv, "alice")
	m, _ := srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: "x"})
	srv.SetBotPermissions(ch, 0, discordgo.PermissionManageMessages)
	wantCode(t, dg.ChannelMessageDelete(ch, m.ID), 403, 50013)

	// A deleted thread is gone for good.
	if err := srv.DeleteThread(th.ID); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "THREAD_DELETE", func() bool { return len(all[*discordgo.ThreadDelete](rec)) == 1 })
	_, err = dg.ChannelMessageSend(th.ID, "anyone?")
	wantCode(t, err, 404, 10003)
}

func TestWebhookExecuteIntoThread(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	ch := srv.Seed().ChannelID
	th, err := dg.ThreadStartComplex(ch, &discordgo.ThreadStart{Name: "Ticket", Type: discordgo.ChannelTypeGuildPrivateThread})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := dg.WebhookCreate(ch, "relay", "")
	if err != nil {
		t.Fatal(err)
	}
	params := &discordgo.WebhookParams{
		Content: "hi from Slack @everyone", Username: "Bob (staff)", AvatarURL: "https://example.com/bob.png",
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
	m, err := dg.WebhookThreadExecute(wh.ID, wh.Token, true, th.ID, params)
	if err != nil {
		t.Fatal(err)
	}
	if m.ChannelID != th.ID || m.WebhookID != wh.ID || m.Author.Username != "Bob (staff)" || m.MentionEveryone {
		t.Fatalf("webhook message = %+v", m)
	}
	info, _ := srv.MessageInfo(th.ID, m.ID)
	if info.AvatarURL != params.AvatarURL || info.AllowedMentions == nil || len(info.AllowedMentions.Parse) != 0 {
		t.Fatalf("info = %+v", info)
	}
	rec.waitFor(t, "echo", func() bool { return len(messageContents(rec, th.ID)) == 1 })
	if echo := all[*discordgo.MessageCreate](rec)[0]; echo.WebhookID != wh.ID {
		t.Fatalf("echo without webhook_id: %+v", echo.Message)
	}

	// Editing a thread message needs ?thread_id=, which discordgo's
	// WebhookMessageEdit cannot send: the product must build the URL.
	content := "edited"
	_, err = dg.WebhookMessageEdit(wh.ID, wh.Token, m.ID, &discordgo.WebhookEdit{Content: &content})
	wantCode(t, err, 404, 10008)
	uri := discordgo.EndpointWebhookMessage(wh.ID, wh.Token, m.ID) + "?thread_id=" + th.ID
	if _, err := dg.RequestWithBucketID("PATCH", uri, &discordgo.WebhookEdit{Content: &content}, discordgo.EndpointWebhookToken("", "")); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Message(th.ID, m.ID); got.Content != "edited" || got.EditedTimestamp == nil {
		t.Fatalf("after edit: %+v", got)
	}

	// Discord refuses usernames containing "discord".
	params.Username = "Discord Support"
	_, err = dg.WebhookThreadExecute(wh.ID, wh.Token, true, th.ID, params)
	wantCode(t, err, 400, 50035)
}

func TestNonceIdempotency(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	ch := srv.Seed().ChannelID
	// discordgo.MessageSend has no nonce fields: send the body directly.
	body := map[string]any{"content": "once", "nonce": "relay-17", "enforce_nonce": true}
	var ids []string
	for range 2 {
		raw, err := dg.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(ch), body, discordgo.EndpointChannelMessages(ch))
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ ID, Nonce string }
		if err := discordgo.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.Nonce != "relay-17" {
			t.Fatalf("nonce not echoed: %s", raw)
		}
		ids = append(ids, m.ID)
	}
	if ids[0] != ids[1] || len(srv.Messages(ch)) != 1 {
		t.Fatalf("ids %v, %d messages stored", ids, len(srv.Messages(ch)))
	}
	if info, _ := srv.MessageInfo(ch, ids[0]); info.Nonce != "relay-17" {
		t.Fatalf("info = %+v", info)
	}
}

func TestAttachmentsUploadAndDownload(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	ch := srv.Seed().ChannelID
	m, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{
		Content: "see file",
		Files:   []*discordgo.File{{Name: "notes.txt", ContentType: "text/plain", Reader: strings.NewReader("file body")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "notes.txt" || m.Attachments[0].Size != 9 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	resp, err := http.Get(m.Attachments[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if !bytes.Equal(data, []byte("file body")) || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("downloaded %q (%s)", data, resp.Header.Get("Content-Type"))
	}
}

func TestInteractionRespondRecorded(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	srv := Start(t, Config{Now: clk.Now})
	dg, rec := openSession(t, srv)
	seed := srv.Seed()
	alice := addClient(t, srv, "alice")

	_, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), seed.GuildID, []*discordgo.ApplicationCommand{{Name: "Ticket", Description: "x"}})
	wantCode(t, err, 400, 50035) // names must be lower case
	cmds, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), seed.GuildID, []*discordgo.ApplicationCommand{{
		Name: "ticket", Description: "Open a ticket",
		Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "subject", Description: "What about", Required: true}},
	}})
	if err != nil || len(cmds) != 1 || cmds[0].ID == "" {
		t.Fatalf("commands = %+v, %v", cmds, err)
	}
	if _, err := srv.InvokeSlashCommand(SlashCommand{ChannelID: seed.ChannelID, UserID: alice.ID, Name: "nope"}); err == nil {
		t.Fatal("unregistered command invoked")
	}
	opts := []*discordgo.ApplicationCommandInteractionDataOption{{Name: "subject", Type: discordgo.ApplicationCommandOptionString, Value: "Printer on fire"}}
	in, err := srv.InvokeSlashCommand(SlashCommand{ChannelID: seed.ChannelID, UserID: alice.ID, Name: "ticket", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "INTERACTION_CREATE", func() bool { return len(all[*discordgo.InteractionCreate](rec)) == 1 })
	got := all[*discordgo.InteractionCreate](rec)[0]
	data := got.ApplicationCommandData()
	if got.ID != in.ID || got.Member.User.ID != alice.ID || data.Name != "ticket" || data.Options[0].StringValue() != "Printer on fire" || got.GuildID != seed.GuildID {
		t.Fatalf("interaction = %+v", got.Interaction)
	}
	err = dg.InteractionRespond(got.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "Ticket #1 opened", Flags: discordgo.MessageFlagsEphemeral},
	})
	if err != nil {
		t.Fatal(err)
	}
	recd, _ := srv.Interaction(in.ID)
	if len(recd.Callbacks) != 1 || recd.Callbacks[0].Content != "Ticket #1 opened" || recd.Original == nil || recd.Original.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("record = %+v", recd)
	}
	if len(srv.Messages(seed.ChannelID)) != 0 {
		t.Fatal("ephemeral reply stored in the channel")
	}
	err = dg.InteractionRespond(got.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "again"}})
	wantCode(t, err, 400, 40060)

	// A second interaction answered after the 3-second deadline.
	in2, _ := srv.InvokeSlashCommand(SlashCommand{ChannelID: seed.ChannelID, UserID: alice.ID, Name: "ticket", Options: opts})
	clk.Advance(4 * time.Second)
	err = dg.InteractionRespond(in2, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	wantCode(t, err, 404, 10062)
}

func TestDeferredInteractionEditsOriginal(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	seed := srv.Seed()
	alice := addClient(t, srv, "alice")
	if _, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), seed.GuildID, []*discordgo.ApplicationCommand{{Name: "tickets", Description: "List tickets"}}); err != nil {
		t.Fatal(err)
	}
	in, _ := srv.InvokeSlashCommand(SlashCommand{ChannelID: seed.ChannelID, UserID: alice.ID, Name: "tickets"})
	if err := dg.InteractionRespond(in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatal(err)
	}
	text := "You have no tickets."
	m, err := dg.InteractionResponseEdit(in, &discordgo.WebhookEdit{Content: &text})
	if err != nil || m.Content != text || m.Flags&discordgo.MessageFlagsLoading != 0 {
		t.Fatalf("edit = %+v, %v", m, err)
	}
	rec.waitFor(t, "MESSAGE_UPDATE", func() bool { return len(all[*discordgo.MessageUpdate](rec)) == 1 })
	f, err := dg.FollowupMessageCreate(in, true, &discordgo.WebhookParams{Content: "followup"})
	if err != nil || f.WebhookID != srv.AppID() || f.Type != discordgo.MessageTypeChatInputCommand {
		t.Fatalf("followup = %+v, %v", f, err)
	}
	if got := srv.Messages(seed.ChannelID); len(got) != 2 || got[0].Content != text {
		t.Fatalf("channel = %+v", got)
	}
}

// Commands keep their name and description localizations, checked by
// Discord's rules; interactions carry the user's and the guild's locales.
func TestCommandLocalizationsAndLocales(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	seed := srv.Seed()
	alice := addClient(t, srv, "alice")
	loc := func(m map[discordgo.Locale]string) *map[discordgo.Locale]string { return &m }
	for name, bad := range map[string]*discordgo.ApplicationCommand{
		"an upper-case French name": {Name: "ticket", Description: "x", NameLocalizations: loc(map[discordgo.Locale]string{discordgo.French: "Billet"})},
		"a space in a French name":  {Name: "ticket", Description: "x", NameLocalizations: loc(map[discordgo.Locale]string{discordgo.French: "mon billet"})},
		"an unknown locale":         {Name: "ticket", Description: "x", NameLocalizations: loc(map[discordgo.Locale]string{"xx": "billet"})},
		"a long description":        {Name: "ticket", Description: "x", DescriptionLocalizations: loc(map[discordgo.Locale]string{discordgo.French: strings.Repeat("é", 101)})},
		"a bad option name": {Name: "ticket", Description: "x", Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString,
			Name: "subject", Description: "x", NameLocalizations: map[discordgo.Locale]string{discordgo.French: "Objet"}}}},
	} {
		_, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), seed.GuildID, []*discordgo.ApplicationCommand{bad})
		wantCode(t, err, 400, 50035)
		if len(srv.Commands(seed.GuildID)) != 0 {
			t.Fatalf("%s: registered anyway", name)
		}
	}
	_, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), seed.GuildID, []*discordgo.ApplicationCommand{{
		Name: "ticket", Description: "Open a ticket", NameLocalizations: loc(map[discordgo.Locale]string{discordgo.French: "billet"}),
		DescriptionLocalizations: loc(map[discordgo.Locale]string{discordgo.French: "Ouvrir un billet"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c := srv.Commands(seed.GuildID); len(c) != 1 || (*c[0].NameLocalizations)[discordgo.French] != "billet" ||
		(*c[0].DescriptionLocalizations)[discordgo.French] != "Ouvrir un billet" {
		t.Fatalf("stored %+v", c)
	}
	got, err := dg.ApplicationCommands(srv.AppID(), seed.GuildID)
	if err != nil || len(got) != 1 || got[0].NameLocalizations == nil || (*got[0].NameLocalizations)[discordgo.French] != "billet" {
		t.Fatalf("GET commands: %+v, %v", got, err)
	}

	in, _ := srv.InvokeSlashCommand(SlashCommand{ChannelID: seed.ChannelID, UserID: alice.ID, Name: "ticket"})
	if in.Locale != discordgo.EnglishUS || in.GuildLocale == nil || *in.GuildLocale != discordgo.EnglishUS {
		t.Fatalf("default locales: %q, %v", in.Locale, in.GuildLocale)
	}
	if err := srv.SetUserLocale(alice.ID, discordgo.French); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetGuildLocale(seed.GuildID, discordgo.German); err != nil {
		t.Fatal(err)
	}
	in, _ = srv.InvokeSlashCommand(SlashCommand{ChannelID: seed.ChannelID, UserID: alice.ID, Name: "ticket"})
	if in.Locale != discordgo.French || *in.GuildLocale != discordgo.German {
		t.Fatalf("locales: %q, %q", in.Locale, *in.GuildLocale)
	}
	rec.waitFor(t, "GUILD_UPDATE", func() bool { return len(all[*discordgo.GuildUpdate](rec)) == 1 })
	if g := all[*discordgo.GuildUpdate](rec)[0]; g.PreferredLocale != string(discordgo.German) {
		t.Fatalf("GUILD_UPDATE preferred_locale %q", g.PreferredLocale)
	}
	if g, err := dg.Guild(seed.GuildID); err != nil || g.PreferredLocale != string(discordgo.German) {
		t.Fatalf("GET guild: %+v, %v", g, err)
	}
}
