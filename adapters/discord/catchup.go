package discord

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/bwmarrin/discordgo"
)

// catchUpPages bounds how many pages of 100 messages are fetched per
// channel in one catch-up.
const catchUpPages = 50

// CatchUp relays the messages written while the bot was disconnected:
// for each open ticket thread it fetches GET /channels/{thread}/messages
// ?after=<newest message the relay stored from it> and hands each message
// to the same path as live ones, so a message seen twice is stored once;
// each support channel is read likewise, after the newest Discord message
// stored anywhere. It runs after every fresh IDENTIFY (READY), not after
// a RESUME (Discord replays those events).
func (a *Adapter) CatchUp(ctx context.Context) error {
	threads, err := a.store.OpenDiscordThreads(ctx)
	if err != nil {
		return err
	}
	newest := ""
	n := 0
	for _, th := range threads {
		after := th.LastSeenID
		if after == "" {
			after = th.ThreadID // older than every message in it
		}
		if snowflakeLess(newest, th.LastSeenID) {
			newest = th.LastSeenID
		}
		got, err := a.catchUpChannel(ctx, th.ThreadID, after)
		n += got
		if err != nil {
			if s := restStatus(err); s == http.StatusNotFound || s == http.StatusForbidden {
				a.log.Warn("catch-up: ticket thread unreachable", "thread", th.ThreadID, "status", s)
				continue
			}
			return err
		}
	}
	if newest != "" {
		for _, ch := range a.supportChannels() {
			got, err := a.catchUpChannel(ctx, ch, newest)
			n += got
			if err != nil {
				return err
			}
		}
	}
	a.log.Info("catch-up done", "threads", len(threads), "messages_seen", n)
	return nil
}

// catchUpChannel handles every message of a channel after the given ID,
// oldest first, and returns how many it saw.
func (a *Adapter) catchUpChannel(ctx context.Context, channelID, after string) (int, error) {
	seen := 0
	for page := 0; page < catchUpPages; page++ {
		msgs, err := a.fetchAfter(ctx, channelID, after)
		if err != nil {
			return seen, err
		}
		sort.Slice(msgs, func(i, j int) bool { return snowflakeLess(msgs[i].ID, msgs[j].ID) })
		for _, m := range msgs {
			if m.GuildID == "" {
				m.GuildID = a.cfg.GuildID
			}
			a.handleMessage(ctx, m)
			after = m.ID
		}
		seen += len(msgs)
		if len(msgs) < 100 {
			return seen, nil
		}
	}
	return seen, nil
}

// fetchAfter reads one page, waiting out rate limits.
func (a *Adapter) fetchAfter(ctx context.Context, channelID, after string) ([]*discordgo.Message, error) {
	for try := 0; ; try++ {
		msgs, err := a.dg.ChannelMessages(channelID, 100, "", after, "", discordgo.WithContext(ctx))
		var rl *discordgo.RateLimitError
		if err == nil || !errors.As(err, &rl) || try >= 10 {
			return msgs, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(max(rl.RetryAfter, 50*time.Millisecond)):
		}
	}
}

// snowflakeLess compares Discord IDs numerically ("" is least).
func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
