package slack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// dmGoneCodes are the Slack errors saying a DM can never reach its user:
// such a delivery is parked, not retried.
var dmGoneCodes = map[string]bool{
	"user_not_found": true, "user_disabled": true, "account_inactive": true, "cannot_dm_bot": true,
	"channel_not_found": true, "is_archived": true,
}

// dmChannels caches the DM conversation of each Slack user, so that a DM
// costs one Web API call (chat.postMessage) after the first.
type dmChannels struct {
	mu sync.Mutex
	m  map[string]string
}

func (a *Adapter) dms() *dmChannels {
	a.dmOnce.Do(func() { a.dmCache = &dmChannels{m: map[string]string{}} })
	return a.dmCache
}

// deliverDM sends a slack.dm delivery (bot.DMPayload): it re-checks that
// the DM is still wanted (bot.DMStillWanted; a task done or deleted, or a
// user removed, completes the delivery without sending anything), opens
// the DM with conversations.open and posts the text and sections with
// chat.postMessage. A retried delivery first looks for what an earlier
// attempt posted. A user Slack says is gone parks the delivery; a rate
// limit retries it when Slack says.
func (a *Adapter) deliverDM(ctx context.Context, d *core.Delivery) (string, error) {
	p, err := bot.DecodeDM(d)
	if err != nil {
		return "", outbox.Permanent(err)
	}
	ok, why, err := bot.DMStillWanted(ctx, a.store, p)
	if err != nil {
		return "", err
	}
	if !ok {
		a.log.Info("DM no longer wanted; not sent", "delivery", d.ID, "user", p.UserID, "task", p.TaskID, "reason", why)
		return "", nil
	}
	channel, err := a.dmChannel(ctx, p.SlackUserID)
	if err != nil {
		return "", dmError(err)
	}
	if posted, err := a.findPosted(ctx, d, channel, ""); err != nil {
		return "", dmError(err)
	} else if ts, ok := posted[0]; ok {
		return ts, nil
	}
	rep := bot.Reply{Text: p.Text, Sections: p.Sections, Lang: p.Lang}
	_, ts, err := a.api.PostMessageContext(ctx, channel, slack.MsgOptionText(fallbackText(rep), false),
		slack.MsgOptionBlocks(renderReply(rep)...), deliveryMetadata(d, 0))
	if slackCode(err) == "channel_not_found" {
		a.dms().forget(p.SlackUserID)
	}
	return ts, dmError(err)
}

// dmChannel opens (or recalls) the bot's DM with a Slack user.
func (a *Adapter) dmChannel(ctx context.Context, slackUser string) (string, error) {
	c := a.dms()
	c.mu.Lock()
	id, ok := c.m[slackUser]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{slackUser}})
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.m[slackUser] = ch.ID
	c.mu.Unlock()
	return ch.ID, nil
}

func (c *dmChannels) forget(slackUser string) {
	c.mu.Lock()
	delete(c.m, slackUser)
	c.mu.Unlock()
}

// dmError classifies a Slack error of a DM: gone users are permanent, rate
// limits are retried when Slack asks, anything else with backoff.
func dmError(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return outbox.RetryAfter(max(rl.RetryAfter, time.Second), err)
	}
	if code := slackCode(err); dmGoneCodes[code] {
		return outbox.Permanent(fmt.Errorf("DM cannot be delivered: %w", err))
	}
	return deliveryError(err)
}
