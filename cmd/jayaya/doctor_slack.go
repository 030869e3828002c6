package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/core"
)

// slackAuth is what auth.test says about the bot token, with the scopes
// Slack lists in the X-OAuth-Scopes header of its answer (slack-go's
// AuthTest does not expose headers).
type slackAuth struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
	User   string `json:"user"`
	UserID string `json:"user_id"`
	Team   string `json:"team"`
	Scopes []string
}

func slackAuthTest(ctx context.Context, hc *http.Client, apiURL, token string) (*slackAuth, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+"auth.test", strings.NewReader(""))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var a slackAuth
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return nil, fmt.Errorf("unreadable answer: %v", err)
	}
	for _, s := range strings.Split(resp.Header.Get("X-OAuth-Scopes"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			a.Scopes = append(a.Scopes, s)
		}
	}
	return &a, nil
}

const slackTokenFix = "copy the Bot User OAuth Token (xoxb-…) from api.slack.com/apps → your app → OAuth & Permissions into SLACK_BOT_TOKEN (install the app to the workspace first)"

// signingSecretRE is the shape of a Slack signing secret.
var signingSecretRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (d *doctor) checkSlack(ctx context.Context, cfg *Config, st *core.Store) {
	hc := &http.Client{Timeout: 15 * time.Second}
	api := slack.New(cfg.SlackBotToken, slack.OptionAPIURL(cfg.SlackAPIURL), slack.OptionHTTPClient(hc), slack.OptionAppLevelToken(cfg.SlackAppToken))

	auth, err := slackAuthTest(ctx, hc, cfg.SlackAPIURL, cfg.SlackBotToken)
	switch {
	case err != nil:
		d.fail("slack token", fmt.Sprintf("cannot reach Slack at %s: %v", cfg.SlackAPIURL, err), "check the network, or SLACK_API_URL if you set it")
	case !auth.OK:
		d.fail("slack token", "auth.test answered "+auth.Error, slackTokenFix)
	default:
		d.ok("slack token", fmt.Sprintf("bot @%s (%s) in workspace %q", auth.User, auth.UserID, auth.Team))
	}
	if err != nil || !auth.OK {
		for _, n := range []string{"slack scopes", "slack staff channel", "slack staff users"} {
			d.skip(n, "needs a valid Slack token")
		}
		d.checkSlackRequests(ctx, cfg, api)
		return
	}

	var missing, extra []string
	for _, s := range slackScopes {
		if !slices.Contains(auth.Scopes, s.Scope) {
			missing = append(missing, s.Scope)
		}
	}
	for _, s := range auth.Scopes {
		if !slices.ContainsFunc(slackScopes, func(n slackScope) bool { return n.Scope == s }) {
			extra = append(extra, s)
		}
	}
	if len(missing) > 0 {
		d.fail("slack scopes", "missing "+strings.Join(missing, ", "),
			"add them under OAuth & Permissions → Bot Token Scopes (or paste `jayaya slack-manifest` into App Manifest), then Reinstall to Workspace")
	} else {
		note := fmt.Sprintf("all %d granted", len(slackScopes))
		if len(extra) > 0 {
			note += " (also granted, unused: " + strings.Join(extra, ", ") + ")"
		}
		d.ok("slack scopes", note)
	}

	d.checkSlackChannel(ctx, cfg, api, auth.User)
	d.checkRoutedChannels(ctx, cfg, api, st, auth.User)
	d.checkSlackRequests(ctx, cfg, api)
	d.checkSlackUsers(ctx, api, st)
}

func (d *doctor) checkSlackChannel(ctx context.Context, cfg *Config, api *slack.Client, botName string) {
	const name = "slack staff channel"
	label, problem, fix := slackChannelProblem(ctx, api, cfg.SlackStaffChannel, botName, "SLACK_STAFF_CHANNEL")
	if problem != "" {
		d.fail(name, problem, fix)
		return
	}
	d.ok(name, label+", the bot is a member")
}

