package discordtest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

func TestSessionReceivesUserMessage(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	alice := addClient(t, srv, "alice")
	seed := srv.Seed()

	sent, err := srv.SendUserMessage(UserMessage{ChannelID: seed.ChannelID, AuthorID: alice.ID, Content: "hello <@" + srv.AppID() + ">"})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "MESSAGE_CREATE", func() bool { return len(all[*discordgo.MessageCreate](rec)) == 1 })
	m := all[*discordgo.MessageCreate](rec)[0]
	if m.ID != sent.ID || m.Content != sent.Content || m.GuildID != seed.GuildID || m.Author.ID != alice.ID {
		t.Fatalf("got %+v", m.Message)
	}
	if m.Member == nil || m.Member.JoinedAt.IsZero() {
		t.Fatalf("MESSAGE_CREATE without member: %+v", m.Member)
	}
	if len(m.Mentions) != 1 || m.Mentions[0].ID != srv.AppID() {
		t.Fatalf("mentions = %+v", m.Mentions)
	}
	// The session learned the guild from GUILD_CREATE, compressed with zlib.
	if g, err := dg.State.Guild(seed.GuildID); err != nil || len(g.Channels) != 1 {
		t.Fatalf("state guild: %v %+v", err, g)
	}
	st := srv.GatewayStats()
	want := discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentMessageContent | discordgo.IntentDirectMessages
	if st.Identifies != 1 || st.Intents != want || !st.Connected {
		t.Fatalf("stats = %+v", st)
	}
}

func TestMessageContentNeedsIntent(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	_, rec := openSession(t, srv, func(dg *discordgo.Session) {
		dg.Identify.Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages
	})
	alice := addClient(t, srv, "alice")
	ch := srv.Seed().ChannelID
	srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: "secret"})
	srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: "hi <@" + srv.AppID() + ">"})
	rec.waitFor(t, "two messages", func() bool { return len(messageContents(rec, ch)) == 2 })
	if got := messageContents(rec, ch); got[0] != "" || got[1] == "" {
		t.Fatalf("contents = %q, want first blank, second (mentions the bot) kept", got)
	}
}

func TestDisallowedIntentAndBadToken(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{DisallowedIntents: discordgo.IntentMessageContent})
	dg, _ := srv.NewSession()
	var ce *websocket.CloseError
	if err := dg.Open(); !errors.As(err, &ce) || ce.Code != 4014 {
		t.Fatalf("open with a disallowed intent: %v", err)
	}
	bad, _ := discordgo.New("Bot wrong")
	bad.Client = srv.HTTPClient()
	if _, err := bad.User("@me"); err == nil {
		t.Fatal("wrong token accepted")
	} else {
		wantCode(t, err, 401, 0)
	}
	bad.Identify.Intents = discordgo.IntentGuilds
	if err := bad.Open(); !errors.As(err, &ce) || ce.Code != 4004 {
		t.Fatalf("open with a wrong token: %v", err)
	}
	if st := srv.GatewayStats(); st.RejectedIdentifies != 2 || st.Identifies != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestDropResumeReplaysMissedEventsOnce(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	_, rec := openSession(t, srv)
	alice := addClient(t, srv, "alice")
	ch := srv.Seed().ChannelID
	post := func(text string) {
		t.Helper()
		if _, err := srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: text}); err != nil {
			t.Fatal(err)
		}
	}
	post("before")
	rec.waitFor(t, "first message", func() bool { return len(messageContents(rec, ch)) == 1 })

	srv.DropGateway()
	post("missed 1") // dispatched while the client is away: queued for RESUME
	post("missed 2")
	if !srv.WaitFor(func() bool { return srv.GatewayStats().Resumes == 1 }, waitTimeout) {
		t.Fatalf("no resume: %+v", srv.GatewayStats())
	}
	post("after")
	rec.waitFor(t, "message after resume", func() bool { return len(messageContents(rec, ch)) >= 4 })
	if got := messageContents(rec, ch); !slices.Equal(got, []string{"before", "missed 1", "missed 2", "after"}) {
		t.Fatalf("received %q", got)
	}
	if len(all[*discordgo.Resumed](rec)) != 1 {
		t.Fatal("no RESUMED event")
	}
	st := srv.GatewayStats()
	if st.Identifies != 1 || st.Connections != 2 {
		t.Fatalf("stats = %+v", st)
	}
	replayed := 0
	for _, d := range srv.Dispatched() {
		if d.Replayed {
			replayed++
		}
	}
	if replayed != 2 {
		t.Fatalf("replayed %d dispatches, want 2", replayed)
	}
}

