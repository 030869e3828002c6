package discord

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/core/outbox"
)

func TestScrubURLs(t *testing.T) {
	cases := map[string]string{
		// a webhook post, as net/http quotes a failed request
		`Post "https://discord.com/api/v9/webhooks/123/tok-EN_9?thread_id=7&wait=true": EOF`: `Post "https://discord.com/api/v9/webhooks/123/REDACTED?thread_id=7&wait=true": EOF`,
		// editing and deleting a webhook message
		`Patch "https://discord.com/api/v9/webhooks/123/tok/messages/55": EOF`: `Patch "https://discord.com/api/v9/webhooks/123/REDACTED/messages/55": EOF`,
		// answering an interaction
		`Post "https://discord.com/api/v9/interactions/9/aW50ZXJhY3Rpb24/callback": dial tcp: i/o timeout`: `Post "https://discord.com/api/v9/interactions/9/REDACTED/callback": dial tcp: i/o timeout`,
		// no credential in these
		`Get "https://discord.com/api/v9/channels/1/webhooks": EOF`: `Get "https://discord.com/api/v9/channels/1/webhooks": EOF`,
		`Get "https://discord.com/api/v9/webhooks/123": EOF`:        `Get "https://discord.com/api/v9/webhooks/123": EOF`,
	}
	for in, want := range cases {
		if got := scrubURLs(in); got != want {
			t.Errorf("scrubURLs(%s)\n = %s\nwant %s", in, got, want)
		}
	}
}

// TestRedactedErrorsKeepTheirClass: classify sees through the redaction:
// a REST 404 is still permanent, a network error still retried, and
// neither shows the token.
func TestRedactedErrorsKeepTheirClass(t *testing.T) {
	netErr := classify(redact(&url.Error{Op: "Post", URL: "https://discord.com/api/v9/webhooks/1/secret", Err: errors.New("EOF")}))
	if outbox.IsPermanent(netErr) || netErr.Error() != `Post "https://discord.com/api/v9/webhooks/1/REDACTED": EOF` {
		t.Errorf("network error: %v", netErr)
	}
	rest := classify(redact(&discordgo.RESTError{Response: &http.Response{StatusCode: http.StatusNotFound}}))
	if !outbox.IsPermanent(rest) {
		t.Errorf("404 not permanent: %v", rest)
	}
}
