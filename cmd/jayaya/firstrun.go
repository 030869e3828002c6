package main

import "log/slog"

// operatorGuide is where the steps to connect Slack and Discord are
// written, pointed at from the log when a platform is off.
const operatorGuide = "docs/operator-guide.md"

// logChatsOff tells the operator, one line per chat platform that is off,
// what that platform's users miss, the variables that turn it on, and
// where to look first: `jayaya demo` shows both chats without any
// account, the operator guide connects the real ones.
func logChatsOff(log *slog.Logger, cfg *Config) {
	if !cfg.SlackEnabled() {
		log.Info("Slack is off: staff have no /crm and no ticket threads",
			"set", "SLACK_BOT_TOKEN, SLACK_STAFF_CHANNEL, and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN",
			"try", "jayaya demo", "guide", operatorGuide)
	}
	if !cfg.DiscordEnabled() {
		log.Info("Discord is off: clients cannot open tickets",
			"set", "DISCORD_BOT_TOKEN, DISCORD_GUILD_ID and DISCORD_SUPPORT_CHANNEL",
			"try", "jayaya demo", "guide", operatorGuide)
	}
}
