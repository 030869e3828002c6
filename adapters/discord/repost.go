package discord

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// discordEpoch is the start of Discord's snowflake clock (2015-01-01 UTC),
// in Unix milliseconds.
const discordEpoch = 1420070400000

// snowflakeAt is the smallest snowflake of instant t: every message created
// at t or later has a greater ID.
func snowflakeAt(t time.Time) string {
	ms := t.UnixMilli() - discordEpoch
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatInt(ms<<22, 10)
}

// postLookBack is how long before its delivery was queued an earlier copy
// of a webhook post is looked for (clock skew between the product and
// Discord).
const postLookBack = time.Minute

// findWebhookPost looks for the message an earlier attempt of d may have
// posted in tg's thread through a webhook of the pool: a webhook post has no key of
// its own (webhooks take no nonce), so a send whose answer was lost (a
// timeout, a crash before its outcome was recorded, a database crash that
// lost the record) would otherwise post the text twice.
//
// Only deliveries that may have been tried before look: retried ones, and
// first attempts queued before the database last started. The copy is the
// oldest post in the thread since shortly before d
// was queued, through a webhook the pool has or ever had (the ticket's
// may have been deleted and created again since the earlier attempt),
// with the same author name and text (with files: the text
// and the links of the files it does not carry, see postedAs) that no
// message of the ticket records as its copy; a stream sends one delivery
// at a time, so posts of the same text are adopted in the order they were
// sent. It returns "" when there is none.
func (a *Adapter) findWebhookPost(ctx context.Context, d *core.Delivery, tg target, author, text string, files []core.Attachment) (string, error) {
	if tried, err := a.store.MayHaveBeenTried(ctx, d); err != nil || !tried {
		return "", err
	}
	pool, thread := a.pool(tg.channel), tg.thread
	after := snowflakeAt(d.CreatedAt.Add(-postLookBack))
	username := webhookUsername(author)
	var candidates []string
	for page := 0; page < catchUpPages; page++ {
		msgs, err := a.fetchAfter(ctx, thread, after)
		if err != nil {
			return "", err
		}
		for _, m := range msgs {
			if snowflakeLess(after, m.ID) {
				after = m.ID
			}
			if m.WebhookID != "" && pool.isOurs(m.WebhookID) && postedAs(m, text, files) && (m.Author == nil || m.Author.Username == username) {
				candidates = append(candidates, m.ID)
			}
		}
		if len(msgs) < 100 {
			break
		}
	}
	if len(candidates) == 0 {
		return "", nil
	}
	sort.Slice(candidates, func(i, j int) bool { return snowflakeLess(candidates[i], candidates[j]) })
	var ticketID int64
	if d.TicketID != nil {
		ticketID = *d.TicketID
	}
	taken, err := a.store.RecordedTargets(ctx, ticketID, candidates)
	if err != nil {
		return "", err
	}
	for _, id := range candidates {
		if !taken[id] {
			a.log.Info("webhook post found from an earlier attempt; not posted again", "delivery", d.ID, "message", id)
			return id, nil
		}
	}
	return "", nil
}

// sendableText is text as postPart sends it.
func sendableText(text string) string {
	if strings.TrimSpace(text) == "" {
		return "(empty message)"
	}
	return text
}

// relayPost posts one part of a relayed message, unless an earlier attempt
// of d posted it already (findWebhookPost).
func (a *Adapter) relayPost(ctx context.Context, d *core.Delivery, tg target, p bot.DiscordPostPayload) (string, error) {
	wh, err := a.webhookOf(ctx, tg)
	if err != nil {
		return "", err
	}
	if id, err := a.findWebhookPost(ctx, d, tg, p.AuthorName, p.Text, p.Files); err != nil || id != "" {
		return id, err
	}
	return a.postPart(ctx, tg, wh, p.AuthorName, p.AvatarURL, p.Text, p.Files)
}
