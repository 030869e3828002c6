package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	discordad "github.com/jayaya/jayayacrm/adapters/discord"
	"github.com/jayaya/jayayacrm/core"
)

// discordIntents are the gateway intents the Discord adapter asks for;
// message content is privileged.
const discordIntents = discordad.Intents

// discordCommands are the slash commands the Discord adapter registers.
var discordCommands = discordad.CommandNames()

// discordOrigin sends requests for discord.com to another origin
// (DISCORD_API_URL), keeping their /api/v9/… paths: discordgo fixes its
// endpoints at package init.
type discordOrigin struct {
	target *url.URL
	base   http.RoundTripper
}

// RoundTrip rewrites the scheme and host of requests for discord.com.
func (t *discordOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "discord.com" && t.target.Host != "discord.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = t.target.Scheme, t.target.Host, t.target.Host
	}
	return t.base.RoundTrip(r)
}

// newDiscordSession returns a discordgo session for the bot token, aimed at
// apiURL, that reports rate limits instead of sleeping and never
// reconnects on its own; it is not opened.
func newDiscordSession(token, apiURL string) (*discordgo.Session, error) {
	target, err := url.Parse(apiURL)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("DISCORD_API_URL: want an http(s) URL, got %q", apiURL)
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, err
	}
	s.Client = &http.Client{Timeout: 15 * time.Second, Transport: &discordOrigin{target: target, base: http.DefaultTransport}}
	s.ShouldRetryOnRateLimit = false
	s.ShouldReconnectOnError = false
	s.MaxRestRetries = 1
	s.LogLevel = -1 // discordgo logs through the standard logger; doctor prints its own lines
	s.Identify.Intents = discordIntents
	return s, nil
}

// discordErr describes a discordgo error by Discord's status, message
// and code when there is one.
func discordErr(err error) string {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		if re.Message != nil && re.Message.Message != "" {
			return fmt.Sprintf("HTTP %d %s (code %d)", re.Response.StatusCode, re.Message.Message, re.Message.Code)
		}
		return fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	return err.Error()
}

// discordStatus is the HTTP status of a REST error, 0 for other errors.
func discordStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

func (d *doctor) checkDiscord(ctx context.Context, cfg *Config, st *core.Store) {
	s, err := newDiscordSession(cfg.DiscordBotToken, cfg.DiscordAPIURL)
	if err != nil {
		d.fail("discord token", err.Error(), "fix DISCORD_API_URL")
		return
	}
	opt := discordgo.WithContext(ctx)
	me, err := s.User("@me", opt)
	switch {
	case discordStatus(err) == http.StatusUnauthorized:
		d.fail("discord token", "Discord refused the token: "+discordErr(err),
			"Developer Portal → your application → Bot → Reset Token, and put it in DISCORD_BOT_TOKEN")
	case err != nil:
		d.fail("discord token", fmt.Sprintf("cannot reach Discord at %s: %s", cfg.DiscordAPIURL, discordErr(err)), "check the network, or DISCORD_API_URL if you set it")
	default:
		d.ok("discord token", fmt.Sprintf("bot %s (%s)", me.Username, me.ID))
	}
	if err != nil {
		for _, n := range []string{"discord guild", "discord support channel", "discord permissions", "discord intents", "discord commands", "discord clients"} {
			d.skip(n, "needs a valid Discord token")
		}
		return
	}

	guild, err := s.Guild(cfg.DiscordGuildID, opt)
	switch {
	case discordStatus(err) == http.StatusForbidden:
		d.fail("discord guild", "the bot is not in server "+cfg.DiscordGuildID+": "+discordErr(err), "open the URL `jayaya discord-invite` prints and add the bot to the server")
	case discordStatus(err) == http.StatusNotFound:
		d.fail("discord guild", "no server "+cfg.DiscordGuildID+": "+discordErr(err),
			"set DISCORD_GUILD_ID to the server's ID (Developer Mode on, right-click the server → Copy Server ID)")
	case err != nil:
		d.fail("discord guild", discordErr(err), "check DISCORD_GUILD_ID")
	default:
		d.ok("discord guild", fmt.Sprintf("%q, the bot is a member", guild.Name))
	}
	if err == nil {
		d.checkDiscordChannel(s, cfg, me.ID, opt)
	} else {
		d.skip("discord support channel", "needs the server")
		d.skip("discord permissions", "needs the server")
	}
	d.checkDiscordIntents(ctx, s)
	if err == nil {
		d.checkDiscordCommands(s, cfg, opt)
	} else {
		d.skip("discord commands", "needs the server")
	}
	d.checkDiscordClients(ctx, s, cfg, st, err == nil)
}

// checkDiscordChannel checks the (first) support channel and the bot's
// permissions in it.
func (d *doctor) checkDiscordChannel(s *discordgo.Session, cfg *Config, botID string, opt discordgo.RequestOption) {
	const name = "discord support channel"
	ch, problem, fix := supportChannel(s, cfg, cfg.DiscordSupportChannel, opt)
	if problem != "" {
		d.fail(name, problem, fix)
		d.skip("discord permissions", "needs the support channel")
		return
	}
	d.ok(name, "#"+ch.Name)

	missing, err := missingPermissions(s, botID, ch, opt)
	if err != nil {
		d.fail("discord permissions", discordErr(err), "check the bot is in the server")
		return
	}
	if len(missing) > 0 {
		d.fail("discord permissions", "in #"+ch.Name+" the bot lacks "+strings.Join(missing, ", "),
			"grant them to the bot's role (Server Settings → Roles) and check #"+ch.Name+"'s permission overwrites, or re-invite with `jayaya discord-invite`")
		return
	}
	d.ok("discord permissions", fmt.Sprintf("all %d in #%s", len(discordPermissions), ch.Name))
	d.checkOtherSupportChannels(s, cfg, botID, opt)
}

