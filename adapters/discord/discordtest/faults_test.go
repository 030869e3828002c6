package discordtest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestRateLimitSurfacesWhenRetryIsOff(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	ch := srv.Seed().ChannelID
	srv.RateLimitNext("POST", "/channels/{id}/messages", 1, 80*time.Millisecond)

	_, err := dg.ChannelMessageSend(ch, "hi")
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 80*time.Millisecond {
		t.Fatalf("want *discordgo.RateLimitError with 80ms, got %T %v", err, err)
	}
	// discordgo read X-RateLimit-Reset-After and waits for the bucket itself.
	start := time.Now()
	if _, err := dg.ChannelMessageSend(ch, "hi"); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("discordgo did not wait for the bucket reset (%v)", waited)
	}
	if len(srv.Messages(ch)) != 1 {
		t.Fatal("the rate-limited post was stored")
	}
}

func TestRateLimitWireFormat(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	srv.InjectFault(Fault{Method: "GET", Path: "/users/@me", Times: 1, Status: 429, RetryAfter: 1500 * time.Millisecond})
	req, _ := http.NewRequest("GET", "https://discord.com/api/v9/users/@me", nil)
	req.Header.Set("Authorization", "Bot "+srv.Token())
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	if resp.StatusCode != 429 || body.Message != "You are being rate limited." || body.RetryAfter != 1.5 || body.Global ||
		h.Get("Retry-After") != "2" || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Reset-After") != "1.500" || h.Get("X-RateLimit-Bucket") == "" {
		t.Fatalf("429: %d %s %v", resp.StatusCode, raw, h)
	}
}

func TestOutageAndBadGatewayRetries(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	ch := srv.Seed().ChannelID

	restore := srv.Outage(http.StatusServiceUnavailable)
	_, err := dg.ChannelMessageSend(ch, "down")
	wantCode(t, err, 503, 0)
	restore()

	// discordgo retries a 502 up to MaxRestRetries (3) times, at once.
	srv.InjectFault(Fault{Method: "POST", Path: "/channels/{id}/messages", Times: 2, Status: http.StatusBadGateway})
	srv.ResetRequests()
	if _, err := dg.ChannelMessageSend(ch, "eventually"); err != nil {
		t.Fatal(err)
	}
	if n := srv.CountRequests("POST", "/channels/{id}/messages"); n != 3 {
		t.Fatalf("%d POSTs, want 3", n)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	restore := srv.Latency("GET", "/users/@me", 100*time.Millisecond)
	start := time.Now()
	if _, err := dg.User("@me"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("answered in %v", d)
	}
	restore()
}

func TestDropLeavesTheRequestUnanswered(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	ch := srv.Seed().ChannelID
	srv.InjectFault(Fault{Method: "POST", Path: "/channels/{id}/messages", Times: 1, Drop: true})

	_, err := dg.ChannelMessageSend(ch, "hi")
	var re *discordgo.RESTError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("want a transport error, got %T %v", err, err)
	}
	if len(srv.Messages(ch)) != 0 {
		t.Fatal("the dropped post was stored")
	}
	if _, err := dg.ChannelMessageSend(ch, "again"); err != nil {
		t.Fatalf("after the fault expired: %v", err)
	}
}
