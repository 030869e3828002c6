package discord

import (
	"regexp"

	"github.com/jayaya/jayayacrm/bot"
)

// credentialPath matches the secret path segment of the Discord URLs that
// carry one: a webhook's token (/webhooks/{id}/{token}…, also the
// follow-ups of an interaction) and an interaction's token
// (/interactions/{id}/{token}/callback).
var credentialPath = regexp.MustCompile(`(/(?:webhooks|interactions)/[^/\s"?#]+/)[^/\s"?#]+`)

// redactedToken stands in for a token taken out of an error.
const redactedToken = "REDACTED"

// scrubURLs takes the tokens out of the Discord URLs in s.
func scrubURLs(s string) string {
	return credentialPath.ReplaceAllString(s, "${1}"+redactedToken)
}

// redact takes the tokens out of the URLs in err's text (discordgo returns
// a network failure as the *url.Error of net/http, which quotes the whole
// URL, webhook token included), so the error can be logged and stored.
func redact(err error) error { return bot.Redact(err, scrubURLs) }
