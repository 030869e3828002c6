package slack

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// The Slack Web API calls the Sender makes, with their failures mapped to
// the delivery worker's vocabulary.

// deliveryMetadataType is the event_type of the message metadata the
// Sender attaches to everything it posts, naming the delivery, so that a
// delivery retried after a crash between posting and recording finds its
// earlier post instead of posting twice.
const deliveryMetadataType = "jayaya_delivery"

// permanentCodes are Slack error codes that no retry can fix: the
// conversation, thread or message is gone, the bot was removed or its token
// revoked, or the request itself is refused.
var permanentCodes = map[string]bool{
	"channel_not_found": true, "thread_not_found": true, "message_not_found": true,
	"not_in_channel": true, "is_archived": true, "is_inactive": true, "channel_is_archived": true,
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "no_permission": true, "missing_scope": true, "not_allowed_token_type": true,
	"team_access_not_granted": true, "ekm_access_denied": true, "restricted_action": true,
	"cant_update_message": true, "cant_delete_message": true, "edit_window_closed": true,
	"msg_too_long": true, "no_text": true, "invalid_blocks": true, "invalid_blocks_format": true,
	"invalid_attachments": true, "too_many_attachments": true, "invalid_name": true,
	"invalid_metadata_format": true, "invalid_metadata_schema": true, "metadata_too_large": true,
	"user_not_found": true, "user_not_in_channel": true, "user_disabled": true, "cannot_dm_bot": true,
	"invalid_arguments": true, "invalid_arg_name": true, "invalid_ts_latest": true, "invalid_ts_oldest": true,
}

// deliveryError maps a Slack failure for the delivery worker: a 429 or
// "ratelimited" is retried when Slack says, a permanent code parks the
// delivery, anything else (5xx, internal_error, network) is retried with
// backoff.
func deliveryError(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return outbox.NotSent(max(rl.RetryAfter, time.Second), err)
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch {
		case se.Err == "ratelimited":
			return outbox.NotSent(time.Second, err)
		case permanentCodes[se.Err]:
			return outbox.Permanent(err)
		}
		return err
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code >= 400 && sc.Code < 500 && sc.Code != 408 && sc.Code != 429 {
			return outbox.Permanent(err)
		}
		return err
	}
	return err
}

// slackCode returns the Slack error code of err, or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// deliveryMetadata names d on the message it posts (part is the piece of a
// split text, 0 for the first).
func deliveryMetadata(d *core.Delivery, part int) slack.MsgOption {
	return slack.MsgOptionMetadata(slack.SlackMetadata{
		EventType: deliveryMetadataType,
		EventPayload: map[string]any{
			"delivery_id": strconv.FormatInt(d.ID, 10),
			"part":        strconv.Itoa(part),
		},
	})
}

// metadataMatches reports whether m was posted for delivery id, part.
func metadataMatches(m slack.Msg, id int64, part int) bool {
	md := m.Metadata
	if md.EventType != deliveryMetadataType || md.EventPayload == nil {
		return false
	}
	did, _ := md.EventPayload["delivery_id"].(string)
	p, _ := md.EventPayload["part"].(string)
	return did == strconv.FormatInt(id, 10) && p == strconv.Itoa(part)
}

