package slack

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

var _ core.SlackChannelChecker = (*Adapter)(nil)

// CheckPostable checks that the bot can post in a Slack channel a routing
// rule names (core.SlackChannelChecker), and returns its name. The
// channel must exist and be visible to the bot (conversations.info: a
// private channel without the bot is "channel_not_found", as for a
// channel that does not exist), not be archived, and have the bot as a
// member: the bot joins a public channel itself (conversations.join); a
// private one needs an invitation. Refusals are EINVALID with a message
// for the admin; a network failure is returned as it is.
func (a *Adapter) CheckPostable(ctx context.Context, channelID string) (string, error) {
	ch, err := a.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channelID})
	switch code := slackCode(err); {
	case code == "channel_not_found":
		return "", core.E(core.EINVALID, "routing.channel.not_found", i18n.Args{"Channel": channelID})
	case code != "":
		return "", core.E(core.EINVALID, "routing.channel.refused", i18n.Args{"Channel": channelID, "Code": code})
	case err != nil:
		return "", fmt.Errorf("conversations.info %s: %w", channelID, err)
	}
	switch {
	case ch.IsIM || ch.IsMpIM:
		return "", core.E(core.EINVALID, "routing.channel.direct", i18n.Args{"Channel": channelID})
	case ch.IsArchived:
		return "", core.E(core.EINVALID, "routing.channel.archived", i18n.Args{"Name": ch.Name})
	case ch.IsMember:
		return ch.Name, nil
	case ch.IsPrivate:
		return "", core.E(core.EINVALID, "routing.channel.private", i18n.Args{"Name": ch.Name})
	}
	_, _, _, err = a.api.JoinConversationContext(ctx, channelID)
	if code := slackCode(err); code != "" {
		return "", core.E(core.EINVALID, "routing.channel.join_failed", i18n.Args{"Name": ch.Name, "Code": code})
	} else if err != nil {
		return "", fmt.Errorf("conversations.join %s: %w", channelID, err)
	}
	a.log.Info("joined a routed channel", "channel", channelID, "name", ch.Name)
	return ch.Name, nil
}
