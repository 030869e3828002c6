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
	text = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(text)
	return neutralizeMass(text)
}

// SlackToDiscord turns Slack mrkdwn into Discord text that pings nobody:
// <!channel>, <!here>, <!everyone> and user-group mentions become inert
// words, <@U…|name> becomes @name, links become "label (url)" or the bare
// URL, and Slack's escapes are undone. Discord's own @everyone/@here and
// role mentions are broken too (the webhook also sends no mentions), and
// so is whatever else of Discord's syntax staff typed as text: a <@123>,
// <#123> or </close:1> gets a zero-width space after its "<", and a
// masked link [label](url), which would show the label and hide where it
// leads, one between "]" and "(". In Slack these were text; they stay
// text.
func SlackToDiscord(text string) string {
	text = slackEntity.ReplaceAllStringFunc(text, func(m string) string {
		inner := m[1 : len(m)-1]
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
	})
	text = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(text)
	text = discordRoleMention.ReplaceAllString(text, "@"+zwsp+"role")
	text = discordEntity.ReplaceAllStringFunc(text, func(m string) string { return "<" + zwsp + m[1:] })
	text = strings.ReplaceAll(text, "](", "]"+zwsp+"(")
	return neutralizeMass(text)
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