// findPosted looks for what an earlier attempt of d already posted: in the
// thread threadTS of channel, or among the channel's top-level messages when
// threadTS is empty. It returns the ts of every part found, by part number.
// Only deliveries that may have been tried before look: retried ones, and
// first attempts queued before the database last started (a crash of the
// database may have lost the claim that counted an earlier attempt; the
// claims of a running database are not lost). They look only at messages
// since shortly before d was created.
func (a *Adapter) findPosted(ctx context.Context, d *core.Delivery, channel, threadTS string) (map[int]string, error) {
	found := map[int]string{}
	if tried, err := a.store.MayHaveBeenTried(ctx, d); err != nil || !tried {
		return found, err
	}
	oldest := lookBackFrom(d)
	check := func(msgs []slack.Message) error {
		for _, m := range msgs {
			if m.Metadata.EventType != deliveryMetadataType {
				continue
			}
			for part := 0; part < 100; part++ {
				if metadataMatches(m.Msg, d.ID, part) {
					found[part] = m.Timestamp
					break
				}
			}
		}
		return nil
	}
	read := repliesPager(slack.GetConversationRepliesParameters{
		ChannelID: channel, Timestamp: threadTS, Oldest: oldest, Limit: 200, IncludeAllMetadata: true,
	}, a.api.GetConversationRepliesContext)
	if threadTS == "" {
		read = func(ctx context.Context, cursor string) ([]slack.Message, string, error) {
			resp, err := a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: oldest, Cursor: cursor, Limit: 200, IncludeAllMetadata: true,
			})
			if err != nil {
				return nil, "", err
			}
			if !resp.HasMore {
				return resp.Messages, "", nil
			}
			return resp.Messages, resp.ResponseMetaData.NextCursor, nil
		}
	}
	if _, err := eachPage(ctx, read, 50, check); err != nil {
		return nil, err
	}
	return found, nil
}

// messagePage reads one page of messages from cursor ("" for the first)
// and returns the cursor of the next page, "" after the last.
type messagePage func(ctx context.Context, cursor string) (msgs []slack.Message, next string, err error)

// repliesPager reads a thread's replies as p asks, page by page, with get
// (the API's conversations.replies, or a wrapper waiting out 429s).
func repliesPager(p slack.GetConversationRepliesParameters, get func(context.Context, *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)) messagePage {
	return func(ctx context.Context, cursor string) ([]slack.Message, string, error) {
		q := p
		q.Cursor = cursor
		msgs, more, next, err := get(ctx, &q)
		if !more {
			next = ""
		}
		return msgs, next, err
	}
}

// eachPage hands fn every page read gives, at most pages of them, and
// stops at the first error. It reports whether it read the last page.
func eachPage(ctx context.Context, read messagePage, pages int, fn func([]slack.Message) error) (bool, error) {
	cursor := ""
	for range pages {
		msgs, next, err := read(ctx, cursor)
		if err != nil {
			return false, err
		}
		if err := fn(msgs); err != nil {
			return false, err
		}
		if next == "" {
			return true, nil
		}
		cursor = next
	}
	return false, nil
}

// lookBackFrom is the oldest ts where what an earlier attempt of d posted
// is looked for: shortly before d was created.
func lookBackFrom(d *core.Delivery) string {
	return strconv.FormatInt(d.CreatedAt.Add(-10*time.Minute).Unix(), 10) + ".000000"
}

// postParts posts text (split to Slack's limit) in channel, in thread
// threadTS when set, with opts, skipping parts an earlier attempt of d
// already posted. It returns the ts of the first part.
func (a *Adapter) postParts(ctx context.Context, d *core.Delivery, channel, threadTS string, parts []string, opts ...slack.MsgOption) (string, error) {
	posted, err := a.findPosted(ctx, d, channel, threadTS)
	if err != nil {
		return "", err
	}
	first := posted[0]
	for i, text := range parts {
		if ts, ok := posted[i]; ok {
			if i == 0 {
				first = ts
			}
			continue
		}
		o := append([]slack.MsgOption{slack.MsgOptionText(text, false), deliveryMetadata(d, i)}, opts...)
		if threadTS != "" {
			o = append(o, slack.MsgOptionTS(threadTS))
		}
		_, ts, err := a.api.PostMessageContext(ctx, channel, o...)
		if err != nil {
			return "", err
		}
		if i == 0 {
			first = ts
		}
	}
	return first, nil
}

// react adds the bot's reaction; a reaction already there is success.
func (a *Adapter) react(ctx context.Context, channel, ts, name string) error {
	err := a.api.AddReactionContext(ctx, name, slack.NewRefToMessage(channel, ts))
	if slackCode(err) == "already_reacted" {
		return nil
	}
	return err
}