// slackChannelProblem checks that the bot can post in a channel: it
// exists and the bot sees it, is not archived, and has the bot as a
// member. It returns the channel's label (#name) and, when the bot cannot
// post there, what is wrong and how to fix it (setting names where the
// channel was given).
func slackChannelProblem(ctx context.Context, api *slack.Client, id, botName, setting string) (label, problem, fix string) {
	ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	switch {
	case err != nil && strings.Contains(err.Error(), "channel_not_found"):
		return id, id + " not found",
			"set " + setting + " to the channel's ID (C…, at the bottom of the channel's details); for a private channel, /invite @" + botName + " first"
	case err != nil:
		return id, fmt.Sprintf("conversations.info %s: %v", id, err), "check the channel ID and the app's scopes"
	case ch.IsArchived:
		return "#" + ch.Name, "#" + ch.Name + " is archived", "unarchive it or set " + setting + " to another channel"
	case !ch.IsMember:
		return "#" + ch.Name, "the bot is not a member of #" + ch.Name, "type `/invite @" + botName + "` in #" + ch.Name
	}
	return "#" + ch.Name, "", ""
}

// checkSlackRequests checks how Slack's requests will reach JayayaCRM:
// Socket Mode with a working app-level token, or HTTP with a signing
// secret and a public HTTPS address.
func (d *doctor) checkSlackRequests(ctx context.Context, cfg *Config, api *slack.Client) {
	const name = "slack requests"
	if cfg.SlackAppToken != "" {
		if _, _, err := api.StartSocketModeContext(ctx); err != nil {
			d.fail(name, "Socket Mode: apps.connections.open: "+err.Error(),
				"create an app-level token with connections:write (Basic Information → App-Level Tokens) into SLACK_APP_TOKEN, and turn Socket Mode on")
			return
		}
		d.ok(name, "Socket Mode, app-level token accepted")
		return
	}
	u, _ := url.Parse(cfg.PublicURL)
	switch {
	case !signingSecretRE.MatchString(cfg.SlackSigningSecret):
		d.fail(name, "SLACK_SIGNING_SECRET does not look like a Slack signing secret (32 hex characters)",
			"copy Signing Secret from api.slack.com/apps → your app → Basic Information → App Credentials")
	case u.Scheme != "https" || u.Hostname() == "localhost" || strings.HasPrefix(u.Hostname(), "127."):
		d.fail(name, "JAYAYA_PUBLIC_URL "+cfg.PublicURL+" is not a public https:// address, so Slack cannot call /slack/*",
			"set JAYAYA_PUBLIC_URL to this server's public HTTPS address, or use Socket Mode (SLACK_APP_TOKEN)")
	default:
		d.ok(name, "HTTP to "+cfg.PublicURL+"/slack/…, signing secret set")
	}
}

func (d *doctor) checkSlackUsers(ctx context.Context, api *slack.Client, st *core.Store) {
	const name = "slack staff users"
	if st == nil {
		d.skip(name, "needs a migrated database")
		return
	}
	users, without, err := linkedUsers(ctx, st, func(u *core.User) *string { return u.SlackID }, core.RoleAdmin, core.RoleStaff)
	if err != nil {
		d.fail(name, err.Error(), "check the database")
		return
	}
	var bad []string
	for _, u := range users {
		su, err := api.GetUserInfoContext(ctx, *u.SlackID)
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s (%s): %v", u.Login, *u.SlackID, err))
		case su.Deleted:
			bad = append(bad, fmt.Sprintf("%s (%s): deactivated in Slack", u.Login, *u.SlackID))
		}
	}
	note := ""
	if without > 0 {
		note = fmt.Sprintf("; %d staff without a Slack ID cannot use /crm", without)
	}
	if len(bad) > 0 {
		d.fail(name, strings.Join(bad, "; ")+note,
			"fix each user's Slack member ID in the admin panel (Slack profile → ⋮ → Copy member ID)")
		return
	}
	if len(users) == 0 {
		d.ok(name, "no staff user has a Slack ID yet: add them with `jayaya user add … --slack-id U…`"+note)
		return
	}
	d.ok(name, fmt.Sprintf("%d resolved%s", len(users), note))
}
