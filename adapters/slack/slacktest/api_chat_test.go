package slacktest_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

func TestAuthTest(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{Scopes: []string{"chat:write", "commands"}})
	ctx := t.Context()

	res, err := w.api.AuthTestContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := w.srv.Config()
	if res.UserID != cfg.BotUserID || res.BotID != cfg.BotID || res.TeamID != cfg.TeamID {
		t.Errorf("auth.test = %+v, want the bot of %s", res, cfg.TeamID)
	}
	if got := res.Header.Get("X-OAuth-Scopes"); got != "chat:write,commands" {
		t.Errorf("X-OAuth-Scopes = %q", got)
	}

	_, err = slack.New("xoxb-wrong", slack.OptionAPIURL(w.srv.APIURL())).AuthTestContext(ctx)
	wantCode(t, err, "invalid_auth")

	// A granted scope is not enough for a method that needs another.
	_, err = w.api.GetUserInfoContext(ctx, w.alice.ID)
	wantCode(t, err, "missing_scope")
	if calls := w.srv.State().Calls("users.info"); len(calls) != 1 || calls[0].Error != "missing_scope" {
		t.Errorf("users.info calls = %+v", calls)
	}
}

func TestPostUpdateDelete(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()

	blocks := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*Ticket #42*", false, false), nil, nil)
	ch, ts, err := w.api.PostMessageContext(ctx, w.staff.ID,
		slack.MsgOptionText("Ticket #42 opened", false), slack.MsgOptionBlocks(blocks))
	if err != nil {
		t.Fatal(err)
	}
	if ch != w.staff.ID || !strings.Contains(ts, ".") {
		t.Fatalf("posted to %s at %q", ch, ts)
	}
	m, ok := st.Message(ch, ts)
	if !ok || m.Text != "Ticket #42 opened" || m.BotID != w.srv.Config().BotID || !strings.Contains(string(m.Blocks), "*Ticket #42*") {
		t.Fatalf("stored message = %+v", m)
	}

	// A relayed client message: username and icon, as a bot_message.
	_, reply, err := w.api.PostMessageContext(ctx, ch, slack.MsgOptionText("hello from Discord", false),
		slack.MsgOptionTS(ts), slack.MsgOptionUsername("Carol (client)"), slack.MsgOptionIconURL("https://cdn.example/carol.png"))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := st.Message(ch, reply)
	if r.ThreadTS != ts || r.Username != "Carol (client)" || r.IconURL == "" || r.SubType != "bot_message" {
		t.Errorf("reply = %+v", r)
	}

	if _, _, _, err := w.api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("Ticket #42 closed", false)); err != nil {
		t.Fatal(err)
	}
	m, _ = st.Message(ch, ts)
	if m.Text != "Ticket #42 closed" || m.Edited == nil || len(m.Blocks) == 0 {
		t.Errorf("after update: %+v (blocks kept when not sent)", m)
	}

	// The parent has a reply: deleting it leaves a tombstone, like Slack.
	if _, _, err := w.api.DeleteMessageContext(ctx, ch, ts); err != nil {
		t.Fatal(err)
	}
	if m, _ = st.Message(ch, ts); m.SubType != "tombstone" {
		t.Errorf("deleted parent = %+v, want a tombstone", m)
	}
	if _, _, err := w.api.DeleteMessageContext(ctx, ch, reply); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Message(ch, reply); ok {
		t.Error("deleted reply still stored")
	}
	_, _, _, err = w.api.UpdateMessageContext(ctx, ch, reply, slack.MsgOptionText("x", false))
	wantCode(t, err, "message_not_found")

	// The bot may not edit what a user wrote.
	um := must[slacktest.Message](t)(st.PostAsUser(slacktest.UserPost{User: w.alice.ID, Channel: ch, Text: "mine"}))
	_, _, _, err = w.api.UpdateMessageContext(ctx, ch, um.TS, slack.MsgOptionText("x", false))
	wantCode(t, err, "cant_update_message")
}

