package discordtest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// wantRateLimit fails unless err is discordgo's rate-limit error with a
// retry_after in (0, max].
func wantRateLimit(t *testing.T, err error, max time.Duration) {
	t.Helper()
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("want *discordgo.RateLimitError, got %T %v", err, err)
	}
	if rl.RetryAfter <= 0 || rl.RetryAfter > max {
		t.Fatalf("retry_after %v, want within %v", rl.RetryAfter, max)
	}
}

// rawExecute executes a webhook with a plain HTTP request, returning the
// answer's status, headers and JSON body.
func rawExecute(t *testing.T, srv *Server, wh *discordgo.Webhook) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := srv.HTTPClient().Post("https://discord.com/api/v9/webhooks/"+wh.ID+"/"+wh.Token, "application/json", strings.NewReader(`{"content":"raw"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("body %q: %v", raw, err)
		}
	}
	return resp.StatusCode, resp.Header, body
}

func execute(dg *discordgo.Session, wh *discordgo.Webhook) error {
	_, err := dg.WebhookExecute(wh.ID, wh.Token, false, &discordgo.WebhookParams{Content: "hello", Username: "Carl"})
	return err
}

func TestWebhookExecuteWindowPerWebhook(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	srv := Start(t, Config{Now: clk.Now})
	ch := srv.Seed().ChannelID
	dg := restSession(t, srv)
	wh1, err := dg.WebhookCreate(ch, "relay", "")
	if err != nil {
		t.Fatal(err)
	}
	wh2, err := dg.WebhookCreate(ch, "relay 2", "")
	if err != nil {
		t.Fatal(err)
	}

	// A window's first request says where it stands.
	status, h, _ := rawExecute(t, srv, wh1)
	resetAfter, _ := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
	if status != http.StatusNoContent || h.Get("X-RateLimit-Limit") != "5" || h.Get("X-RateLimit-Remaining") != "4" ||
		resetAfter <= 0 || resetAfter > 2 || h.Get("X-RateLimit-Bucket") == "" || h.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("first execution: %d %v", status, h)
	}
	// discordgo spends the rest of the window and reads that none is left.
	for i := range 4 {
		if err := execute(dg, wh1); err != nil {
			t.Fatalf("execution %d: %v", i+2, err)
		}
	}
	b := dg.Ratelimiter.GetBucket(discordgo.EndpointWebhookToken(wh1.ID, wh1.Token))
	if b.Remaining != 0 || dg.Ratelimiter.GetWaitTime(b, 1) <= 0 {
		t.Fatalf("discordgo's bucket: remaining %d, wait %v; want it to wait for the reset", b.Remaining, dg.Ratelimiter.GetWaitTime(b, 1))
	}

	// Another process, unaware of the window, is refused.
	other := restSession(t, srv)
	wantRateLimit(t, execute(other, wh1), 2*time.Second)
	status, h, body := rawExecute(t, srv, wh1)
	if status != 429 || h.Get("Retry-After") != "2" || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Limit") != "5" ||
		body["message"] != "You are being rate limited." || body["global"] != false || body["retry_after"].(float64) <= 0 {
		t.Fatalf("refusal: %d %v %v", status, h, body)
	}
	if n := len(srv.Messages(ch)); n != 5 {
		t.Fatalf("%d messages in the channel, want 5: refused executions post nothing", n)
	}
	// The other webhook has its own window.
	if err := execute(other, wh2); err != nil {
		t.Fatalf("another webhook: %v", err)
	}
	// Once the window closed, a new one opens (for a third process: the
	// others would wait out the window on the real clock).
	clk.Advance(2 * time.Second)
	if err := execute(restSession(t, srv), wh1); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if got := srv.RateLimited(); got[RouteWebhookExecute] != 2 || len(got) != 1 {
		t.Fatalf("RateLimited() = %v, want %s: 2", got, RouteWebhookExecute)
	}
}

func TestChannelMessagesAndReactionsPerChannel(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	srv := Start(t, Config{Now: clk.Now})
	seed := srv.Seed()
	dg := restSession(t, srv)
	other, err := srv.AddTextChannel(seed.GuildID, "other")
	if err != nil {
		t.Fatal(err)
	}
	var last *discordgo.Message
	for i := range 5 {
		if last, err = dg.ChannelMessageSend(seed.ChannelID, "hi"); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	fresh := restSession(t, srv)
	wantRateLimit(t, func() error { _, err := fresh.ChannelMessageSend(seed.ChannelID, "too many"); return err }(), 5*time.Second)
	if _, err := fresh.ChannelMessageSend(other, "elsewhere"); err != nil {
		t.Fatalf("another channel: %v", err)
	}

	// Reactions: one per 250 ms per channel, adding and removing alike.
	if err := dg.MessageReactionAdd(seed.ChannelID, last.ID, "✅"); err != nil {
		t.Fatal(err)
	}
	wantRateLimit(t, fresh.MessageReactionRemove(seed.ChannelID, last.ID, "✅", "@me"), 250*time.Millisecond)
	clk.Advance(250 * time.Millisecond)
	if err := restSession(t, srv).MessageReactionAdd(seed.ChannelID, last.ID, "⚠️"); err != nil {
		t.Fatalf("a reaction 250 ms later: %v", err)
	}
	got := srv.RateLimited()
	if got[RouteChannelMessages] != 1 || got[RouteReactionRemove] != 1 || len(got) != 2 {
		t.Fatalf("RateLimited() = %v, want one channel message and one reaction removal", got)
	}
}

func TestDiscordgoPacesItselfOnTheHeaders(t *testing.T) {
	t.Parallel()
	// Short windows on the real clock: discordgo reads the headers and
	// waits each window out instead of being refused.
	srv := Start(t, Config{Limits: Limits{WebhookExecute: Window{Limit: 2, Per: 40 * time.Millisecond}}})
	dg := restSession(t, srv)
	wh, err := dg.WebhookCreate(srv.Seed().ChannelID, "relay", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := execute(dg, wh); err != nil {
			t.Fatalf("execution %d: %v", i+1, err)
		}
	}
	if got := srv.RateLimited(); len(got) != 0 {
		t.Fatalf("RateLimited() = %v, want none", got)
	}
}

func TestUnlimitedSwitchesTheLimitsOff(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{Unlimited: true})
	dg := restSession(t, srv)
	wh, err := dg.WebhookCreate(srv.Seed().ChannelID, "relay", "")
	if err != nil {
		t.Fatal(err)
	}
	fresh := restSession(t, srv)
	for i := range 12 {
		s := dg
		if i%2 == 1 {
			s = fresh // two processes: neither can pace for the other
		}
		if err := execute(s, wh); err != nil {
			t.Fatalf("execution %d: %v", i+1, err)
		}
	}
	if got := srv.RateLimited(); len(got) != 0 {
		t.Fatalf("RateLimited() = %v, want none", got)
	}
}

// Limits.WebhookChannel limits executions per channel posted in, across
// webhooks; the refusal says so (scope shared) while the headers keep
// describing the webhook's own window.
func TestWebhookChannelWindowAcrossWebhooks(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	srv := Start(t, Config{Now: clk.Now, Limits: Limits{WebhookChannel: Window{Limit: 3, Per: time.Minute}}})
	ch := srv.Seed().ChannelID
	dg := restSession(t, srv)
	var threads []string
	for _, name := range []string{"one", "two"} {
		th, err := dg.ThreadStartComplex(ch, &discordgo.ThreadStart{Name: name, Type: discordgo.ChannelTypeGuildPublicThread, AutoArchiveDuration: 60})
		if err != nil {
			t.Fatal(err)
		}
		threads = append(threads, th.ID)
	}
	var hooks []*discordgo.Webhook
	for _, name := range []string{"relay", "relay 2"} {
		wh, err := dg.WebhookCreate(ch, name, "")
		if err != nil {
			t.Fatal(err)
		}
		hooks = append(hooks, wh)
	}
	post := func(wh *discordgo.Webhook, thread string) (int, http.Header, map[string]any) {
		t.Helper()
		resp, err := srv.HTTPClient().Post("https://discord.com/api/v9/webhooks/"+wh.ID+"/"+wh.Token+"?thread_id="+thread,
			"application/json", strings.NewReader(`{"content":"hello"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var body map[string]any
		json.Unmarshal(raw, &body)
		return resp.StatusCode, resp.Header, body
	}
	// Three posts in thread one, through two webhooks.
	for i, wh := range []*discordgo.Webhook{hooks[0], hooks[1], hooks[0]} {
		status, h, _ := post(wh, threads[0])
		if status != http.StatusNoContent || h.Get("X-RateLimit-Limit") != "5" {
			t.Fatalf("post %d: %d %v, want 204 with the webhook's own window", i+1, status, h)
		}
	}
	status, h, body := post(hooks[1], threads[0])
	if status != http.StatusTooManyRequests || h.Get("X-RateLimit-Scope") != "shared" || h.Get("X-RateLimit-Remaining") != "4" {
		t.Fatalf("the fourth post in the thread: %d %v, want 429 scope shared, the webhook's window untouched", status, h)
	}
	if after, _ := body["retry_after"].(float64); after <= 0 || after > 60 {
		t.Fatalf("retry_after %v, want up to the minute's end", body["retry_after"])
	}
	if n := len(srv.Messages(threads[0])); n != 3 {
		t.Fatalf("%d messages in the thread, want 3: the refused post is not made", n)
	}
	// Another thread is another channel.
	if status, _, _ := post(hooks[1], threads[1]); status != http.StatusNoContent {
		t.Fatalf("another thread: %d", status)
	}
	clk.Advance(time.Minute)
	if status, _, _ := post(hooks[1], threads[0]); status != http.StatusNoContent {
		t.Fatalf("a minute later: %d", status)
	}
	if got := srv.RateLimited(); got[LimitWebhookChannel] != 1 || got[RouteWebhookExecute] != 0 {
		t.Fatalf("RateLimited() = %v, want one refusal by the channel window", got)
	}
}
