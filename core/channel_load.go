package core

import (
	"context"
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// ChannelLoad is the relay's load on one of its lanes: a Slack staff
// channel (one posting budget, about a post a second), or one webhook of
// a Discord support channel (five posts per two seconds).
type ChannelLoad struct {
	// Platform is PlatformSlack or PlatformDiscord.
	Platform string
	// Channel is the Slack channel, or the Discord support channel.
	Channel string
	// Webhook is the Discord webhook's slot in its channel's pool (0 on
	// Slack), and WebhookID the webhook serving it now ("" when none does
	// yet: it is made with the slot's first post).
	Webhook   int
	WebhookID string
	// OpenTickets are the open tickets whose thread lives there.
	OpenTickets int
	// Queued are the messages waiting to be posted there (pending
	// deliveries of the kinds given to ChannelLoads), and OldestQueued
	// when the oldest of them was queued (nil when none waits).
	Queued       int
	OldestQueued *time.Time
}

// LoadLanes says which lanes ChannelLoads reports, and what it counts.
type LoadLanes struct {
	// SlackChannels and DiscordChannels are the configured channels, the
	// default one first: tickets whose channel is not recorded (a Slack
	// thread not open yet, a Discord ticket opened before the webhook
	// pool) count there. Each gets a row even when idle, and so does each
	// of the Webhooks slots of every Discord channel's pool.
	SlackChannels, DiscordChannels []string
	Webhooks                       int
	// SlackKinds and DiscordKinds are the delivery kinds counted as
	// queued posts (none: nothing is counted as queued).
	SlackKinds, DiscordKinds []string
}

// ChannelLoads returns the load of every Slack channel and Discord webhook
// that is configured (lanes), holds an open ticket or has a post queued,
// sorted by platform (Slack first), channel and webhook.
func (s *Store) ChannelLoads(ctx context.Context, lanes LoadLanes) ([]ChannelLoad, error) {
	type key struct {
		platform, channel string
		webhook           int
	}
	defaults := map[string]string{}
	if len(lanes.SlackChannels) > 0 {
		defaults[PlatformSlack] = lanes.SlackChannels[0]
	}
	if len(lanes.DiscordChannels) > 0 {
		defaults[PlatformDiscord] = lanes.DiscordChannels[0]
	}
	loads := map[key]*ChannelLoad{}
	at := func(k key) *ChannelLoad {
		if k.channel == "" {
			k.channel = defaults[k.platform]
		}
		l := loads[k]
		if l == nil {
			l = &ChannelLoad{Platform: k.platform, Channel: k.channel, Webhook: k.webhook}
			loads[k] = l
		}
		return l
	}
	var open []struct {
		Platform string `bun:"platform"`
		Channel  string `bun:"channel"`
		Webhook  int    `bun:"webhook"`
		N        int    `bun:"n"`
	}
	err := s.DB.NewRaw(`SELECT ? AS platform, COALESCE(slack_channel_id, '') AS channel, 0 AS webhook, COUNT(*) AS n
		FROM tickets WHERE status = ? GROUP BY COALESCE(slack_channel_id, '')
		UNION ALL
		SELECT ? AS platform, COALESCE(discord_channel_id, '') AS channel, COALESCE(discord_webhook_slot, 0) AS webhook, COUNT(*) AS n
		FROM tickets WHERE status = ? GROUP BY COALESCE(discord_channel_id, ''), COALESCE(discord_webhook_slot, 0)`,
		PlatformSlack, TicketOpen, PlatformDiscord, TicketOpen).Scan(ctx, &open)
	if err != nil {
		return nil, err
	}
	for _, c := range lanes.SlackChannels {
		at(key{PlatformSlack, c, 0})
	}
	for _, c := range lanes.DiscordChannels {
		for slot := range min(lanes.Webhooks, MaxDiscordWebhooks) {
			at(key{PlatformDiscord, c, slot})
		}
	}
	for _, o := range open {
		at(key{o.Platform, o.Channel, o.Webhook}).OpenTickets += o.N
	}
	for _, q := range []struct {
		platform, channel, webhook string
		kinds                      []string
	}{
		{PlatformSlack, "t.slack_channel_id", "0", lanes.SlackKinds},
		{PlatformDiscord, "t.discord_channel_id", "t.discord_webhook_slot", lanes.DiscordKinds},
	} {
		if len(q.kinds) == 0 {
			continue
		}
		// The oldest queued post is the one with the lowest ID (IDs grow
		// with creation time); its time is read after.
		var queued []struct {
			Channel string `bun:"channel"`
			Webhook int    `bun:"webhook"`
			N       int    `bun:"n"`
			Oldest  int64  `bun:"oldest"`
		}
		err := s.DB.NewRaw(`SELECT COALESCE(`+q.channel+`, '') AS channel, COALESCE(`+q.webhook+`, 0) AS webhook,
			COUNT(*) AS n, MIN(d.id) AS oldest
			FROM deliveries AS d JOIN tickets AS t ON t.id = d.ticket_id
			WHERE d.status = ? AND d.platform = ? AND d.kind IN (?)
			GROUP BY COALESCE(`+q.channel+`, ''), COALESCE(`+q.webhook+`, 0)`,
			DeliveryPending, q.platform, bun.In(q.kinds)).Scan(ctx, &queued)
		if err != nil {
			return nil, err
		}
		if len(queued) == 0 {
			continue
		}
		oldest := make([]int64, len(queued))
		for i, r := range queued {
			oldest[i] = r.Oldest
		}
		var times []struct {
			ID        int64     `bun:"id"`
			CreatedAt time.Time `bun:"created_at"`
		}
		if err := s.DB.NewSelect().Model((*Delivery)(nil)).Column("id", "created_at").Where("id IN (?)", bun.In(oldest)).Scan(ctx, &times); err != nil {
			return nil, err
		}
		created := make(map[int64]time.Time, len(times))
		for _, c := range times {
			created[c.ID] = c.CreatedAt
		}
		for _, r := range queued {
			l := at(key{q.platform, r.Channel, r.Webhook})
			l.Queued += r.N
			if c, ok := created[r.Oldest]; ok && (l.OldestQueued == nil || c.Before(*l.OldestQueued)) {
				l.OldestQueued = &c
			}
		}
	}
	hooks, err := s.DiscordWebhooks(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, h := range hooks {
		if l := loads[key{PlatformDiscord, h.ChannelID, h.Slot}]; l != nil && h.GoneAt == nil {
			l.WebhookID = h.ID // the newest serving one (DiscordWebhooks is by age)
		}
	}
	out := make([]ChannelLoad, 0, len(loads))
	for _, l := range loads {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Platform != b.Platform {
			return a.Platform > b.Platform // slack first
		}
		if a.Channel != b.Channel {
			return a.Channel < b.Channel
		}
		return a.Webhook < b.Webhook
	})
	return out, nil
}