func TestPostMessageErrors(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	st := w.srv.State()
	private := st.AddChannel(slacktest.Channel{Name: "secret", IsPrivate: true})
	if err := st.Leave(private.ID, w.srv.Config().BotUserID); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a", 40001)
	bigSection := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", strings.Repeat("b", 3001), false, false), nil, nil)

	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		code    string
	}{
		{"unknown channel", "C404", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"bot not a member", private.ID, []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
		{"text over 40,000 characters", w.staff.ID, []slack.MsgOption{slack.MsgOptionText(long, false)}, "msg_too_long"},
		{"nothing to post", w.staff.ID, nil, "no_text"},
		{"section over 3,000 characters", w.staff.ID, []slack.MsgOption{slack.MsgOptionBlocks(bigSection)}, "invalid_blocks"},
		{"unknown thread", w.staff.ID, []slack.MsgOption{slack.MsgOptionText("x", false), slack.MsgOptionTS("1.000001")}, "thread_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := w.api.PostMessageContext(t.Context(), tt.channel, tt.opts...)
			wantCode(t, err, tt.code)
		})
	}
	if n := len(st.Messages(w.staff.ID)); n != 0 {
		t.Errorf("%d messages stored after failed posts", n)
	}
}

func TestTimestampsAreUniqueAndIncreasing(t *testing.T) {
	// 40 concurrent posts to one channel: beyond the rate limit's burst.
	w := newWorkspace(t, slacktest.Config{Unlimited: true})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for i := range 40 {
		wg.Go(func() {
			_, ts, err := w.api.PostMessageContext(t.Context(), w.staff.ID, slack.MsgOptionText(strings.Repeat("x", i+1), false))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, ts)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(got)
	if len(slices.Compact(slices.Clone(got))) != 40 {
		t.Fatalf("timestamps collide: %v", got)
	}
	var stored []string
	for _, m := range w.srv.State().Messages(w.staff.ID) {
		stored = append(stored, m.TS)
	}
	if !slices.Equal(stored, got) {
		t.Errorf("stored order %v is not ts order %v", stored, got)
	}
}

func TestReactions(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()
	m := must[slacktest.Message](t)(st.PostAsUser(slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, Text: "note: call back"}))
	ref := slack.ItemRef{Channel: w.staff.ID, Timestamp: m.TS}

	if err := w.api.AddReactionContext(ctx, "lock", ref); err != nil {
		t.Fatal(err)
	}
	wantCode(t, w.api.AddReactionContext(ctx, "lock", ref), "already_reacted")
	got, _ := st.Message(w.staff.ID, m.TS)
	if !slices.Equal(got.Reactions["lock"], []string{w.srv.Config().BotUserID}) {
		t.Errorf("reactions = %v", got.Reactions)
	}
	if err := w.api.RemoveReactionContext(ctx, "lock", ref); err != nil {
		t.Fatal(err)
	}
	wantCode(t, w.api.RemoveReactionContext(ctx, "lock", ref), "no_reaction")
	wantCode(t, w.api.AddReactionContext(ctx, "lock", slack.ItemRef{Channel: w.staff.ID, Timestamp: "1.000001"}), "message_not_found")
}

func TestEphemeralAndPermalink(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()
	outsider := st.AddUser(slacktest.User{Name: "mallory"})

	if _, err := w.api.PostEphemeralContext(ctx, w.staff.ID, w.alice.ID, slack.MsgOptionText("only you", false)); err != nil {
		t.Fatal(err)
	}
	_, err := w.api.PostEphemeralContext(ctx, w.staff.ID, outsider.ID, slack.MsgOptionText("x", false))
	wantCode(t, err, "user_not_in_channel")
	if e := st.Ephemerals(); len(e) != 1 || e[0].User != w.alice.ID || e[0].Text != "only you" {
		t.Errorf("ephemerals = %+v", e)
	}
	if n := len(st.Messages(w.staff.ID)); n != 0 {
		t.Errorf("an ephemeral message became one of %d channel messages", n)
	}

	_, ts, _ := w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("x", false))
	link, err := w.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: w.staff.ID, Ts: ts})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/archives/" + w.staff.ID + "/p" + strings.Replace(ts, ".", "", 1); !strings.HasSuffix(link, want) {
		t.Errorf("permalink %q does not end in %q", link, want)
	}
}

func TestCallsAreRecorded(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	_, _, err := w.api.PostMessageContext(t.Context(), w.staff.ID, slack.MsgOptionText("x", false),
		slack.MsgOptionBlocks(slack.NewDividerBlock()))
	if err != nil {
		t.Fatal(err)
	}
	calls := w.srv.State().Calls("chat.postMessage")
	if len(calls) != 1 {
		t.Fatalf("calls = %+v", calls)
	}
	c := calls[0]
	if c.Params.Get("channel") != w.staff.ID || c.Params.Has("token") || c.Status != 200 || c.Error != "" {
		t.Errorf("call = %+v", c)
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(c.Params.Get("blocks")), &blocks); err != nil || blocks[0]["type"] != "divider" {
		t.Errorf("blocks param = %q", c.Params.Get("blocks"))
	}
}
