package main

import (
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/spf13/cobra"
)

// discordPermission is one permission the bot needs in the support channel
// (and the threads under it), and why.
type discordPermission struct {
	Bit  int64
	Name string
	Why  string
}

// discordPermissions are exactly the permissions JayayaCRM's bot uses:
// `jayaya discord-invite` asks for them and `jayaya doctor` checks the bot
// has them in the support channel.
var discordPermissions = []discordPermission{
	{discordgo.PermissionViewChannel, "View Channels", "see the support channel and its threads"},
	{discordgo.PermissionSendMessages, "Send Messages", "answer in the support channel"},
	{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads", "post staff replies in ticket threads"},
	{discordgo.PermissionCreatePrivateThreads, "Create Private Threads", "open each ticket as a private thread"},
	{discordgo.PermissionCreatePublicThreads, "Create Public Threads", "open public tickets"},
	{discordgo.PermissionManageThreads, "Manage Threads", "add participants, archive and lock closed tickets, reopen them"},
	{discordgo.PermissionManageWebhooks, "Manage Webhooks", "post staff replies under each staff member's name and avatar"},
	{discordgo.PermissionReadMessageHistory, "Read Message History", "catch up on messages missed while disconnected"},
	{discordgo.PermissionAddReactions, "Add Reactions", "mark relayed messages ✅ delivered"},
	{discordgo.PermissionManageMessages, "Manage Messages", "move a client's opening message out of the public channel into the ticket"},
	{discordgo.PermissionEmbedLinks, "Embed Links", "show ticket cards and links"},
	{discordgo.PermissionAttachFiles, "Attach Files", "relay staff attachments"},
}

// botPermissions is the sum of discordPermissions, the invite's permissions.
func botPermissions() int64 {
	var p int64
	for _, d := range discordPermissions {
		p |= d.Bit
	}
	return p
}

// inviteURL is the OAuth2 URL that adds the bot with its slash commands
// and permissions; guildID, when set, preselects the server.
func inviteURL(appID, guildID string) string {
	q := url.Values{}
	q.Set("client_id", appID)
	q.Set("scope", "bot applications.commands")
	q.Set("permissions", strconv.FormatInt(botPermissions(), 10))
	if guildID != "" {
		q.Set("guild_id", guildID)
		q.Set("disable_guild_select", "true")
	}
	return "https://discord.com/oauth2/authorize?" + q.Encode()
}

var snowflakeRE = regexp.MustCompile(`^[0-9]{15,21}$`)

// newDiscordInviteCmd is "jayaya discord-invite".
func newDiscordInviteCmd(getenv func(string) string) *cobra.Command {
	var appID string
	c := &cobra.Command{
		Use:   "discord-invite",
		Short: "print the Discord bot invite URL",
		Long: `Print the bot's invite URL with the exact permissions it needs, and the
privileged intent to switch on. The application ID is asked from Discord
with DISCORD_BOT_TOKEN unless --app-id gives it.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return discordInvite(getenv, appID, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&appID, "app-id", "", "the Discord application `ID` (default: asked from Discord with DISCORD_BOT_TOKEN)")
	return c
}

func discordInvite(getenv func(string) string, appID string, stdout io.Writer) error {
	if appID != "" && !snowflakeRE.MatchString(appID) {
		return usagef("--app-id: want the numeric application ID from the Developer Portal, got %q", appID)
	}
	r := &envReader{getenv: getenv}
	token := r.get("DISCORD_BOT_TOKEN", "")
	apiURL := strings.TrimRight(r.get("DISCORD_API_URL", "https://discord.com"), "/")
	guildID := r.get("DISCORD_GUILD_ID", "")
	if r.err != nil {
		return r.err
	}
	if appID == "" {
		if token == "" {
			return usagef("set DISCORD_BOT_TOKEN (Developer Portal → your application → Bot → Reset Token) or pass --app-id (General Information → Application ID)")
		}
		if err := checkURL("DISCORD_API_URL", apiURL); err != nil {
			return err
		}
		s, err := newDiscordSession(token, apiURL)
		if err != nil {
			return err
		}
		app, err := s.Application("@me")
		if err != nil {
			return fmt.Errorf("DISCORD_BOT_TOKEN: cannot read the application: %s", discordErr(err))
		}
		appID = app.ID
	}
	fmt.Fprintf(stdout, "Open this URL as a server admin to add the bot to your Discord server:\n\n  %s\n\n", inviteURL(appID, guildID))
	fmt.Fprintf(stdout, "It asks for the bot and applications.commands scopes and these permissions (%d):\n", botPermissions())
	for _, p := range discordPermissions {
		fmt.Fprintf(stdout, "  - %-25s %s\n", p.Name, p.Why)
	}
	fmt.Fprint(stdout, `
Then switch on the privileged intent JayayaCRM needs to read what clients write:
  Developer Portal → your application → Bot → Privileged Gateway Intents → MESSAGE CONTENT INTENT → on, Save.
Without it Discord closes the bot's connection (code 4014) and tickets stay empty.
`)
	return nil
}
