package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Config is everything JayayaCRM reads from its environment, parsed and
// validated once at start.
type Config struct {
	DatabaseURL string
	Addr        string
	PublicURL   string
	// PublicURLSet tells that JAYAYA_PUBLIC_URL was set (not defaulted):
	// the panel then answers only at its host (and loopback names).
	PublicURLSet bool
	LogFormat    string // "text" or "json"
	LogLevel     string // debug, info, warn, error
	// Pacing holds Slack and Discord calls within the platforms' rate
	// limits (JAYAYA_PACING, on unless "off").
	Pacing bool
	// Locale is the language of whoever has none of their own (no user
	// setting, nothing from their platform) and of messages several people
	// read (JAYAYA_LOCALE: en or fr, default en).
	Locale i18n.Locale

	SlackBotToken      string
	SlackSigningSecret string
	SlackAppToken      string
	SlackStaffChannel  string
	SlackAPIURL        string
	// SlackOverflowChannels (SLACK_OVERFLOW_CHANNELS, comma-separated)
	// take the tickets no routing rule matches once the staff channel is
	// busy.
	SlackOverflowChannels []string

	DiscordBotToken string
	DiscordGuildID  string
	// DiscordSupportChannels are DISCORD_SUPPORT_CHANNEL's channels
	// (comma-separated), where clients open tickets;
	// DiscordSupportChannel is the first.
	DiscordSupportChannel  string
	DiscordSupportChannels []string
	DiscordAPIURL          string
	// DiscordWebhooks is the size of each support channel's webhook pool
	// (DISCORD_WEBHOOKS_PER_CHANNEL, 1 to 15).
	DiscordWebhooks int
}

// SlackEnabled reports whether the Slack adapter is configured.
func (c *Config) SlackEnabled() bool { return c.SlackBotToken != "" }

// DiscordEnabled reports whether the Discord adapter is configured.
func (c *Config) DiscordEnabled() bool { return c.DiscordBotToken != "" }

// lanes are the Slack channels and Discord webhook pools the relay
// posts through, whose load /metrics and the panel show: the staff and
// overflow channels and every support channel's pool (channels only
// routing rules name show once they hold a ticket).
func (c *Config) lanes() core.LoadLanes {
	var slack, discord []string
	if c.SlackEnabled() {
		slack = append([]string{c.SlackStaffChannel}, c.SlackOverflowChannels...)
	}
	if c.DiscordEnabled() {
		discord = c.DiscordSupportChannels
		if len(discord) == 0 {
			discord = []string{c.DiscordSupportChannel}
		}
	}
	return bot.LoadLanes(slack, discord, c.DiscordWebhooks)
}

// secretNames may also be given as NAME_FILE, a path to read the value from.
var secretNames = map[string]bool{
	"DATABASE_URL": true, "SLACK_BOT_TOKEN": true, "SLACK_SIGNING_SECRET": true,
	"SLACK_APP_TOKEN": true, "DISCORD_BOT_TOKEN": true,
}

// envReader reads variables, with NAME_FILE support for secrets, and keeps
// the first error met.
type envReader struct {
	getenv func(string) string
	err    error
}

func (r *envReader) get(name, def string) string {
	v := strings.TrimSpace(r.getenv(name))
	if secretNames[name] {
		if path := strings.TrimSpace(r.getenv(name + "_FILE")); path != "" {
			if v != "" {
				r.fail("%s and %s_FILE are both set: keep one", name, name)
				return ""
			}
			b, err := os.ReadFile(path)
			if err != nil {
				r.fail("%s_FILE: %v", name, err)
				return ""
			}
			v = strings.TrimSpace(string(b))
		}
	}
	if v == "" {
		return def
	}
	return v
}

// list reads a comma-separated list of IDs, each checked by valid (what
// says what they look like); spaces around commas are allowed, an empty
// item or a repeated ID is an error naming the variable.
func (r *envReader) list(name string, valid func(string) bool, what string) []string {
	v := r.get(name, "")
	if v == "" {
		return nil
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			r.fail("%s: an empty item in %q (separate the IDs with commas)", name, v)
			return nil
		case !valid(item):
			r.fail("%s: %q is not one of the %s it lists", name, item, what)
			return nil
		case slices.Contains(out, item):
			r.fail("%s: %s is listed twice", name, item)
			return nil
		}
		out = append(out, item)
	}
	return out
}

