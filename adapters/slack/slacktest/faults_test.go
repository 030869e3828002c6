package slacktest_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

func TestRateLimit(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	w.srv.RateLimit("chat.postMessage", 2, 7*time.Second)

	for i := range 2 {
		_, _, err := w.api.PostMessageContext(t.Context(), w.staff.ID, slack.MsgOptionText("x", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
			t.Fatalf("call %d: error = %v, want *slack.RateLimitedError after 7s", i, err)
		}
	}
	if _, _, err := w.api.PostMessageContext(t.Context(), w.staff.ID, slack.MsgOptionText("x", false)); err != nil {
		t.Fatalf("third call: %v", err)
	}
	calls := w.srv.State().Calls("chat.postMessage")
	if len(calls) != 3 || calls[0].Status != http.StatusTooManyRequests || calls[2].Status != http.StatusOK {
		t.Errorf("calls = %+v", calls)
	}
	if n := len(w.srv.State().Messages(w.staff.ID)); n != 1 {
		t.Errorf("%d messages stored, want only the one that got through", n)
	}
}

func TestOutage(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	post := func() error {
		_, _, err := w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("x", false))
		return err
	}
	isUnavailable := func(err error) bool {
		var sce slack.StatusCodeError
		return errors.As(err, &sce) && sce.Code == http.StatusServiceUnavailable
	}

	w.srv.SetOutage("chat.postMessage", true)
	if err := post(); !isUnavailable(err) {
		t.Errorf("one method down: %v", err)
	}
	if _, err := w.api.AuthTestContext(ctx); err != nil {
		t.Errorf("other methods should work: %v", err)
	}
	w.srv.SetOutage("chat.postMessage", false)
	w.srv.SetOutage(slacktest.AllMethods, true)
	if _, err := w.api.AuthTestContext(ctx); !isUnavailable(err) {
		t.Errorf("all methods down: %v", err)
	}
	w.srv.SetOutage(slacktest.AllMethods, false)
	if err := post(); err != nil {
		t.Errorf("after the outage: %v", err)
	}
}

func TestLatencyAndFailNext(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	w.srv.SetLatency("auth.test", 50*time.Millisecond)
	start := time.Now()
	if _, err := w.api.AuthTestContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %s despite 50ms latency", d)
	}

	w.srv.FailNext("reactions.add", 1, "internal_error")
	m := must[slacktest.Message](t)(w.srv.State().PostAsUser(slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, Text: "x"}))
	ref := slack.ItemRef{Channel: w.staff.ID, Timestamp: m.TS}
	wantCode(t, w.api.AddReactionContext(t.Context(), "white_check_mark", ref), "internal_error")
	if err := w.api.AddReactionContext(t.Context(), "white_check_mark", ref); err != nil {
		t.Errorf("second call: %v", err)
	}
}

func TestDeletedChannelThreadAndUser(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()
	parent, _ := postThread(t, w, 1)

	if err := st.DeleteThread(w.staff.ID, parent); err != nil {
		t.Fatal(err)
	}
	_, _, err := w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("x", false), slack.MsgOptionTS(parent))
	wantCode(t, err, "thread_not_found")
	_, _, _, err = w.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: w.staff.ID, Timestamp: parent})
	wantCode(t, err, "thread_not_found")

	if err := st.ArchiveChannel(w.staff.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("x", false))
	wantCode(t, err, "is_archived")

	if err := st.DeleteChannel(w.staff.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("x", false))
	wantCode(t, err, "channel_not_found")

	if err := st.DeleteUser(w.bob.ID); err != nil {
		t.Fatal(err)
	}
	u, err := w.api.GetUserInfoContext(ctx, w.bob.ID)
	if err != nil || !u.Deleted {
		t.Errorf("users.info of a deleted user = %+v, %v", u, err)
	}
	_, _, _, err = w.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{w.bob.ID}})
	wantCode(t, err, "user_disabled")
}
