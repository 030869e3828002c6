package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// doctorWorld is a configuration that passes every doctor check: a
// migrated SQLite database with a staff user and a client, a fake Slack
// workspace and a fake Discord server set up as the operator guide says.
type doctorWorld struct {
	env     map[string]string
	slack   *slacktest.Server
	discord *discordtest.Server
	staffCh string
	client  string // the client's Discord ID
}

type worldOptions struct {
	slack   slacktest.Config
	discord discordtest.Config
}

const testSigningSecret = "8f742231b10e8888abcd9900aa85a5ee"

func newDoctorWorld(t *testing.T, o worldOptions) *doctorWorld {
	t.Helper()
	w := &doctorWorld{}
	w.discord = discordtest.Start(t, o.discord)
	w.slack = slacktest.New(t, o.slack)
	staff := w.slack.State().AddUser(slacktest.User{Name: "sam", RealName: "Sam Staff"})
	w.staffCh = w.slack.State().AddChannel(slacktest.Channel{Name: "crm-staff", Members: []string{staff.ID}}).ID

	seed := w.discord.Seed()
	client := w.discord.AddUser("carl")
	if err := w.discord.AddMember(seed.GuildID, client.ID); err != nil {
		t.Fatal(err)
	}
	registerDiscordCommands(t, w.discord, seed.GuildID, discordCommands...)
	w.client = client.ID

	w.env = map[string]string{
		"DATABASE_URL":            "sqlite://" + filepath.Join(t.TempDir(), "j.db"),
		"JAYAYA_PUBLIC_URL":       "https://crm.example.com",
		"SLACK_BOT_TOKEN":         w.slack.Config().BotToken,
		"SLACK_SIGNING_SECRET":    testSigningSecret,
		"SLACK_STAFF_CHANNEL":     w.staffCh,
		"SLACK_API_URL":           w.slack.APIURL(),
		"DISCORD_BOT_TOKEN":       w.discord.Token(),
		"DISCORD_GUILD_ID":        seed.GuildID,
		"DISCORD_SUPPORT_CHANNEL": seed.ChannelID,
		"DISCORD_API_URL":         w.discord.URL(),
	}
	mustRun(t, w.env, "", "migrate")
	mustRun(t, w.env, "", "user", "add", "--login", "sam", "--name", "Sam Staff", "--role", "staff", "--slack-id", staff.ID)
	mustRun(t, w.env, "", "user", "add", "--login", "carl", "--name", "Carl Client", "--role", "client", "--discord-id", client.ID)
	return w
}

func mustRun(t *testing.T, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	code, out, errs := jayaya(t, env, stdin, args...)
	if code != 0 {
		t.Fatalf("jayaya %v: exit %d: %s", args, code, errs)
	}
	return out
}

func registerDiscordCommands(t *testing.T, srv *discordtest.Server, guildID string, names ...string) {
	t.Helper()
	s, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var cmds []*discordgo.ApplicationCommand
	for _, n := range names {
		cmds = append(cmds, &discordgo.ApplicationCommand{Name: n, Description: "JayayaCRM " + n})
	}
	if _, err := s.ApplicationCommandBulkOverwrite(srv.AppID(), guildID, cmds); err != nil {
		t.Fatal(err)
	}
}

var doctorLineRE = regexp.MustCompile(`^(ok|FAIL|skip) {2,}(\S+(?: \S+)*?) {2,}(.*)$`)

// doctorLines runs jayaya doctor and returns its exit status and, by
// check name, the status and text of each line. It checks the last line
// counts the lines above it: "all N checks passed" when each is ok, else
// "N checks: A ok, B skipped, C failed".
func doctorLines(t *testing.T, env map[string]string) (int, map[string][2]string, string) {
	t.Helper()
	code, out, errs := jayaya(t, env, "", "doctor")
	if errs != "" {
		t.Errorf("doctor wrote to stderr: %q", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	got := map[string][2]string{}
	count := map[string]int{}
	for _, l := range lines[:len(lines)-1] {
		m := doctorLineRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q is not `status  check  detail`", l)
		}
		got[m[2]] = [2]string{m[1], m[3]}
		count[m[1]]++
	}
	total := len(lines) - 1
	checks := "checks"
	if total == 1 {
		checks = "check"
	}
	want := fmt.Sprintf("%d %s: %d ok, %d skipped, %d failed", total, checks, count["ok"], count["skip"], count["FAIL"])
	if count["ok"] == total {
		want = fmt.Sprintf("all %d checks passed", total)
	}
	if summary := lines[len(lines)-1]; summary != want {
		t.Errorf("summary %q, want %q:\n%s", summary, want, out)
	}
	if wantCode := min(count["FAIL"], 1); code != wantCode {
		t.Errorf("exit %d with %d failed checks", code, count["FAIL"])
	}
	return code, got, out
}

var allDoctorChecks = []string{
	"configuration", "database", "database migrations",
	"slack token", "slack scopes", "slack staff channel", "slack requests", "slack staff users",
	"discord token", "discord guild", "discord support channel", "discord permissions", "discord intents", "discord commands", "discord clients",
}

func TestDoctorPassesAGoodConfiguration(t *testing.T) {
	t.Parallel()
	w := newDoctorWorld(t, worldOptions{})
	code, got, out := doctorLines(t, w.env)
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "all 15 checks passed") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, c := range allDoctorChecks {
		if got[c][0] != "ok" {
			t.Errorf("%s: %v", c, got[c])
		}
	}
	if len(got) != len(allDoctorChecks) {
		t.Errorf("%d lines for %d checks:\n%s", len(got), len(allDoctorChecks), out)
	}
	for _, want := range []string{"#crm-staff", "1 resolved", "READY"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// It asked Slack for the staff user and Discord for the client.
	if n := len(w.slack.State().Calls("users.info")); n != 1 {
		t.Errorf("users.info called %d times", n)
	}
	if n := w.discord.CountRequests("GET", "/guilds/"+w.discord.Seed().GuildID+"/members/"+w.client); n != 1 {
		t.Errorf("guild member asked %d times", n)
	}
	// Secrets never appear in what doctor prints.
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN"} {
		if strings.Contains(out, w.env[k]) {
			t.Errorf("doctor printed %s", k)
		}
	}
}

