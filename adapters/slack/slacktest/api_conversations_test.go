package slacktest_test

import (
	"testing"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// postThread posts a bot parent and n replies by alice, returning their ts.
func postThread(t *testing.T, w *workspace, n int) (string, []string) {
	t.Helper()
	_, parent, err := w.api.PostMessageContext(t.Context(), w.staff.ID, slack.MsgOptionText("Ticket #7", false))
	if err != nil {
		t.Fatal(err)
	}
	var replies []string
	for range n {
		m, err := w.srv.State().PostAsUser(slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, ThreadTS: parent, Text: "reply"})
		if err != nil {
			t.Fatal(err)
		}
		replies = append(replies, m.TS)
	}
	return parent, replies
}

func tsOf(ms []slack.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Timestamp)
	}
	return out
}

func TestRepliesWithOldest(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	parent, replies := postThread(t, w, 3)

	tests := []struct {
		name      string
		oldest    string
		inclusive bool
		want      []string
	}{
		{"whole thread", "", false, append([]string{parent}, replies...)},
		{"after the first reply", replies[0], false, []string{parent, replies[1], replies[2]}},
		{"from the first reply, inclusive", replies[0], true, append([]string{parent}, replies...)},
		{"nothing newer", replies[2], false, []string{parent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, hasMore, _, err := w.api.GetConversationRepliesContext(t.Context(), &slack.GetConversationRepliesParameters{
				ChannelID: w.staff.ID, Timestamp: parent, Oldest: tt.oldest, Inclusive: tt.inclusive})
			if err != nil {
				t.Fatal(err)
			}
			if got := tsOf(msgs); hasMore || len(got) != len(tt.want) || got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1] {
				t.Errorf("replies = %v (has_more %v), want %v", got, hasMore, tt.want)
			}
		})
	}

	msgs, _, _, _ := w.api.GetConversationRepliesContext(t.Context(), &slack.GetConversationRepliesParameters{ChannelID: w.staff.ID, Timestamp: parent})
	if p, r := msgs[0], msgs[1]; p.ReplyCount != 3 || p.ThreadTimestamp != parent || r.ThreadTimestamp != parent || r.ParentUserId == "" || r.User != w.alice.ID {
		t.Errorf("parent %+v / reply %+v lack thread fields", p.Msg, r.Msg)
	}
}

