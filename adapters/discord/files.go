package discord

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// Relayed attachments are uploaded with the last part of their message,
// through the webhook (multipart: payload_json and files[n]), so that
// deleting the message deletes them too. What cannot be uploaded stays a
// link in the text.

// uploadLimit bounds the bytes of the files uploaded with one webhook
// message: Discord refuses more than 10 MiB of attachments per message in
// a guild without boosts. Files beyond it travel as links.
const uploadLimit = 10 << 20

// maxFiles is how many attachments Discord takes on one message.
const maxFiles = 10

// prepareFiles downloads the attachments to upload with a message's last
// part, in order, while they fit within uploadLimit and maxFiles, and
// returns the part's text, with the links of the attachments that stay
// links appended, and the files. An attachment too large or that can
// never be downloaded stays a link; any other download failure is
// returned, for the delivery to be retried.
func (a *Adapter) prepareFiles(ctx context.Context, text string, atts []core.Attachment) (string, []*discordgo.File, error) {
	if len(atts) == 0 {
		return text, nil, nil
	}
	names := uploadNames(atts)
	var (
		files  []*discordgo.File
		linked []core.Attachment
		budget int64 = uploadLimit
	)
	for i, at := range atts {
		if len(files) == maxFiles || at.Size > budget {
			linked = append(linked, at)
			continue
		}
		data, err := a.fetchFile(ctx, at, budget)
		if bot.FileUnavailable(err) {
			a.log.Info("attachment relayed as a link", "file", at.Name, "reason", err)
			linked = append(linked, at)
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("download attachment %q: %w", at.Name, err)
		}
		budget -= int64(len(data))
		files = append(files, &discordgo.File{Name: names[i], ContentType: at.ContentType, Reader: bytes.NewReader(data)})
	}
	return withLinks(text, linked), files, nil
}

// fetchFile downloads an attachment: through Files when it is one of its
// files, from its URL otherwise.
func (a *Adapter) fetchFile(ctx context.Context, at core.Attachment, limit int64) ([]byte, error) {
	if a.Files != nil {
		if data, handled, err := a.Files.FetchFile(ctx, at, limit); handled {
			return data, err
		}
	}
	return bot.FetchURL(ctx, a.dg.Client, at.URL, limit)
}

// withLinks appends the links of attachments to a part's text.
func withLinks(text string, linked []core.Attachment) string {
	links := bot.AttachmentLinks(linked)
	if strings.TrimSpace(text) == "" {
		return strings.TrimPrefix(links, "\n")
	}
	return text + links
}

// uploadNames are the names a message's attachments are uploaded under,
// in order: letters, digits, '.', '-' and '_' only (so that Discord has
// nothing to rewrite), at most 100 bytes, never twice the same on one
// message, so that the files found on a message match its attachments.
func uploadNames(atts []core.Attachment) []string {
	out := make([]string, len(atts))
	seen := map[string]bool{}
	for i, at := range atts {
		name := strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
				return r
			}
			return '_'
		}, at.Name)
		name = strings.TrimLeft(name, ".")
		if name == "" {
			name = "attachment"
		}
		if len(name) > 100 {
			ext := path.Ext(name)
			if len(ext) > 20 {
				ext = ""
			}
			name = name[:100-len(ext)] + ext
		}
		base, ext := strings.TrimSuffix(name, path.Ext(name)), path.Ext(name)
		for n := 2; seen[name]; n++ {
			name = fmt.Sprintf("%s-%d%s", base, n, ext)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// editText is the text of an edited message: with Files, the links of
// the attachments not uploaded on its parts (targets) are appended. It
// also returns the parts that carry files, which an edit must not delete.
func (a *Adapter) editText(ctx context.Context, tg target, wh *discordgo.Webhook, targets []string, p bot.DiscordEditPayload) (string, map[string]bool, error) {
	if len(p.Files) == 0 {
		return p.Text, nil, nil
	}
	onDiscord := map[string]int{}
	carriers := map[string]bool{}
	for _, id := range targets {
		m, err := a.readPart(ctx, tg, wh, id)
		if err != nil {
			return "", nil, err
		}
		if m == nil {
			continue
		}
		for _, at := range m.Attachments {
			onDiscord[at.Filename]++
			carriers[id] = true
		}
	}
	return withLinks(p.Text, notCarried(p.Files, onDiscord)), carriers, nil
}

// notCarried returns the attachments that are not among the files on
// Discord (counted by name, each name taken once per file): those that
// travel as links.
func notCarried(atts []core.Attachment, onDiscord map[string]int) []core.Attachment {
	var linked []core.Attachment
	for i, name := range uploadNames(atts) {
		if onDiscord[name] > 0 {
			onDiscord[name]--
			continue
		}
		linked = append(linked, atts[i])
	}
	return linked
}

// postedAs reports whether m is what postPart posts for text and atts:
// the text with the links of the attachments m does not carry.
func postedAs(m *discordgo.Message, text string, atts []core.Attachment) bool {
	if len(atts) == 0 {
		return m.Content == sendableText(text)
	}
	onMessage := map[string]int{}
	for _, at := range m.Attachments {
		onMessage[at.Filename]++
	}
	want := withLinks(text, notCarried(atts, onMessage))
	if len(m.Attachments) == 0 {
		want = sendableText(want)
	}
	return m.Content == want
}
