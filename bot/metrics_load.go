package bot

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jayaya/jayayacrm/core"
)

// The load of the relay's lanes, read from the database at each scrape
// (core.Store.ChannelLoads): per Slack staff channel and per webhook of a
// Discord support channel's pool, the open tickets it carries, the posts
// queued for it and how long the oldest has waited. Channel labels are
// channel IDs, and webhook labels slot numbers from 1 (webhook 1 is
// "JayayaCRM relay", webhook 2 "JayayaCRM relay 2"...): both bounded by
// the configuration, never taken from a request.

// LoadLanes are the post kinds the lanes' queues count: relayed messages.
func LoadLanes(slackChannels, discordChannels []string, webhooks int) core.LoadLanes {
	return core.LoadLanes{
		SlackChannels: slackChannels, DiscordChannels: discordChannels, Webhooks: webhooks,
		SlackKinds: []string{KindSlackPost}, DiscordKinds: []string{KindDiscordPost},
	}
}

var (
	slackOpenDesc = prometheus.NewDesc("jayaya_slack_channel_open_tickets",
		"Open tickets whose Slack thread is in the channel.", []string{"channel"}, nil)
	slackQueuedDesc = prometheus.NewDesc("jayaya_slack_channel_queued_posts",
		"Relayed messages waiting to be posted in the Slack channel.", []string{"channel"}, nil)
	slackWaitDesc = prometheus.NewDesc("jayaya_slack_channel_wait_seconds",
		"How long the oldest message waiting for the Slack channel has waited; 0 when none waits.", []string{"channel"}, nil)
	webhookOpenDesc = prometheus.NewDesc("jayaya_discord_webhook_open_tickets",
		"Open tickets posting through the webhook (slot number from 1) of the Discord support channel's pool.", []string{"channel", "webhook"}, nil)
	webhookQueuedDesc = prometheus.NewDesc("jayaya_discord_webhook_queued_posts",
		"Relayed messages waiting to be posted through the webhook.", []string{"channel", "webhook"}, nil)
	webhookWaitDesc = prometheus.NewDesc("jayaya_discord_webhook_wait_seconds",
		"How long the oldest message waiting for the webhook has waited; 0 when none waits.", []string{"channel", "webhook"}, nil)
	loadDescs = []*prometheus.Desc{slackOpenDesc, slackQueuedDesc, slackWaitDesc, webhookOpenDesc, webhookQueuedDesc, webhookWaitDesc}
)

// loadCollector reads the lanes' load at scrape time.
type loadCollector struct {
	store *core.Store
	lanes core.LoadLanes
}

// WatchLoad adds the lanes' load to the metrics (see LoadLanes), read
// from store at each scrape.
func (m *Metrics) WatchLoad(store *core.Store, lanes core.LoadLanes) {
	if m == nil || store == nil {
		return
	}
	m.reg.MustRegister(&loadCollector{store: store, lanes: lanes})
}

// Describe sends the load series' descriptions.
func (c *loadCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range loadDescs {
		ch <- d
	}
}

// Collect queries the lanes' load; a database error fails the series
// (the scrape reports it) rather than showing stale numbers.
func (c *loadCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	loads, err := c.store.ChannelLoads(ctx, c.lanes)
	if err != nil {
		for _, d := range loadDescs {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
		return
	}
	now := c.store.Now()
	for _, l := range loads {
		wait := 0.0
		if l.OldestQueued != nil {
			wait = max(0, now.Sub(*l.OldestQueued).Seconds())
		}
		open, queued, waited := slackOpenDesc, slackQueuedDesc, slackWaitDesc
		labels := []string{l.Channel}
		if l.Platform == core.PlatformDiscord {
			open, queued, waited = webhookOpenDesc, webhookQueuedDesc, webhookWaitDesc
			labels = append(labels, strconv.Itoa(l.Webhook+1))
		}
		ch <- prometheus.MustNewConstMetric(open, prometheus.GaugeValue, float64(l.OpenTickets), labels...)
		ch <- prometheus.MustNewConstMetric(queued, prometheus.GaugeValue, float64(l.Queued), labels...)
		ch <- prometheus.MustNewConstMetric(waited, prometheus.GaugeValue, wait, labels...)
	}
}