func TestRepliesPagination(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	parent, replies := postThread(t, w, 5)

	var pages [][]string
	cursor := ""
	for {
		msgs, hasMore, next, err := w.api.GetConversationRepliesContext(t.Context(), &slack.GetConversationRepliesParameters{
			ChannelID: w.staff.ID, Timestamp: parent, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, tsOf(msgs))
		if !hasMore {
			break
		}
		cursor = next
	}
	// The parent comes first on the first page only.
	want := [][]string{{parent, replies[0]}, {replies[1], replies[2]}, {replies[3], replies[4]}}
	if len(pages) != len(want) {
		t.Fatalf("pages = %v, want %v", pages, want)
	}
	for i := range want {
		if len(pages[i]) != 2 || pages[i][0] != want[i][0] || pages[i][1] != want[i][1] {
			t.Errorf("page %d = %v, want %v", i, pages[i], want[i])
		}
	}

	_, _, _, err := w.api.GetConversationRepliesContext(t.Context(), &slack.GetConversationRepliesParameters{
		ChannelID: w.staff.ID, Timestamp: parent, Cursor: "garbage"})
	wantCode(t, err, "invalid_cursor")
}

func TestHistory(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	first, _ := postThread(t, w, 2)
	_, second, _ := w.api.PostMessageContext(t.Context(), w.staff.ID, slack.MsgOptionText("Ticket #8", false))

	res, err := w.api.GetConversationHistoryContext(t.Context(), &slack.GetConversationHistoryParameters{ChannelID: w.staff.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := tsOf(res.Messages); len(got) != 1 || got[0] != second || !res.HasMore {
		t.Fatalf("first page = %v (has_more %v), want newest top-level first", got, res.HasMore)
	}
	res, err = w.api.GetConversationHistoryContext(t.Context(), &slack.GetConversationHistoryParameters{
		ChannelID: w.staff.ID, Cursor: res.ResponseMetaData.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if got := tsOf(res.Messages); len(got) != 1 || got[0] != first || res.HasMore {
		t.Errorf("second page = %v, want only the thread parent, not its replies", got)
	}
}

func TestOpenDM(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()

	ch, _, already, err := w.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{w.alice.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ID[0] != 'D' || already {
		t.Fatalf("opened %q (already open %v)", ch.ID, already)
	}
	again, _, already, err := w.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{w.alice.ID}, ReturnIM: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != ch.ID || !already || !again.IsIM || again.User != w.alice.ID {
		t.Errorf("reopened %+v, want the same DM with alice", again)
	}
	if got := w.srv.State().DM(w.alice.ID); got != ch.ID {
		t.Errorf("State.DM = %q, want %q", got, ch.ID)
	}

	// Posting to a user ID lands in the DM and answers with the D… ID.
	posted, _, err := w.api.PostMessageContext(ctx, w.alice.ID, slack.MsgOptionText("Reminder: call ACME", false))
	if err != nil || posted != ch.ID {
		t.Errorf("posted to %q (%v), want %q", posted, err, ch.ID)
	}

	_, _, _, err = w.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U404"}})
	wantCode(t, err, "user_not_found")
}

func TestInfoMembersAndUsers(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()

	ch, err := w.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: w.staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Name != "staff" || !ch.IsMember || ch.NumMembers != 3 {
		t.Errorf("info = %+v", ch.GroupConversation)
	}
	members, _, err := w.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: w.staff.ID})
	if err != nil || len(members) != 3 {
		t.Errorf("members = %v (%v)", members, err)
	}

	u, err := w.api.GetUserInfoContext(ctx, w.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.RealName != "Alice Martin" || u.TZ != "Europe/Paris" || u.TZOffset != 3600 {
		t.Errorf("users.info = %+v", u)
	}
	users, err := w.api.GetUsersContext(ctx, slack.GetUsersOptionLimit(2))
	if err != nil || len(users) != 3 {
		t.Errorf("users.list over pages = %d users (%v), want bot, alice and bob", len(users), err)
	}
}

// users.info and users.list give a user's locale only when asked with
// include_locale=true, as Slack does; slack-go asks by default.
func TestUsersInfoLocaleOnlyWhenAsked(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	u, err := w.api.GetUserInfoContext(ctx, w.alice.ID)
	if err != nil || u.Locale != "fr-FR" {
		t.Fatalf("users.info with include_locale: locale %q, %v", u.Locale, err)
	}
	u, err = w.api.GetUserInfoContext(ctx, w.alice.ID, slack.GetUserInfoOptionIncludeLocale(false))
	if err != nil || u.Locale != "" {
		t.Fatalf("users.info without include_locale: locale %q, %v", u.Locale, err)
	}
	if calls := w.srv.State().Calls("users.info"); len(calls) != 2 || calls[0].Params.Get("include_locale") != "true" ||
		calls[1].Params.Get("include_locale") != "false" {
		t.Fatalf("users.info calls %+v", calls)
	}
	users, err := w.api.GetUsersContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range users {
		if want := map[string]string{w.alice.ID: "fr-FR", w.bob.ID: "en-US"}[x.ID]; want != "" && x.Locale != want {
			t.Errorf("users.list: %s locale %q, want %q", x.Name, x.Locale, want)
		}
	}
	if err := w.srv.State().SetUserLocale(w.bob.ID, "fr-CA"); err != nil {
		t.Fatal(err)
	}
	if u, err := w.api.GetUserInfoContext(ctx, w.bob.ID); err != nil || u.Locale != "fr-CA" {
		t.Fatalf("after SetUserLocale: %q, %v", u.Locale, err)
	}
}
