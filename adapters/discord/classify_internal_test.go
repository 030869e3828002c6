package discord

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/core/outbox"
)

func TestClassifyMapsDiscordErrorsToRetryPolicy(t *testing.T) {
	rest := func(status int) error {
		return &discordgo.RESTError{Response: &http.Response{StatusCode: status}}
	}
	rl := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: 1500 * time.Millisecond}}}
	tests := []struct {
		name      string
		err       error
		permanent bool
		after     time.Duration // 0: plain backoff
	}{
		{"rate limited", rl, false, 1500 * time.Millisecond},
		{"unknown channel", rest(http.StatusNotFound), true, 0},
		{"missing access", rest(http.StatusForbidden), true, 0},
		{"bad request", rest(http.StatusBadRequest), true, 0},
		{"bad token", rest(http.StatusUnauthorized), false, time.Minute},
		{"outage", rest(http.StatusServiceUnavailable), false, 0},
		{"network", errors.New("connection reset"), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if outbox.IsPermanent(got) != tt.permanent {
				t.Fatalf("permanent = %v, want %v (%v)", outbox.IsPermanent(got), tt.permanent, got)
			}
			var ra *outbox.RetryAfterError
			isRA := errors.As(got, &ra)
			if (tt.after != 0) != isRA || (isRA && ra.After != tt.after) {
				t.Fatalf("retry after = %v (%v), want %v", isRA, got, tt.after)
			}
		})
	}
	if classify(nil) != nil {
		t.Fatal("nil error classified as a failure")
	}
}

func TestAPIURLMustBeAnOrigin(t *testing.T) {
	if _, err := httpClient("not a url"); err == nil {
		t.Fatal("bad DISCORD_API_URL accepted")
	}
	c, err := httpClient("https://discord.com")
	if err != nil || c.Transport != nil {
		t.Fatalf("default origin rewritten: %v %v", c.Transport, err)
	}
	c, err = httpClient("http://127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "https://discord.com/api/v9/gateway", nil)
	rt := c.Transport.(*rewriteTransport)
	rt.base = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.String() != "http://127.0.0.1:9/api/v9/gateway" {
			t.Fatalf("sent to %s", r.URL)
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestWebhookUsernameFollowsDiscordRules(t *testing.T) {
	tests := map[string]string{
		"Sam Staff":         "Sam Staff",
		"Discord Dan":       "******* Dan",
		"  ":                "JayayaCRM",
		"clyde the DISCORD": "***** the *******",
	}
	for in, want := range tests {
		if got := webhookUsername(in); got != want {
			t.Fatalf("webhookUsername(%q) = %q, want %q", in, got, want)
		}
	}
}
