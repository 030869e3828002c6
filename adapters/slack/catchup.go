package slack

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Slack retries an unacknowledged event only a few times, within minutes:
// staff replies written while the product is down longer, or while its
// Socket Mode connection is lost, never arrive as events. The catch-up
// reads them back from the ticket threads.

const (
	// catchUpPages bounds how many pages of conversations.replies are
	// read per thread in one catch-up.
	catchUpPages = 50
	// catchUpPageSize is the limit asked of each page.
	catchUpPageSize = 200
	// catchUpTries bounds how often one page is asked for while Slack
	// answers 429.
	catchUpTries = 10
	// catchUpSkew widens the catch-up's window back in time, for replicas
	// whose clocks differ a little: reading again what is stored is
	// harmless.
	catchUpSkew = time.Minute
)

// threadGoneCodes are the conversations.replies errors that mean a
// ticket's thread can no longer be read: the catch-up skips it.
var threadGoneCodes = map[string]bool{"thread_not_found": true, "channel_not_found": true, "not_in_channel": true}

// CatchUp relays the staff replies written in ticket threads while the
// product was not receiving Slack's events: for each open ticket's thread,
// in whichever channel it was routed to, it reads conversations.replies after the newest ts
// stored for the ticket before since, less a minute (from the root when
// none is), and hands every reply, oldest first, to the same handling as
// a live message event. since is when events flowed again (the start,
// the reconnection): a reply stored live after it must not hide older
// ones nobody received. The bot's own posts and subtypes the relay does
// not handle are dropped there; a reply already stored is a no-op (messages are keyed by their
// channel and ts) and a refusal is explained once per message. So it is safe when
// several replicas catch up at once, or while live events arrive.
//
// A 429 is waited out (Retry-After, a bounded number of times); a thread
// that is gone (thread_not_found, channel_not_found, not_in_channel) is
// logged and skipped; any other error stops the catch-up and is returned
// (the next start or reconnection runs it again). It does nothing when
// the relay is off (SetRelay not called).
func (a *Adapter) CatchUp(ctx context.Context, since time.Time) error {
	rs := a.relayState()
	if rs == nil {
		return nil
	}
	threads, err := a.store.OpenSlackThreads(ctx, since.Add(-catchUpSkew))
	if err != nil {
		return err
	}
	seen, read := 0, 0
	for _, th := range threads {
		n, err := a.catchUpThread(ctx, rs, th.ChannelID, th.ThreadTS, th.LastSeenTS)
		seen += n
		if threadGoneCodes[slackCode(err)] {
			a.log.Warn("catch-up: ticket thread unreachable; skipped", "ticket", th.TicketID,
				"channel", th.ChannelID, "thread", th.ThreadTS, "err", err)
			continue
		}
		if err != nil {
			return err
		}
		read++
	}
	a.log.Info("slack catch-up done", "threads", read, "replies_seen", seen)
	return nil
}

// catchUpInBackground runs CatchUp without holding up its caller, and
// logs how it ended.
func (a *Adapter) catchUpInBackground(ctx context.Context, since time.Time, done func()) {
	go func() {
		defer done()
		if err := a.CatchUp(ctx, since); err != nil && ctx.Err() == nil {
			a.log.Error("slack catch-up stopped; it runs again at the next start or reconnection", "err", err)
		}
	}()
}

// catchUpThread hands every reply of one thread newer than after to
// onMessageEvent, oldest first, and returns how many replies it saw.
func (a *Adapter) catchUpThread(ctx context.Context, rs *relayState, channel, threadTS, after string) (int, error) {
	seen := 0
	read := repliesPager(slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: threadTS, Oldest: after,
		Inclusive: false, Limit: catchUpPageSize}, a.repliesPage)
	all, err := eachPage(ctx, read, catchUpPages, func(msgs []slack.Message) error {
		sort.SliceStable(msgs, func(i, j int) bool { return tsLess(msgs[i].Timestamp, msgs[j].Timestamp) })
		for _, m := range msgs {
			if m.Timestamp == threadTS {
				continue // the root, i.e. the ticket card (every first page starts with it)
			}
			seen++
			if err := a.onMessageEvent(ctx, rs, replyEvent(channel, m), ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && !all {
		a.log.Warn("catch-up: thread has more replies than one catch-up reads", "thread", threadTS)
	}
	return seen, err
}

// repliesPage reads one page of conversations.replies, waiting out 429s.
func (a *Adapter) repliesPage(ctx context.Context, p *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error) {
	for try := 1; ; try++ {
		msgs, more, next, err := a.api.GetConversationRepliesContext(ctx, p)
		var rl *slack.RateLimitedError
		if err == nil || !errors.As(err, &rl) || try >= catchUpTries {
			return msgs, more, next, err
		}
		a.log.Debug("catch-up: rate limited", "retry_after", rl.RetryAfter)
		t := time.NewTimer(max(rl.RetryAfter, time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false, "", ctx.Err()
		case <-t.C:
		}
	}
}

// replyEvent is the message event Slack would have sent for a message read
// from channel's history: the message is both at the top level and in
// Message, as slackevents parses a new message.
func replyEvent(channel string, m slack.Message) *slackevents.MessageEvent {
	msg := m.Msg
	msg.Channel = channel
	return &slackevents.MessageEvent{
		ClientMsgID: m.ClientMsgID, Type: "message", User: m.User, Text: m.Text, Blocks: m.Blocks,
		ThreadTimeStamp: m.ThreadTimestamp, TimeStamp: m.Timestamp, Channel: channel, EventTimeStamp: m.Timestamp,
		SubType: m.SubType, BotID: m.BotID, Username: m.Username, Message: &msg,
	}
}

// tsLess compares Slack timestamps numerically: whole seconds, then a
// fixed six-digit fraction, so by length, then text.
func tsLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
