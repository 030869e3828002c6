package slack

import (
	"strings"

	"github.com/jayaya/jayayacrm/bot"
)

// escapeText makes s safe inside Slack mrkdwn that the adapter composes
// itself (the ticket card and its fallback text, replies' blocks and
// fallback texts, attachment names): &, < and > are escaped, so
// "<!channel>" or "<@U…>" in a name or subject shows as typed and pings
// nobody. Relayed message text arrives escaped already (bot.DiscordToSlack).
func escapeText(s string) string {
	return textEscaper.Replace(s)
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// splitText cuts text into pieces of at most limit characters (bot.SplitText:
// at a line break or a space near the end of a piece, never dropping a
// character). Shared by the relay and the Block Kit renderer.
func splitText(text string, limit int) []string { return bot.SplitText(text, limit) }
