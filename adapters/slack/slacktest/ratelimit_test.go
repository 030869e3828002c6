package slacktest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// wantRateLimited fails unless err is slack-go's rate-limit error with
// retry after want.
func wantRateLimited(t *testing.T, err error, want time.Duration) {
	t.Helper()
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("error = %v, want *slack.RateLimitedError", err)
	}
	if rl.RetryAfter != want {
		t.Fatalf("RetryAfter = %v, want %v", rl.RetryAfter, want)
	}
}

func post(api *slack.Client, channel, text string) error {
	_, _, err := api.PostMessage(channel, slack.MsgOptionText(text, false))
	return err
}

func TestPostMessageBurstThenOnePerSecondPerChannel(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	other := w.srv.State().AddChannel(slacktest.Channel{Name: "other", Members: []string{w.alice.ID}})
	for i := range 10 {
		if err := post(w.api, w.staff.ID, "burst"); err != nil {
			t.Fatalf("post %d of the burst: %v", i+1, err)
		}
	}
	wantRateLimited(t, post(w.api, w.staff.ID, "one too many"), time.Second)

	// The refusal is Slack's: 429, Retry-After in whole seconds, and the
	// ratelimited error; nothing was posted.
	form := url.Values{"token": {w.srv.Config().BotToken}, "channel": {w.staff.ID}, "text": {"raw"}}
	resp, err := http.Post(w.srv.APIURL()+"chat.postMessage", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || body["ok"] != false || body["error"] != "ratelimited" {
		t.Fatalf("refusal = %d Retry-After %q %v, want 429 Retry-After 1 {ok:false error:ratelimited}", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if n := len(w.srv.State().Messages(w.staff.ID)); n != 10 {
		t.Fatalf("%d messages in the channel, want the burst's 10", n)
	}

	// Another channel has its own bucket.
	if err := post(w.api, other.ID, "elsewhere"); err != nil {
		t.Fatalf("post to another channel: %v", err)
	}
	// A second later, one more is allowed, and only one.
	w.srv.Advance(time.Second)
	if err := post(w.api, w.staff.ID, "a second later"); err != nil {
		t.Fatalf("post a second later: %v", err)
	}
	wantRateLimited(t, post(w.api, w.staff.ID, "again too soon"), time.Second)

	if got := w.srv.RateLimited(); got["chat.postMessage"] != 3 || len(got) != 1 {
		t.Fatalf("RateLimited() = %v, want chat.postMessage: 3", got)
	}
	refused := 0
	for _, c := range w.srv.State().Calls("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests && c.Error == "ratelimited" {
			refused++
		}
	}
	if refused != 3 {
		t.Fatalf("%d calls recorded as refused, want 3", refused)
	}
}

func TestTier3MethodsShareABucketPerMethod(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	_, ts, err := w.api.PostMessage(w.staff.ID, slack.MsgOptionText("react to me", false))
	if err != nil {
		t.Fatal(err)
	}
	ref := slack.NewRefToMessage(w.staff.ID, ts)
	for i := range 10 {
		if err := w.api.AddReaction("white_check_mark", ref); err != nil && slackCode(err) != "already_reacted" {
			t.Fatalf("reaction %d of the burst: %v", i+1, err)
		}
	}
	// 50 per minute: the next token comes in 1.2 s, rounded up.
	wantRateLimited(t, w.api.AddReaction("warning", ref), 2*time.Second)
	// Another Tier 3 method is counted apart.
	if _, _, _, err := w.api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: w.staff.ID, Timestamp: ts}); err != nil {
		t.Fatalf("conversations.replies: %v", err)
	}
	w.srv.Advance(1200 * time.Millisecond)
	if err := w.api.AddReaction("warning", ref); err != nil {
		t.Fatalf("reaction after 1.2 s: %v", err)
	}
	if got := w.srv.RateLimited(); got["reactions.add"] != 1 || len(got) != 1 {
		t.Fatalf("RateLimited() = %v, want reactions.add: 1", got)
	}
}

func TestLimitsAreTunable(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{Limits: slacktest.Limits{Post: slacktest.Rate{Burst: 2, Every: time.Hour}}})
	for range 2 {
		if err := post(w.api, w.staff.ID, "within"); err != nil {
			t.Fatal(err)
		}
	}
	wantRateLimited(t, post(w.api, w.staff.ID, "beyond"), time.Hour)
}

func TestUnlimitedSwitchesTheModelOff(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{Unlimited: true})
	for i := range 30 {
		if err := post(w.api, w.staff.ID, "flood"); err != nil {
			t.Fatalf("post %d: %v", i+1, err)
		}
	}
	if got := w.srv.RateLimited(); len(got) != 0 {
		t.Fatalf("RateLimited() = %v, want none", got)
	}
}
