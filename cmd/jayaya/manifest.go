package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// slackScope is one bot scope the product uses, and why.
type slackScope struct {
	Scope string
	Why   string
}

// slackScopes are exactly the bot token scopes JayayaCRM calls for (see
// adapters/slack): `jayaya slack-manifest` asks for them and `jayaya
// doctor` checks they were granted.
var slackScopes = []slackScope{
	{"commands", "the /crm slash command"},
	{"chat:write", "post ticket cards, relayed messages and replies; edit and delete them (chat.postMessage, chat.update, chat.delete, chat.postEphemeral)"},
	{"chat:write.customize", "post a client's relayed message under the client's name and avatar"},
	{"channels:history", "receive messages in public channels (message.channels) and catch up on missed thread replies (conversations.replies)"},
	{"groups:history", "the same when the staff channel is private (message.groups)"},
	{"channels:read", "check the staff, overflow and routed channels exist and the bot is in them (conversations.info)"},
	{"groups:read", "the same for private channels"},
	{"channels:join", "join a public channel a routing rule names (conversations.join)"},
	{"reactions:write", "mark relayed messages ✅ delivered, ⚠️ parked and notes 🔒"},
	{"im:write", "open a direct message to send task reminders (conversations.open)"},
	{"users:read", "show staff names and check staff Slack IDs (users.info)"},
	{"files:read", "read a staff member's attachments to relay them to the client (uploaded to Discord, or served by the file proxy)"},
	{"files:write", "upload a client's attachments into the ticket thread (files.getUploadURLExternal, files.completeUploadExternal) and delete them with the client's message (files.delete)"},
}

// slackBotEvents are the Events API subscriptions the product handles.
var slackBotEvents = []string{"message.channels", "message.groups"}

// slackManifest is Slack's app manifest (JSON form), as pasted into
// "Create New App → From an app manifest" at api.slack.com/apps.
type slackManifest struct {
	Metadata struct {
		MajorVersion int `json:"major_version"`
		MinorVersion int `json:"minor_version"`
	} `json:"_metadata"`
	DisplayInformation struct {
		Name            string `json:"name"`
		Description     string `json:"description"`
		LongDescription string `json:"long_description"`
		BackgroundColor string `json:"background_color"`
	} `json:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName  string `json:"display_name"`
			AlwaysOnline bool   `json:"always_online"`
		} `json:"bot_user"`
		SlashCommands []manifestCommand `json:"slash_commands"`
	} `json:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `json:"bot"`
		} `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL string   `json:"request_url,omitempty"`
			BotEvents  []string `json:"bot_events"`
		} `json:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `json:"is_enabled"`
			RequestURL string `json:"request_url,omitempty"`
		} `json:"interactivity"`
		OrgDeployEnabled     bool `json:"org_deploy_enabled"`
		SocketModeEnabled    bool `json:"socket_mode_enabled"`
		TokenRotationEnabled bool `json:"token_rotation_enabled"`
	} `json:"settings"`
}

type manifestCommand struct {
	Command      string `json:"command"`
	URL          string `json:"url,omitempty"`
	Description  string `json:"description"`
	UsageHint    string `json:"usage_hint"`
	ShouldEscape bool   `json:"should_escape"`
}

// buildSlackManifest returns the manifest for a Slack app named name whose
// request URLs start at publicURL, or that uses Socket Mode (no URLs).
func buildSlackManifest(name, publicURL string, socketMode bool) slackManifest {
	var m slackManifest
	m.Metadata.MajorVersion, m.Metadata.MinorVersion = 1, 1
	d := &m.DisplayInformation
	d.Name = name
	d.Description = "CRM for staff in Slack, with client tickets relayed from Discord"
	d.LongDescription = "JayayaCRM keeps companies, people, comments, interests and tasks, answers /crm in Slack, and relays support tickets both ways between a Discord thread (the client) and a Slack thread (the staff). Internal notes starting with note: never leave Slack. Self-hosted: this app talks only to your own JayayaCRM server."
	d.BackgroundColor = "#2c3e50"
	m.Features.BotUser.DisplayName = name
	m.Features.BotUser.AlwaysOnline = true
	cmd := manifestCommand{Command: "/crm", Description: "Companies, people, comments, interests, tasks and tickets", UsageHint: "help | company NAME | person NAME | task … | ticket …"}
	for _, s := range slackScopes {
		m.OAuthConfig.Scopes.Bot = append(m.OAuthConfig.Scopes.Bot, s.Scope)
	}
	set := &m.Settings
	set.EventSubscriptions.BotEvents = slackBotEvents
	set.Interactivity.IsEnabled = true
	set.SocketModeEnabled = socketMode
	if !socketMode {
		cmd.URL = publicURL + "/slack/commands"
		set.EventSubscriptions.RequestURL = publicURL + "/slack/events"
		set.Interactivity.RequestURL = publicURL + "/slack/interactions"
	}
	m.Features.SlashCommands = []manifestCommand{cmd}
	return m
}

// newSlackManifestCmd is "jayaya slack-manifest".
func newSlackManifestCmd(getenv func(string) string) *cobra.Command {
	var socket bool
	var name string
	c := &cobra.Command{
		Use:   "slack-manifest",
		Short: "print the Slack app manifest",
		Long: `Print the Slack app manifest (JSON) to create the app from: its scopes,
the /crm command, events and interactivity, with the request URLs under
JAYAYA_PUBLIC_URL, or for Socket Mode.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return printSlackManifest(c, getenv, socket, name)
		},
	}
	c.Flags().BoolVar(&socket, "socket-mode", false, "use Socket Mode (an app-level token) instead of public HTTPS request URLs")
	c.Flags().StringVar(&name, "name", "JayayaCRM", "`N`ame of the app and its bot")
	return c
}

func printSlackManifest(c *cobra.Command, getenv func(string) string, socket bool, name string) error {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 35 {
		return usagef("--name must be 1 to 35 characters (Slack's limit)")
	}
	r := &envReader{getenv: getenv}
	public := strings.TrimRight(r.get("JAYAYA_PUBLIC_URL", "http://localhost:8080"), "/")
	if err := checkURL("JAYAYA_PUBLIC_URL", public); err != nil {
		return err
	}
	if !socket {
		if u, _ := url.Parse(public); u.Scheme != "https" || u.Hostname() == "localhost" || strings.HasPrefix(u.Hostname(), "127.") {
			fmt.Fprintf(c.ErrOrStderr(), "%s: warning: Slack only calls public https:// URLs, and JAYAYA_PUBLIC_URL is %s: set it to this server's public address, or use --socket-mode\n", c.CommandPath(), public)
		}
	}
	b, err := json.MarshalIndent(buildSlackManifest(name, public, socket), "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(c.OutOrStdout(), "%s\n", b)
	return nil
}
