package bot_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/bot"
)

// The converters' fuzz targets. Seeds are the odd inputs of the tests
// (mentions, Slack entities and escapes, code blocks, emoji, right-to-left
// text, NUL); inputs that once broke a property are kept under
// testdata/fuzz. `go test` runs both, `go test -fuzz` explores.

var (
	// massMentionRE: words that notify a whole channel or server on
	// either platform (as the converters break them: a zero-width space
	// after the @ stops the match).
	massMentionRE = regexp.MustCompile(`(?i)(^|[^\w.+-])@(everyone|here|channel)\b`)
	// discordEntityRE: what Discord renders as a user, role or channel
	// mention, a slash command, a custom emoji or a timestamp.
	discordEntityRE = regexp.MustCompile(`<(@[!&]?\d+|#\d+|/[^\s<>:]+:\d+|a?:\w+:\d+|t:-?\d+(:[tTdDfFR])?)>`)
	// maskedLinkRE: a Discord masked link, [label](url), which shows its
	// label and hides where it leads.
	maskedLinkRE = regexp.MustCompile(`\[[^\]]*\]\(\s*<?\s*[A-Za-z][A-Za-z0-9+.-]*:`)
	// urlRE: a web address Discord turns into a link by itself (its
	// rules: <http(s)://…>, and http(s):// then anything but white space
	// and <, not ending in punctuation).
	urlRE = regexp.MustCompile(`(?i)<https?://[^\s>]+>|https?://[^\s<]*[^<.,:;"')\]\s]`)
)

var converterSeeds = []string{
	"<!channel> fire!", "<!here|here> now", "<!everyone>", "<!subteam^S123|@support> see", "hi @everyone and @here",
	"ping <@&123456>", "thanks <@U123|sam>", "see <https://x.test/a|the doc>", "<https://x.test/a>",
	"a &lt; b &amp;&amp; c &gt; d", "in <#C1|general>", "@everyone look", "@HERE", "<!channel> hi", "<@&42> help", "R&D",
	"me@everyone.test", "@here @here", "```\n<@123> code\n```", "emoji :tada: 🎫 and <:blob:123> <a:dance:456>",
	"RTL: \u202Bשלום\u202C \u2067abc\u2069", "nul\x00 byte",
	"<@U1|&lt;@&amp;5&gt;>", "&amp;lt;@1&amp;gt;", "<mailto:a@b.example|write>", "@\u200beveryone", "x<y>z", "invalid \xff utf-8",
}

// unescapeSlack undoes Slack's three escapes.
func unescapeSlack(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// FuzzDiscordToSlack: a client's text reaches Slack with no Slack entity
// in it at all (no <!channel>, <@U…>, <#C…> or <url|label>: every < and >
// is escaped), no live @everyone, @here or @channel, and nothing of the
// text lost: undoing the escapes and the inserted zero-width spaces gives
// the text back (role mentions aside, which become a plain "@role").
func FuzzDiscordToSlack(f *testing.F) {
	for _, s := range converterSeeds {
		f.Add(s)
	}
	roleRE := regexp.MustCompile(`<@&(\d+)>`)
	f.Fuzz(func(t *testing.T, in string) {
		out := bot.DiscordToSlack(in)
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("DiscordToSlack(%q) = %q keeps a < or >: Slack may read an entity", in, out)
		}
		if m := massMentionRE.FindString(out); m != "" {
			t.Fatalf("DiscordToSlack(%q) = %q holds the live mention %q", in, out, m)
		}
		for _, amp := range regexp.MustCompile(`&[^&]*`).FindAllString(out, -1) {
			if !strings.HasPrefix(amp, "&amp;") && !strings.HasPrefix(amp, "&lt;") && !strings.HasPrefix(amp, "&gt;") {
				t.Fatalf("DiscordToSlack(%q) = %q leaves a bare &: %q", in, out, amp)
			}
		}
		want := strings.ReplaceAll(roleRE.ReplaceAllString(in, "@role"), zw, "")
		if got := strings.ReplaceAll(unescapeSlack(out), zw, ""); got != want {
			t.Fatalf("DiscordToSlack(%q) = %q: the text changed (%q, want %q)", in, out, got, want)
		}
	})
}

// FuzzSlackToDiscord: a staff member's Slack text reaches Discord without
// any mention, channel, command or emoji entity (a literal <@123> typed
// in Slack stays text), without a masked link [label](url) (Slack has
// none; on Discord it hides its target), without a live @everyone or
// @here, and with no web address the Slack text did not hold.
func FuzzSlackToDiscord(f *testing.F) {
	for _, s := range converterSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := bot.SlackToDiscord(in)
		if m := discordEntityRE.FindString(out); m != "" {
			t.Fatalf("SlackToDiscord(%q) = %q holds the Discord entity %q", in, out, m)
		}
		if m := maskedLinkRE.FindString(out); m != "" {
			t.Fatalf("SlackToDiscord(%q) = %q holds the masked link %q", in, out, m)
		}
		if m := massMentionRE.FindString(out); m != "" {
			t.Fatalf("SlackToDiscord(%q) = %q holds the live mention %q", in, out, m)
		}
		// The zero-width spaces the converter puts in to break mentions
		// and masked links may land inside an address; it still is the
		// Slack text's own.
		raw, plain := strings.ReplaceAll(in, zw, ""), strings.ReplaceAll(unescapeSlack(in), zw, "")
		for _, u := range urlRE.FindAllString(out, -1) {
			u = strings.TrimSuffix(strings.TrimPrefix(u, "<"), ">")
			if u = strings.ReplaceAll(u, zw, ""); !strings.Contains(raw, u) && !strings.Contains(plain, u) {
				t.Fatalf("SlackToDiscord(%q) = %q holds the link %q the Slack text did not", in, out, u)
			}
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("SlackToDiscord(%q) = %q is not valid UTF-8", in, out)
		}
	})
}