func TestInvalidSessionReidentifiesWithoutReplay(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	alice := addClient(t, srv, "alice")
	ch := srv.Seed().ChannelID
	first, _ := srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: "seen"})
	rec.waitFor(t, "first message", func() bool { return len(messageContents(rec, ch)) == 1 })

	srv.DropGateway()
	srv.InvalidateSession(false)
	srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: "lost while away"})

	// discordgo tries RESUME, gets op 9, and IDENTIFYs on the same connection.
	rec.waitFor(t, "second READY", func() bool { return len(all[*discordgo.Ready](rec)) == 2 })
	st := srv.GatewayStats()
	if st.Identifies != 2 || st.Resumes != 0 || st.ResumeAttempts != 1 {
		t.Fatalf("stats = %+v", st)
	}
	srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: alice.ID, Content: "new session"})
	rec.waitFor(t, "message in new session", func() bool { return len(messageContents(rec, ch)) == 2 })
	if got := messageContents(rec, ch); !slices.Equal(got, []string{"seen", "new session"}) {
		t.Fatalf("received %q: the message sent while away must not be replayed", got)
	}
	// The client catches up through history instead.
	hist, err := dg.ChannelMessages(ch, 100, "", first.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[1].Content != "lost while away" {
		t.Fatalf("history after %s: %+v", first.ID, hist)
	}
}

func TestInvalidSessionWhileConnected(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	_, rec := openSession(t, srv)
	srv.InvalidateSession(false)
	rec.waitFor(t, "second READY", func() bool { return len(all[*discordgo.Ready](rec)) == 2 })
	if st := srv.GatewayStats(); st.Identifies != 2 || st.Connections != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestReconnectRequestResumes(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	_, rec := openSession(t, srv)
	srv.RequestReconnect()
	rec.waitFor(t, "RESUMED", func() bool { return len(all[*discordgo.Resumed](rec)) == 1 })
	if st := srv.GatewayStats(); st.Resumes != 1 || st.Identifies != 1 || st.Connections != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBotPostsAreEchoed(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	ch := srv.Seed().ChannelID
	m, err := dg.ChannelMessageSend(ch, "from the bot")
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "echo", func() bool { return len(messageContents(rec, ch)) == 1 })
	echo := all[*discordgo.MessageCreate](rec)[0]
	if echo.ID != m.ID || echo.Author.ID != dg.State.User.ID || !echo.Author.Bot {
		t.Fatalf("echo = %+v", echo.Message)
	}
	stored := srv.Messages(ch)
	if len(stored) != 1 || stored[0].Content != "from the bot" || stored[0].Author.ID != srv.AppID() {
		t.Fatalf("state = %+v", stored)
	}
}

func TestZombieConnectionReidentifies(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{HeartbeatInterval: 20 * time.Millisecond})
	_, rec := openSession(t, srv)
	srv.SetHeartbeatAcks(false)
	// After five intervals without ACK discordgo closes with 1000, which
	// ends the session on Discord: its RESUME fails and it IDENTIFYs.
	if !srv.WaitFor(func() bool { return !srv.GatewayStats().Connected }, waitTimeout) {
		t.Fatalf("zombie connection kept: %+v", srv.GatewayStats())
	}
	// Calm the next connection down: with fast heartbeats discordgo's own
	// reconnect paths race each other when it is closed.
	srv.SetHeartbeatInterval(time.Minute)
	srv.SetHeartbeatAcks(true)
	rec.waitFor(t, "second READY", func() bool { return len(all[*discordgo.Ready](rec)) == 2 })
	if st := srv.GatewayStats(); st.Resumes != 0 || st.ResumeAttempts != 1 || st.Identifies != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestCloseCode4000Resumes(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	_, rec := openSession(t, srv)
	srv.CloseGateway(4000, "Unknown error.")
	rec.waitFor(t, "RESUMED", func() bool { return len(all[*discordgo.Resumed](rec)) == 1 })
	if st := srv.GatewayStats(); st.Identifies != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestDirectMessages(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg, rec := openSession(t, srv)
	bob := srv.AddUser("bob") // not in any guild
	dm, err := dg.UserChannelCreate(bob.ID)
	if err != nil || dm.Type != discordgo.ChannelTypeDM {
		t.Fatalf("dm = %+v, %v", dm, err)
	}
	if id, _ := srv.OpenDM(bob.ID); id != dm.ID {
		t.Fatalf("OpenDM = %s, want %s", id, dm.ID)
	}
	if _, err := srv.SendUserMessage(UserMessage{ChannelID: dm.ID, AuthorID: bob.ID, Content: "hi bot"}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "DM", func() bool { return len(messageContents(rec, dm.ID)) == 1 })
	if m := all[*discordgo.MessageCreate](rec)[0]; m.GuildID != "" || m.Member != nil || m.Author.ID != bob.ID {
		t.Fatalf("DM create = %+v", m.Message)
	}
	if _, err := dg.ChannelMessageSend(dm.ID, "hello bob"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(dm.ID); len(got) != 2 {
		t.Fatalf("DM history = %+v", got)
	}
}