func TestDoctorReportsEachMisconfiguration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		opts  worldOptions
		setup func(t *testing.T, w *doctorWorld)
		check string // the check that fails
		want  string // in its line
		skips []string
	}{
		{name: "database unreachable", setup: func(t *testing.T, w *doctorWorld) {
			w.env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"
		}, check: "database", want: "fix: check DATABASE_URL", skips: []string{"database migrations", "slack staff users", "discord clients"}},
		{name: "database not migrated", setup: func(t *testing.T, w *doctorWorld) {
			w.env["DATABASE_URL"] = "sqlite://" + filepath.Join(t.TempDir(), "new.db")
		}, check: "database migrations", want: "jayaya migrate", skips: []string{"slack staff users", "discord clients"}},
		{name: "slack token invalid", setup: func(t *testing.T, w *doctorWorld) {
			w.env["SLACK_BOT_TOKEN"] = "xoxb-revoked"
		}, check: "slack token", want: "invalid_auth", skips: []string{"slack scopes", "slack staff channel", "slack staff users"}},
		{name: "slack scopes missing", opts: worldOptions{slack: slacktest.Config{Scopes: []string{
			"commands", "chat:write", "channels:history", "groups:history", "channels:read", "groups:read", "users:read", "files:write", "files:read", "channels:join"}}},
			check: "slack scopes", want: "missing chat:write.customize, reactions:write, im:write — fix: add them"},
		{name: "slack staff channel unknown", setup: func(t *testing.T, w *doctorWorld) {
			w.env["SLACK_STAFF_CHANNEL"] = "C0NOSUCH"
		}, check: "slack staff channel", want: "C0NOSUCH not found"},
		{name: "slack bot not in channel", setup: func(t *testing.T, w *doctorWorld) {
			if err := w.slack.State().Leave(w.staffCh, w.slack.Config().BotUserID); err != nil {
				t.Fatal(err)
			}
		}, check: "slack staff channel", want: "/invite @jayaya"},
		{name: "slack channel archived", setup: func(t *testing.T, w *doctorWorld) {
			if err := w.slack.State().ArchiveChannel(w.staffCh); err != nil {
				t.Fatal(err)
			}
		}, check: "slack staff channel", want: "archived"},
		{name: "slack signing secret mangled", setup: func(t *testing.T, w *doctorWorld) {
			w.env["SLACK_SIGNING_SECRET"] = "xoxb-pasted-the-wrong-thing"
		}, check: "slack requests", want: "Signing Secret"},
		{name: "slack URL not public", setup: func(t *testing.T, w *doctorWorld) {
			w.env["JAYAYA_PUBLIC_URL"] = "http://localhost:8080"
		}, check: "slack requests", want: "not a public https://"},
		{name: "slack app token rejected", setup: func(t *testing.T, w *doctorWorld) {
			w.env["SLACK_APP_TOKEN"] = "xapp-wrong"
		}, check: "slack requests", want: "App-Level Tokens"},
		{name: "slack staff user unknown", setup: func(t *testing.T, w *doctorWorld) {
			mustRun(t, w.env, "", "user", "add", "--login", "ghost", "--name", "Ghost", "--role", "admin", "--slack-id", "U0GHOST1")
		}, check: "slack staff users", want: "ghost (U0GHOST1): user_not_found"},
		{name: "slack staff user deactivated", setup: func(t *testing.T, w *doctorWorld) {
			u := w.slack.State().AddUser(slacktest.User{Name: "gone"})
			mustRun(t, w.env, "", "user", "add", "--login", "gone", "--name", "Gone", "--role", "staff", "--slack-id", u.ID)
			if err := w.slack.State().DeleteUser(u.ID); err != nil {
				t.Fatal(err)
			}
		}, check: "slack staff users", want: "deactivated in Slack"},
		{name: "discord token invalid", setup: func(t *testing.T, w *doctorWorld) {
			w.env["DISCORD_BOT_TOKEN"] = "not-the-token"
		}, check: "discord token", want: "Reset Token", skips: []string{"discord guild", "discord intents", "discord clients"}},
		{name: "discord guild unknown", setup: func(t *testing.T, w *doctorWorld) {
			w.env["DISCORD_GUILD_ID"] = "100000000000000001"
		}, check: "discord guild", want: "Copy Server ID", skips: []string{"discord support channel", "discord permissions", "discord commands", "discord clients"}},
		{name: "discord bot not in guild", setup: func(t *testing.T, w *doctorWorld) {
			w.env["DISCORD_GUILD_ID"] = guildWithoutBot(t, w.discord)
		}, check: "discord guild", want: "jayaya discord-invite"},
		{name: "discord support channel unknown", setup: func(t *testing.T, w *doctorWorld) {
			w.env["DISCORD_SUPPORT_CHANNEL"] = "100000000000000002"
		}, check: "discord support channel", want: "Copy Channel ID", skips: []string{"discord permissions"}},
		{name: "discord bot lacks permissions", setup: func(t *testing.T, w *doctorWorld) {
			if err := w.discord.SetBotPermissions(w.discord.Seed().ChannelID, 0, discordgo.PermissionManageWebhooks|discordgo.PermissionCreatePrivateThreads); err != nil {
				t.Fatal(err)
			}
		}, check: "discord permissions", want: "lacks Create Private Threads, Manage Webhooks"},
		{name: "discord message content intent off", opts: worldOptions{discord: discordtest.Config{DisallowedIntents: discordgo.IntentMessageContent}},
			check: "discord intents", want: "MESSAGE CONTENT INTENT"},
		{name: "discord commands not registered", setup: func(t *testing.T, w *doctorWorld) {
			registerDiscordCommands(t, w.discord, w.discord.Seed().GuildID, "ticket")
		}, check: "discord commands", want: "not registered: /tickets, /close"},
		{name: "discord client not in guild", setup: func(t *testing.T, w *doctorWorld) {
			stranger := w.discord.AddUser("stranger")
			mustRun(t, w.env, "", "user", "add", "--login", "stranger", "--name", "Stranger", "--role", "client", "--discord-id", stranger.ID)
		}, check: "discord clients", want: "stranger"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newDoctorWorld(t, c.opts)
			if c.setup != nil {
				c.setup(t, w)
			}
			code, got, out := doctorLines(t, w.env)
			if code != 1 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			line := got[c.check]
			if line[0] != "FAIL" || !strings.Contains(line[1], c.want) || !strings.Contains(line[1], "fix: ") {
				t.Errorf("%s: %v; want FAIL with %q and a fix\n%s", c.check, line, c.want, out)
			}
			for _, s := range c.skips {
				if got[s][0] != "skip" {
					t.Errorf("%s after %s failed: %v", s, c.check, got[s])
				}
			}
			// Only this failure (and what depends on it): every other
			// check still passes.
			fails := 0
			for _, l := range got {
				if l[0] == "FAIL" {
					fails++
				}
			}
			if fails != 1 {
				t.Errorf("%d checks failed, want only %s:\n%s", fails, c.check, out)
			}
		})
	}
}

