package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Attachments both ways. A client's files are uploaded into the ticket's
// thread (external upload flow) by a slack.files delivery that follows
// the message's text; the text lists them by name, and a file that
// cannot be uploaded shows as a link there instead. Staff's files are
// read here for the Discord adapter to upload (FetchFile).

// uploadLimit bounds the size of a file uploaded into a ticket's Slack
// thread; larger files stay links. Slack takes far more (1 GB), but the
// relay holds each file in memory and must download and upload it within
// one delivery attempt (outbox.Worker.SendTimeout, 20 s): 25 MiB leaves that
// attempt time on a modest link.
const uploadLimit = 25 << 20

// downloadClient fetches clients' files from Discord's CDN; the delivery's
// context bounds each download.
var downloadClient = &http.Client{}

var _ bot.FileFetcher = (*Adapter)(nil)

// FetchFile reads a file staff attached (bot.FileFetcher): att.URL is a
// file proxy link this adapter signed (fileLink), the bytes come from
// Slack with the bot token. Other URLs are not its files.
func (a *Adapter) FetchFile(ctx context.Context, att core.Attachment, limit int64) ([]byte, bool, error) {
	id, src, ok := a.parseFileLink(att.URL)
	if !ok {
		return nil, false, nil
	}
	buf := bot.LimitedBuffer{Limit: limit}
	if err := a.api.GetFileContext(ctx, src, &buf); err != nil {
		return nil, true, fmt.Errorf("slack file %s: %w", id, fileError(err))
	}
	return buf.Bytes(), true, nil
}

// parseFileLink returns the Slack file ID and private URL of a file proxy
// link, ok only for a link this adapter signed.
func (a *Adapter) parseFileLink(link string) (id, src string, ok bool) {
	rest, found := strings.CutPrefix(link, strings.TrimRight(a.cfg.PublicURL, "/")+filesPath)
	if !found {
		return "", "", false
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", "", false
	}
	rest, _, _ = strings.Cut(rest, "?")
	escID, escName, _ := strings.Cut(rest, "/")
	id, err1 := url.PathUnescape(escID)
	name, err2 := url.PathUnescape(escName)
	if err1 != nil || err2 != nil {
		return "", "", false
	}
	if src, _, _, ok = a.checkLink(id, name, u.Query()); !ok {
		return "", "", false
	}
	return id, src, true
}

// fileError maps a failed download of a Slack file: a file gone or
// refused (4xx, a URL slack-go will not send the token to, a redirect to
// the sign-in page) can never be read, a rate limit is retried when Slack
// says, anything else (5xx, network, time out) is retried.
func fileError(err error) error {
	var (
		sc  slack.StatusCodeError
		rl  *slack.RateLimitedError
		ne  net.Error
		ue  *url.Error
		too = errors.Is(err, bot.ErrFileTooLarge)
	)
	switch {
	case too, outbox.IsPermanent(err):
		return err
	case errors.As(err, &rl):
		return outbox.RetryAfter(rl.RetryAfter, err)
	case errors.As(err, &sc):
		if perm := bot.StatusError(sc.Code); outbox.IsPermanent(perm) {
			return outbox.Permanent(err)
		}
		return err
	case errors.As(err, &ne), errors.As(err, &ue), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	}
	return outbox.Permanent(err)
}

// attachmentText is the text of a relayed message's last part: text, then
// a line per attachment: its link when link(i), its name otherwise (the
// file itself follows in the thread).
func attachmentText(lang i18n.Locale, text string, files []core.Attachment, link func(i int) bool) string {
	var lines []string
	for i, f := range files {
		name := f.Name
		if name == "" {
			name = i18n.T(lang, "adapters.slack.attachment")
		}
		if link(i) {
			lines = append(lines, fmt.Sprintf("📎 <%s|%s>", linkTarget(f.URL), escapeText(name)))
		} else {
			lines = append(lines, "📎 "+escapeText(name))
		}
	}
	if len(lines) == 0 {
		return text
	}
	if strings.TrimSpace(text) != "" {
		text += "\n"
	}
	return text + strings.Join(lines, "\n")
}

// uploadFiles uploads a relayed message's attachments into the ticket's
// thread (a slack.files delivery) and returns their file IDs, in order,
// comma-separated ("" for a file that stayed a link). Files an earlier
// attempt uploaded are not uploaded again; a file too large or that can
// never be downloaded shows as a link on the message's last part; a
// download that may succeed later fails the delivery, to be retried. A
// message deleted before its files went gets none.
func (a *Adapter) uploadFiles(ctx context.Context, d *core.Delivery, p bot.SlackFilesPayload) (string, error) {
	channel, threadTS, err := a.thread(ctx, p.TicketID)
	if err != nil {
		return "", err
	}
	m, err := a.messageByID(ctx, p.MessageID)
	if err != nil {
		return "", err
	}
	ids := make([]string, len(p.Files))
	if m.DeletedAt != nil {
		return bot.JoinTargetIDs(ids), nil
	}
	earlier, err := a.findUploaded(ctx, d, channel, threadTS, p.TicketID, p.Files)
	if err != nil {
		return "", err
	}
	linked := make([]bool, len(p.Files))
	links := false
	for i, f := range p.Files {
		if id, ok := earlier[i]; ok {
			ids[i] = id
			continue
		}
		id, err := a.uploadFile(ctx, channel, threadTS, f)
		if bot.FileUnavailable(err) {
			a.log.Info("attachment relayed as a link", "ticket", p.TicketID, "message", p.MessageID, "file", f.Name, "reason", err)
			linked[i], links = true, true
			continue
		}
		if err != nil {
			return "", err
		}
		ids[i] = id
	}
	if links {
		if err := a.showLinks(ctx, d, m, channel, threadTS, p, linked); err != nil {
			return "", err
		}
	}
	return bot.JoinTargetIDs(ids), nil
}

