package demo

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Slack's mrkdwn and Discord's markdown, turned into safe HTML for the
// page: everything is escaped first, then the few markers people use are
// applied.

var (
	slackEntity  = regexp.MustCompile(`<([^<>]*)>`)
	placeholder  = regexp.MustCompile("\x01[0-9]+\x01")
	slackBold    = regexp.MustCompile(`(^|[\s(])\*([^*\n]+)\*`)
	slackItalic  = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
	slackStrike  = regexp.MustCompile(`(^|[\s(])~([^~\n]+)~`)
	inlineCode   = regexp.MustCompile("`([^`\n]+)`")
	discordBold  = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	slackArchive = regexp.MustCompile(`^https://slack\.com/archives/([A-Z0-9]+)/p(\d{10})(\d{6})$`)
)

// names resolves Slack user and channel IDs for display.
type names interface {
	userName(id string) string
	channelName(id string) string
}

// mrkdwn renders Slack mrkdwn text (with its &amp; &lt; &gt; escapes and
// <…> entities) as HTML.
func mrkdwn(text string, n names) template.HTML {
	// Entities become placeholders first, so that markers around them
	// (*<url|name>*) still pair up, and nothing inside them is styled.
	var ents []string
	plain := slackEntity.ReplaceAllStringFunc(text, func(e string) string {
		ents = append(ents, slackEntityHTML(e[1:len(e)-1], n))
		return "\x01" + strconv.Itoa(len(ents)-1) + "\x01"
	})
	out := placeholder.ReplaceAllStringFunc(slackStyle(plain), func(ph string) string {
		i, _ := strconv.Atoi(ph[1 : len(ph)-1])
		return ents[i]
	})
	return template.HTML(out)
}

// slackStyle escapes plain mrkdwn text and applies bold, italics,
// strike-through, code and line breaks.
func slackStyle(s string) string {
	s = template.HTMLEscapeString(html.UnescapeString(s))
	s = inlineCode.ReplaceAllString(s, "<code>$1</code>")
	s = slackBold.ReplaceAllString(s, "$1<strong>$2</strong>")
	s = slackItalic.ReplaceAllString(s, "$1<em>$2</em>")
	s = slackStrike.ReplaceAllString(s, "$1<del>$2</del>")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// slackEntityHTML renders one <…> entity: a mention, a channel, a special
// mention or a link.
func slackEntityHTML(e string, n names) string {
	target, label, _ := strings.Cut(e, "|")
	esc := func(s string) string { return template.HTMLEscapeString(html.UnescapeString(s)) }
	switch {
	case strings.HasPrefix(target, "@"):
		return `<span class="mention">@` + esc(n.userName(target[1:])) + `</span>`
	case strings.HasPrefix(target, "#"):
		if label == "" {
			label = n.channelName(target[1:])
		}
		return `<span class="mention">#` + esc(label) + `</span>`
	case strings.HasPrefix(target, "!"):
		name, _, _ := strings.Cut(target[1:], "^")
		return `<span class="mention">@` + esc(name) + `</span>`
	}
	if label == "" {
		label = target
	}
	href, ok := safeHref(html.UnescapeString(target))
	if !ok {
		return esc(label)
	}
	return `<a href="` + template.HTMLEscapeString(href) + `">` + esc(label) + `</a>`
}

// safeHref keeps http(s) links, and turns links to a Slack thread into a
// link to that message on this page (the real Slack is not involved).
func safeHref(raw string) (string, bool) {
	if m := slackArchive.FindStringSubmatch(raw); m != nil {
		return "#msg-" + m[2] + "-" + m[3], true
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	return u.String(), true
}

// discordMarkdown renders a Discord message's text as HTML.
func discordMarkdown(text string) template.HTML {
	s := template.HTMLEscapeString(text)
	s = inlineCode.ReplaceAllString(s, "<code>$1</code>")
	s = discordBold.ReplaceAllString(s, "<strong>$1</strong>")
	return template.HTML(strings.ReplaceAll(s, "\n", "<br>"))
}

// discordChannelMention is a channel mention, <#id>, once escaped.
var discordChannelMention = regexp.MustCompile(`&lt;#(\d+)&gt;`)

// discordMentions shows the channel mentions of escaped text the way
// Discord does, as #name.
func discordMentions(s template.HTML, channelName func(id string) string) template.HTML {
	return template.HTML(discordChannelMention.ReplaceAllStringFunc(string(s), func(m string) string {
		id := discordChannelMention.FindStringSubmatch(m)[1]
		return `<span class="mention">#` + template.HTMLEscapeString(channelName(id)) + `</span>`
	}))
}

// anchor is the HTML id of a Slack message, "msg-<seconds>-<micros>", or
// "" for one without a ts (an immediate answer).
func anchor(ts string) string {
	if ts == "" {
		return ""
	}
	return "msg-" + strings.ReplaceAll(ts, ".", "-")
}

// emoji maps the reaction names the product uses to their glyphs.
var emoji = map[string]string{
	"white_check_mark": "✅", "warning": "⚠️", "lock": "🔒", "eyes": "👀", "x": "❌",
}

// slackEmoji is a Slack reaction's glyph, or its :name:.
func slackEmoji(name string) string {
	if e, ok := emoji[name]; ok {
		return e
	}
	return ":" + name + ":"
}
