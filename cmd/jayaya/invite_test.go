package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
)

// wantPermissions is the invite's permission integer worked out by hand
// from Discord's bit positions: add reactions 6, view channel 10, send
// messages 11, manage messages 13, embed links 14, attach files 15, read
// message history 16, manage webhooks 29, manage threads 34, create public
// threads 35, create private threads 36, send messages in threads 38.
const wantPermissions = "395673988160"

// inviteQuery finds the invite URL in the output and returns its query.
func inviteQuery(t *testing.T, out string) url.Values {
	t.Helper()
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "https://discord.com/oauth2/authorize?") {
			u, err := url.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			return u.Query()
		}
	}
	t.Fatalf("no invite URL in:\n%s", out)
	return nil
}

func TestDiscordInviteWithAppID(t *testing.T) {
	code, out, errs := jayaya(t, nil, "", "discord-invite", "--app-id", "112233445566778899")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	q := inviteQuery(t, out)
	if q.Get("client_id") != "112233445566778899" || q.Get("scope") != "bot applications.commands" || q.Get("permissions") != wantPermissions {
		t.Errorf("query %v", q)
	}
	if q.Has("guild_id") {
		t.Errorf("guild preselected without DISCORD_GUILD_ID: %v", q)
	}
	for _, want := range []string{"MESSAGE CONTENT INTENT", "Manage Webhooks", "Create Private Threads", "Send Messages in Threads"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDiscordInviteAsksDiscordForTheApplication(t *testing.T) {
	t.Parallel()
	srv := discordtest.Start(t, discordtest.Config{})
	env := map[string]string{"DISCORD_BOT_TOKEN": srv.Token(), "DISCORD_API_URL": srv.URL(), "DISCORD_GUILD_ID": srv.Seed().GuildID}
	code, out, errs := jayaya(t, env, "", "discord-invite")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	q := inviteQuery(t, out)
	if q.Get("client_id") != srv.AppID() || q.Get("guild_id") != srv.Seed().GuildID || q.Get("permissions") != wantPermissions {
		t.Errorf("query %v; want client_id %s guild_id %s", q, srv.AppID(), srv.Seed().GuildID)
	}
	if n := srv.CountRequests("GET", "/oauth2/applications/@me") + srv.CountRequests("GET", "/applications/@me"); n != 1 {
		t.Errorf("the application was asked for %d times", n)
	}

	env["DISCORD_BOT_TOKEN"] = "wrong-token"
	code, out, errs = jayaya(t, env, "", "discord-invite")
	if code != 1 || out != "" || !strings.Contains(errs, "DISCORD_BOT_TOKEN") || !strings.Contains(errs, "401") || strings.Contains(errs, "wrong-token") {
		t.Errorf("bad token: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestDiscordInviteRefusesBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "DISCORD_BOT_TOKEN"},
		{[]string{"--app-id", "abc"}, "--app-id"},
		{[]string{"--app-id", "112233445566778899", "x"}, "unexpected argument"},
	}
	for _, c := range cases {
		code, out, errs := jayaya(t, nil, "", append([]string{"discord-invite"}, c.args...)...)
		if code != 2 || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errs)
		}
	}
}
