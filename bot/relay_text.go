package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/core"
)

// zwsp is a zero-width space: inserted after "@" it keeps "@everyone"
// readable while making it an ordinary word on every platform.
const zwsp = "\u200b"

// massMention matches the words that notify a whole channel or server.
// An e-mail address (me@here.example) is left alone.
var massMention = regexp.MustCompile(`(?i)(^|[^\w.+-])@(everyone|here|channel)\b`)

// discordRoleMention matches Discord role mentions <@&123>.
var discordRoleMention = regexp.MustCompile(`<@&(\d+)>`)

// discordEntity matches what Discord renders from plain text: user, role
// and channel mentions, slash command mentions, custom emoji and
// timestamps (<@1>, <@!1>, <@&1>, <#1>, </close:1>, <:name:1>, <t:1:R>).
var discordEntity = regexp.MustCompile(`<(@[!&]?\d+|#\d+|/[^\s<>:]+:\d+|a?:\w+:\d+|t:-?\d+(:[tTdDfFR])?)>`)

// slackEntity matches Slack's <…> entities: <!here>, <@U123|name>,
// <#C123|name>, <https://x|label>, <!subteam^S1|@team>.
var slackEntity = regexp.MustCompile(`<([^<>]+)>`)

// neutralizeMass breaks @everyone, @here and @channel.
func neutralizeMass(s string) string {
	return massMention.ReplaceAllString(s, "${1}@"+zwsp+"${2}")
}

// DiscordToSlack turns a Discord message text into Slack text that pings
// nobody: Slack's control characters are escaped (so nothing a client
// types becomes <!channel> or a link entity), @everyone/@here/@channel
// are broken, role mentions become plain "@role".
func DiscordToSlack(text string) string {
	text = discordRoleMention.ReplaceAllString(text, "@"+zwsp+"role")
	text = slackEscape.Replace(text)
	return neutralizeMass(text)
}

// SlackToDiscord turns Slack mrkdwn into Discord text that pings nobody:
// <!channel>, <!here>, <!everyone> and user-group mentions become inert
// words, <@U…|name> becomes @name, links become "label (url)" or the bare
// URL (set apart by spaces when they would otherwise run on into the
// text beside them and make another address), and Slack's escapes are
// undone. Discord's own @everyone/@here and
// role mentions are broken too (the webhook also sends no mentions), and
// so is whatever else of Discord's syntax staff typed as text: a <@123>,
// <#123> or </close:1> gets a zero-width space after its "<", and a
// masked link [label](url), which would show the label and hide where it
// leads, one between "]" and "(". In Slack these were text; they stay
// text.
func SlackToDiscord(text string) string {
	out := slackToDiscord(text, false)
	if hasNewLink(out, text) {
		// An entity's text ran into its neighbours and made an address
		// Slack never showed ("<https://a.example>b.example" reads as one
		// address on Discord): set the entities apart with spaces.
		out = slackToDiscord(text, true)
	}
	return out
}

// slackToDiscord is SlackToDiscord; spaced puts a space between each
// entity's text and a neighbour that is not white space.
func slackToDiscord(text string, spaced bool) string {
	var b strings.Builder
	last := 0
	for _, at := range slackEntity.FindAllStringIndex(text, -1) {
		b.WriteString(text[last:at[0]])
		prev, _ := utf8.DecodeLastRuneInString(b.String())
		next, _ := utf8.DecodeRuneInString(text[at[1]:])
		if spaced && b.Len() > 0 && !unicode.IsSpace(prev) {
			b.WriteByte(' ')
		}
		b.WriteString(slackEntityText(text[at[0]+1 : at[1]-1]))
		if spaced && at[1] < len(text) && !unicode.IsSpace(next) {
			b.WriteByte(' ')
		}
		last = at[1]
	}
	b.WriteString(text[last:])
	text = b.String()
	text = slackUnescape.Replace(text)
	text = discordRoleMention.ReplaceAllString(text, "@"+zwsp+"role")
	text = discordEntity.ReplaceAllStringFunc(text, func(m string) string { return "<" + zwsp + m[1:] })
	text = strings.ReplaceAll(text, "](", "]"+zwsp+"(")
	return neutralizeMass(text)
}

// slackEntityText is the Discord text of one Slack entity, inner being
// what stands between its < and >.
func slackEntityText(inner string) string {
	target, label, hasLabel := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(target, "@&"):
		return "@" + zwsp + "role"
	case strings.HasPrefix(target, "!subteam^"):
		if hasLabel {
			return "@" + zwsp + strings.TrimPrefix(label, "@")
		}
		return "@" + zwsp + "team"
	case strings.HasPrefix(target, "!"):
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + zwsp + name
	case strings.HasPrefix(target, "@"):
		if hasLabel {
			return "@" + label
		}
		return "@" + target[1:]
	case strings.HasPrefix(target, "#"):
		if hasLabel {
			return "#" + label
		}
		return target
	case hasLabel && label != target:
		return label + " (" + target + ")"
	}
	return target
}

// discordLink matches what Discord makes a link of by itself: <https://…>,
// and a bare http(s) address (up to white space or <, not ending in
// punctuation).
var discordLink = regexp.MustCompile(`(?i)<https?://[^\s>]+>|https?://[^\s<]*[^<.,:;"')\]\s]`)

// hasNewLink reports whether out holds a link that slack, the Slack text
// it was made from, did not (as written, or with its escapes undone).
// Its rules are Discord's, so it may see an address where Slack showed
// none; then the entities are merely set apart.
func hasNewLink(out, slack string) bool {
	plain := slackUnescape.Replace(slack)
	for _, l := range discordLink.FindAllString(out, -1) {
		// The zero-width spaces that break mentions may sit inside an
		// address; it is still the Slack text's own.
		l = strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(l, "<"), ">"), zwsp, "")
		if !strings.Contains(slack, l) && !strings.Contains(plain, l) {
			return true
		}
	}
	return false
}

// AttachmentLinks lists attachments as links for a Discord text, one a
// line, each line starting with a newline: "\n📎 name: url".
func AttachmentLinks(atts []core.Attachment) string {
	var b strings.Builder
	for _, a := range atts {
		b.WriteString("\n📎 ")
		if a.Name != "" {
			b.WriteString(a.Name)
			b.WriteString(": ")
		}
		b.WriteString(a.URL)
	}
	return b.String()
}

// SplitText cuts text into parts of at most limit characters (runes),
// never dropping any: joined back together the parts are text. It prefers
// to cut after a newline, then after a space, in the second half of a
// part; otherwise it cuts mid-word. An empty text is one empty part.
func SplitText(text string, limit int) []string {
	if limit <= 0 || utf8.RuneCountInString(text) <= limit {
		return []string{text}
	}
	var parts []string
	for utf8.RuneCountInString(text) > limit {
		// Byte offset of the limit-th rune.
		end := 0
		for i := 0; i < limit; i++ {
			_, size := utf8.DecodeRuneInString(text[end:])
			end += size
		}
		cut := end
		window := text[:end]
		floor := len(window) / 2
		if i := strings.LastIndex(window, "\n"); i >= floor {
			cut = i + 1
		} else if i := strings.LastIndexFunc(window, unicode.IsSpace); i >= floor {
			_, size := utf8.DecodeRuneInString(window[i:])
			cut = i + size
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// slackEscape and slackUnescape write and read the three characters
// Slack escapes in message text (&, <, >); built once, used per message.
var (
	slackEscape   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)