func (r *envReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// LoadConfig reads and validates the configuration. The error names the
// offending variable.
func LoadConfig(getenv func(string) string) (*Config, error) {
	r := &envReader{getenv: getenv}
	c := &Config{
		DatabaseURL:        r.get("DATABASE_URL", core.DefaultDatabaseURL),
		Addr:               r.get("JAYAYA_ADDR", "localhost:8080"),
		PublicURL:          r.get("JAYAYA_PUBLIC_URL", ""),
		LogFormat:          strings.ToLower(r.get("JAYAYA_LOG_FORMAT", "text")),
		LogLevel:           strings.ToLower(r.get("JAYAYA_LOG_LEVEL", "info")),
		Pacing:             true,
		SlackBotToken:      r.get("SLACK_BOT_TOKEN", ""),
		SlackSigningSecret: r.get("SLACK_SIGNING_SECRET", ""),
		SlackAppToken:      r.get("SLACK_APP_TOKEN", ""),
		SlackStaffChannel:  r.get("SLACK_STAFF_CHANNEL", ""),
		SlackAPIURL:        r.get("SLACK_API_URL", "https://slack.com/api/"),
		DiscordBotToken:    r.get("DISCORD_BOT_TOKEN", ""),
		DiscordGuildID:     r.get("DISCORD_GUILD_ID", ""),
		DiscordAPIURL:      r.get("DISCORD_API_URL", "https://discord.com"),
	}
	if l, ok := i18n.Parse(r.get("JAYAYA_LOCALE", string(i18n.Default))); ok {
		c.Locale = l
	} else {
		r.fail("JAYAYA_LOCALE: want en or fr, got %q", r.get("JAYAYA_LOCALE", ""))
	}
	c.PublicURLSet = r.get("JAYAYA_PUBLIC_URL", "") != ""
	hooks := r.get("DISCORD_WEBHOOKS_PER_CHANNEL", strconv.Itoa(bot.DefaultDiscordWebhooks))
	if n, err := strconv.Atoi(hooks); err != nil || n < 1 || n > core.MaxDiscordWebhooks {
		r.fail("DISCORD_WEBHOOKS_PER_CHANNEL: want a number from 1 to %d (Discord allows %d webhooks per channel), got %q",
			core.MaxDiscordWebhooks, core.MaxDiscordWebhooks, hooks)
	} else {
		c.DiscordWebhooks = n
	}
	switch pacing := strings.ToLower(r.get("JAYAYA_PACING", "on")); pacing {
	case "on":
	case "off":
		c.Pacing = false
	default:
		r.fail("JAYAYA_PACING: want on or off, got %q", pacing)
	}
	c.SlackOverflowChannels = r.list("SLACK_OVERFLOW_CHANNELS", core.ValidSlackChannelID, "Slack channel IDs like C0123ABCD")
	c.DiscordSupportChannels = r.list("DISCORD_SUPPORT_CHANNEL", core.ValidDiscordID, "Discord channel IDs (15 to 21 digits)")
	if len(c.DiscordSupportChannels) > 0 {
		c.DiscordSupportChannel = c.DiscordSupportChannels[0]
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// defaultPublicURL is where a browser on this machine reaches the
// listen address host:port, for links when JAYAYA_PUBLIC_URL is unset: a
// wildcard host (every interface) is reached as localhost.
func defaultPublicURL(host, port string) string {
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (c *Config) validate() error {
	if err := checkDatabaseURL("DATABASE_URL", c.DatabaseURL); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || port == "" {
		return fmt.Errorf("JAYAYA_ADDR: want host:port (like localhost:8080 or :8080), got %q", c.Addr)
	}
	if c.PublicURL == "" {
		c.PublicURL = defaultPublicURL(host, port)
	}
	if err := checkURL("JAYAYA_PUBLIC_URL", c.PublicURL); err != nil {
		return err
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("JAYAYA_LOG_FORMAT: want text or json, got %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("JAYAYA_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel)
	}
	if err := checkURL("SLACK_API_URL", c.SlackAPIURL); err != nil {
		return err
	}
	if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	if err := checkURL("DISCORD_API_URL", c.DiscordAPIURL); err != nil {
		return err
	}
	c.DiscordAPIURL = strings.TrimRight(c.DiscordAPIURL, "/")
	if c.SlackBotToken != "" {
		if !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
			return fmt.Errorf("SLACK_BOT_TOKEN: a bot token starts with xoxb-")
		}
		if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
			return fmt.Errorf("SLACK_APP_TOKEN: an app-level token starts with xapp-")
		}
		if c.SlackAppToken == "" && c.SlackSigningSecret == "" {
			return fmt.Errorf("SLACK_SIGNING_SECRET: required to verify Slack's HTTP requests (or set SLACK_APP_TOKEN for Socket Mode)")
		}
		if c.SlackStaffChannel == "" {
			return fmt.Errorf("SLACK_STAFF_CHANNEL: required with SLACK_BOT_TOKEN (the channel ID where ticket threads open, like C0123ABCD)")
		}
		if !core.ValidSlackChannelID(c.SlackStaffChannel) {
			return fmt.Errorf("SLACK_STAFF_CHANNEL: %q is not a Slack channel ID: want one like C0123ABCD (at the bottom of the channel's details in Slack)", c.SlackStaffChannel)
		}
		if slices.Contains(c.SlackOverflowChannels, c.SlackStaffChannel) {
			return fmt.Errorf("SLACK_OVERFLOW_CHANNELS: %s is SLACK_STAFF_CHANNEL already; list only the other channels", c.SlackStaffChannel)
		}
	}
	if c.DiscordBotToken != "" {
		if c.DiscordGuildID == "" {
			return fmt.Errorf("DISCORD_GUILD_ID: required with DISCORD_BOT_TOKEN")
		}
		if c.DiscordSupportChannel == "" {
			return fmt.Errorf("DISCORD_SUPPORT_CHANNEL: required with DISCORD_BOT_TOKEN")
		}
	}
	return nil
}

// checkDatabaseURL checks a database URL's scheme; the error names where
// it came from (a variable or a flag).
func checkDatabaseURL(name, raw string) error {
	if s, _, ok := strings.Cut(raw, "://"); !ok || (s != "postgres" && s != "postgresql" && s != "sqlite") {
		return fmt.Errorf("%s: want postgres://… or sqlite://PATH", name)
	}
	return nil
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: want an http(s) URL, got %q", name, raw)
	}
	return nil
}