// supportChannel reads support channel id; problem and fix say what is
// wrong with it, when something is.
func supportChannel(s *discordgo.Session, cfg *Config, id string, opt discordgo.RequestOption) (ch *discordgo.Channel, problem, fix string) {
	ch, err := s.Channel(id, opt)
	switch {
	case discordStatus(err) == http.StatusForbidden:
		return nil, "the bot cannot see channel " + id + ": " + discordErr(err), "allow View Channel for the bot's role in that channel (Edit Channel → Permissions)"
	case err != nil:
		return nil, "channel " + id + ": " + discordErr(err), "set DISCORD_SUPPORT_CHANNEL to the channel's ID (right-click the channel → Copy Channel ID)"
	case ch.GuildID != cfg.DiscordGuildID:
		return nil, "#" + ch.Name + " is not in server " + cfg.DiscordGuildID, "choose a channel of the DISCORD_GUILD_ID server"
	case ch.Type != discordgo.ChannelTypeGuildText:
		return nil, "#" + ch.Name + " is not a text channel", "choose a text channel (ticket threads open under it)"
	}
	return ch, "", ""
}

// missingPermissions lists the permissions the bot needs in ch and lacks.
func missingPermissions(s *discordgo.Session, botID string, ch *discordgo.Channel, opt discordgo.RequestOption) ([]string, error) {
	perms, err := s.UserChannelPermissions(botID, ch.ID, opt)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, p := range discordPermissions {
		if perms&p.Bit != p.Bit {
			missing = append(missing, p.Name)
		}
	}
	return missing, nil
}

// checkDiscordIntents opens a gateway session with the adapter's intents:
// Discord answers READY, or closes with 4014 when message content is not
// enabled for the bot.
func (d *doctor) checkDiscordIntents(ctx context.Context, s *discordgo.Session) {
	const name = "discord intents"
	done := make(chan error, 1)
	go func() { done <- s.Open() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("no READY from the gateway in time")
		go func() {
			if <-done == nil {
				s.Close()
			}
		}()
	}
	switch {
	case err != nil && strings.Contains(err.Error(), "4014"):
		d.fail(name, "Discord refused the message content intent (close 4014)",
			"Developer Portal → your application → Bot → Privileged Gateway Intents → MESSAGE CONTENT INTENT → on, Save")
	case err != nil:
		d.fail(name, "gateway: "+err.Error(), "check the token and the network (wss to the gateway)")
	default:
		s.Close()
		d.ok(name, "READY with guilds, guild messages, message content, direct messages")
	}
}

func (d *doctor) checkDiscordCommands(s *discordgo.Session, cfg *Config, opt discordgo.RequestOption) {
	const name = "discord commands"
	app, err := s.Application("@me")
	if err != nil {
		d.fail(name, "cannot read the application: "+discordErr(err), "check the token")
		return
	}
	have := map[string]bool{}
	for _, guild := range []string{cfg.DiscordGuildID, ""} {
		cmds, err := s.ApplicationCommands(app.ID, guild, opt)
		if err != nil {
			d.fail(name, "cannot list commands: "+discordErr(err), "re-invite the bot with the applications.commands scope (`jayaya discord-invite`)")
			return
		}
		for _, c := range cmds {
			have[c.Name] = true
		}
	}
	var missing []string
	for _, c := range discordCommands {
		if !have[c] {
			missing = append(missing, "/"+c)
		}
	}
	if len(missing) > 0 {
		d.fail(name, "not registered: "+strings.Join(missing, ", "), "start `jayaya serve` once with this configuration: the Discord adapter registers them")
		return
	}
	d.ok(name, "/"+strings.Join(discordCommands, ", /")+" registered")
}

func (d *doctor) checkDiscordClients(ctx context.Context, s *discordgo.Session, cfg *Config, st *core.Store, guildOK bool) {
	const name = "discord clients"
	switch {
	case st == nil:
		d.skip(name, "needs a migrated database")
		return
	case !guildOK:
		d.skip(name, "needs the server")
		return
	}
	users, without, err := linkedUsers(ctx, st, func(u *core.User) *string { return u.DiscordID }, core.RoleClient)
	if err != nil {
		d.fail(name, err.Error(), "check the database")
		return
	}
	var bad []string
	for _, u := range users {
		if _, err := s.GuildMember(cfg.DiscordGuildID, *u.DiscordID, discordgo.WithContext(ctx)); err != nil {
			bad = append(bad, fmt.Sprintf("%s (%s): %s", u.Login, *u.DiscordID, discordErr(err)))
		}
	}
	note := ""
	if without > 0 {
		note = fmt.Sprintf("; %d clients without a Discord ID cannot open tickets", without)
	}
	if len(bad) > 0 {
		d.fail(name, "not members of the server: "+strings.Join(bad, "; ")+note,
			"fix each client's Discord user ID in the admin panel (Developer Mode on, right-click the user → Copy User ID), or invite them to the server")
		return
	}
	if len(users) == 0 {
		d.ok(name, "no client has a Discord ID yet: add them with `jayaya user add … --role client --discord-id …`"+note)
		return
	}
	d.ok(name, fmt.Sprintf("%d resolved%s", len(users), note))
}
