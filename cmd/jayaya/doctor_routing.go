package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/core"
)

// checkRoutedChannels checks that the bot can post in every overflow
// channel (SLACK_OVERFLOW_CHANNELS) and every channel a routing rule
// names; one line each, only when there are some.
func (d *doctor) checkRoutedChannels(ctx context.Context, cfg *Config, api *slack.Client, st *core.Store, botName string) {
	if len(cfg.SlackOverflowChannels) > 0 {
		d.slackChannels(ctx, api, "slack overflow channels", cfg.SlackOverflowChannels, botName, "SLACK_OVERFLOW_CHANNELS")
	}
	if st == nil {
		d.skip("slack routed channels", "needs a migrated database")
		return
	}
	rules, err := st.ListRoutingRules(ctx)
	if err != nil {
		d.fail("slack routed channels", err.Error(), "check the database")
		return
	}
	var channels []string
	for _, r := range rules {
		if !slices.Contains(channels, r.SlackChannelID) {
			channels = append(channels, r.SlackChannelID)
		}
	}
	if len(channels) > 0 {
		d.slackChannels(ctx, api, "slack routed channels", channels, botName, "the rule (panel → Routing, or jayaya route)")
	}
}

// slackChannels is one check line over several channels: ok when the bot
// can post in each, else every problem with its fix.
func (d *doctor) slackChannels(ctx context.Context, api *slack.Client, name string, ids []string, botName, setting string) {
	var labels, problems, fixes []string
	for _, id := range ids {
		label, problem, fix := slackChannelProblem(ctx, api, id, botName, setting)
		if problem != "" {
			problems, fixes = append(problems, problem), append(fixes, fix)
			continue
		}
		labels = append(labels, label)
	}
	if len(problems) > 0 {
		d.fail(name, strings.Join(problems, "; "), strings.Join(fixes, "; "))
		return
	}
	d.ok(name, fmt.Sprintf("%s, the bot is a member of each", strings.Join(labels, ", ")))
}

// checkOtherSupportChannels checks the Discord support channels after
// the first (DISCORD_SUPPORT_CHANNEL lists several): each must be a text
// channel of the server where the bot has every permission it needs. One
// line, only when there are some.
func (d *doctor) checkOtherSupportChannels(s *discordgo.Session, cfg *Config, botID string, opt discordgo.RequestOption) {
	if len(cfg.DiscordSupportChannels) < 2 {
		return
	}
	const name = "discord other channels"
	var labels, problems, fixes []string
	for _, id := range cfg.DiscordSupportChannels[1:] {
		ch, problem, fix := supportChannel(s, cfg, id, opt)
		if problem == "" {
			missing, err := missingPermissions(s, botID, ch, opt)
			switch {
			case err != nil:
				problem, fix = discordErr(err), "check the bot is in the server"
			case len(missing) > 0:
				problem, fix = "in #"+ch.Name+" the bot lacks "+strings.Join(missing, ", "), "grant them in #"+ch.Name+"'s permissions"
			}
		}
		if problem != "" {
			problems, fixes = append(problems, problem), append(fixes, fix)
			continue
		}
		labels = append(labels, "#"+ch.Name)
	}
	if len(problems) > 0 {
		d.fail(name, strings.Join(problems, "; "), strings.Join(fixes, "; "))
		return
	}
	d.ok(name, strings.Join(labels, ", ")+", with every permission")
}
