package slack

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/core"
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
		return "", core.Errorf(core.EINVALID, "Slack has no channel %s that the bot can see: check the ID (at the bottom of the channel's details); for a private channel, invite the app into it first.", channelID)
	case code != "":
		return "", core.Errorf(core.EINVALID, "Slack refused to describe channel %s (%s): run jayaya doctor to check the app's scopes.", channelID, code)
	case err != nil:
		return "", fmt.Errorf("conversations.info %s: %w", channelID, err)
	}
	switch {
	case ch.IsIM || ch.IsMpIM:
		return "", core.Errorf(core.EINVALID, "%s is a direct conversation, not a channel.", channelID)
	case ch.IsArchived:
		return "", core.Errorf(core.EINVALID, "Slack channel #%s is archived: unarchive it or choose another channel.", ch.Name)
	case ch.IsMember:
		return ch.Name, nil
	case ch.IsPrivate:
		return "", core.Errorf(core.EINVALID, "Slack channel #%s is private and the bot is not in it: invite the app into it first.", ch.Name)
	}
	_, _, _, err = a.api.JoinConversationContext(ctx, channelID)
	if code := slackCode(err); code != "" {
		return "", core.Errorf(core.EINVALID, "The bot could not join Slack channel #%s (%s).", ch.Name, code)
	} else if err != nil {
		return "", fmt.Errorf("conversations.join %s: %w", channelID, err)
	}
	a.log.Info("joined a routed channel", "channel", channelID, "name", ch.Name)
	return ch.Name, nil
}