// uploadFile downloads a client's file and uploads it into the thread.
// Errors: as bot.FetchURL for the download, ErrFileTooLarge above
// uploadLimit, Slack's for the upload.
func (a *Adapter) uploadFile(ctx context.Context, channel, threadTS string, f core.Attachment) (string, error) {
	if f.Size > uploadLimit {
		return "", fmt.Errorf("%d bytes: %w", f.Size, bot.ErrFileTooLarge)
	}
	data, err := bot.FetchURL(ctx, downloadClient, f.URL, uploadLimit)
	if err != nil {
		return "", err
	}
	if len(data) == 0 {
		return "", outbox.Permanent(errors.New("empty file: Slack takes none"))
	}
	name := uploadName(f)
	sum, err := a.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader: bytes.NewReader(data), FileSize: len(data), Filename: name, Title: name,
		Channel: channel, ThreadTimestamp: threadTS,
	})
	switch slackCode(err) {
	case "":
	case "missing_scope", "not_allowed_token_type", "file_uploads_disabled", "file_upload_size_restricted":
		// The workspace or the app's scopes refuse uploads (an install
		// without files:write): the file travels as a link.
		return "", outbox.Permanent(fmt.Errorf("Slack refuses the upload: %w", err))
	}
	if err != nil {
		return "", err
	}
	return sum.ID, nil
}

// uploadName is the name a client's file is uploaded under.
func uploadName(f core.Attachment) string {
	if f.Name == "" {
		return "attachment"
	}
	return f.Name
}

// findUploaded finds the files an earlier attempt of d uploaded into the
// thread, by attachment index. Only a delivery that may have been tried
// before looks (core.Store.MayHaveBeenTried), at the bot's file shares since
// shortly before d was queued, leaving out the files another slack.files
// delivery of the ticket recorded: a stream sends one delivery at a
// time, so what is left was shared by d. They are matched to the
// attachments by name and size, in order.
func (a *Adapter) findUploaded(ctx context.Context, d *core.Delivery, channel, threadTS string, ticketID int64, files []core.Attachment) (map[int]string, error) {
	found := map[int]string{}
	if tried, err := a.store.MayHaveBeenTried(ctx, d); err != nil || !tried {
		return found, err
	}
	others, err := a.store.TicketDeliveries(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, o := range others {
		if o.Kind == bot.KindSlackFiles && o.ID != d.ID && o.Status == core.DeliveryDone {
			for _, id := range strings.Split(o.RemoteID, ",") {
				taken[id] = true
			}
		}
	}
	botUser := ""
	if rs := a.relayState(); rs != nil {
		botUser = rs.botUser()
	}
	var shared []slack.File
	read := repliesPager(slack.GetConversationRepliesParameters{
		ChannelID: channel, Timestamp: threadTS, Oldest: lookBackFrom(d), Limit: 200,
	}, a.api.GetConversationRepliesContext)
	_, err = eachPage(ctx, read, 50, func(msgs []slack.Message) error {
		for _, m := range msgs {
			for _, f := range m.Files {
				ours := f.User == botUser
				if botUser == "" {
					ours = m.BotID != ""
				}
				if ours && !taken[f.ID] {
					shared = append(shared, f)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	used := make([]bool, len(shared))
	for i, at := range files {
		for j, f := range shared {
			if !used[j] && f.Name == uploadName(at) && (at.Size == 0 || int64(f.Size) == at.Size) {
				used[j], found[i] = true, f.ID
				a.log.Info("file found from an earlier attempt; not uploaded again", "delivery", d.ID, "file", f.ID)
				break
			}
		}
	}
	return found, nil
}

// showLinks shows the files that stayed links (linked) as links on the
// message's last part, which listed them by name; when that part never
// reached Slack (parked), the links are posted on their own.
func (a *Adapter) showLinks(ctx context.Context, d *core.Delivery, m *core.Message, channel, threadTS string, p bot.SlackFilesPayload, linked []bool) error {
	link := func(i int) bool { return linked[i] }
	if targets := bot.TargetIDs(m); len(targets) == p.Parts {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, targets[len(targets)-1],
			slack.MsgOptionText(attachmentText(a.channelLocale(channel), p.LastText, p.Files, link), false))
		if slackCode(err) == "message_not_found" {
			return nil
		}
		return err
	}
	var only []core.Attachment
	for i, f := range p.Files {
		if linked[i] {
			only = append(only, f)
		}
	}
	all := func(int) bool { return true }
	_, err := a.postParts(ctx, d, channel, threadTS, []string{attachmentText(a.channelLocale(channel), "", only, all)}, slack.MsgOptionUsername(clip(m.AuthorName, 80)))
	return err
}

// deleteFiles deletes the files uploaded for a relayed message (the
// remote ID of its slack.files delivery); a file already gone is fine.
func (a *Adapter) deleteFiles(ctx context.Context, messageID int64) error {
	ids, err := a.store.DoneRemoteID(ctx, nil, messageID, bot.KindSlackFiles)
	if err != nil {
		return err
	}
	for _, id := range strings.Split(ids, ",") {
		if id == "" {
			continue
		}
		if err := a.api.DeleteFileContext(ctx, id); err != nil && slackCode(err) != "file_not_found" && slackCode(err) != "file_deleted" {
			return err
		}
	}
	return nil
}