func TestDoctorWithoutPlatforms(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db")}
	mustRun(t, env, "", "migrate")
	code, got, out := doctorLines(t, env)
	if code != 1 || got["slack"][0] != "skip" || got["discord"][0] != "skip" || got["chat platforms"][0] != "FAIL" || got["database migrations"][0] != "ok" {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// Six lines: 3 ok, 2 skip, 1 FAIL, each counted (doctorLines checks
	// the summary against the lines).
	if !strings.HasSuffix(out, "\n6 checks: 3 ok, 2 skipped, 1 failed\n") {
		t.Errorf("summary without platforms:\n%s", out)
	}
	code, out, _ = jayaya(t, map[string]string{"SLACK_BOT_TOKEN": "nope"}, "", "doctor")
	if code != 1 || !strings.HasPrefix(out, "FAIL  configuration") || !strings.Contains(out, "SLACK_BOT_TOKEN") || !strings.HasSuffix(out, "\n1 check: 0 ok, 0 skipped, 1 failed\n") {
		t.Fatalf("bad configuration: exit %d:\n%s", code, out)
	}
	if code, _, errs := jayaya(t, env, "", "doctor", "extra"); code != 2 || !strings.Contains(errs, "unexpected argument") {
		t.Fatalf("extra argument: exit %d %q", code, errs)
	}
}

// guildWithoutBot adds a server the bot was not invited to.
func guildWithoutBot(t *testing.T, srv *discordtest.Server) string {
	t.Helper()
	owner := srv.AddUser("owner2")
	id, err := srv.AddGuild("Elsewhere", owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RemoveMember(id, srv.BotUser().ID); err != nil {
		t.Fatal(err)
	}
	return id
}
