package main

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
)

// routeWorld is a doctorWorld (fake Slack and Discord, a migrated
// database) with an interest and a company, and Slack channels the bot
// is in (#billing), is not in (#tech, public), cannot see (#vip, private)
// and that is archived (#old).
type routeWorld struct {
	*doctorWorld
	billing, tech, vip, old string
}

func newRouteWorld(t *testing.T) *routeWorld {
	t.Helper()
	w := &routeWorld{doctorWorld: newDoctorWorld(t, worldOptions{})}
	fs := w.slack.State()
	bot := w.slack.Config().BotUserID
	w.billing = fs.AddChannel(slacktest.Channel{Name: "billing"}).ID
	w.tech = fs.AddChannel(slacktest.Channel{Name: "tech"}).ID
	w.vip = fs.AddChannel(slacktest.Channel{Name: "vip", IsPrivate: true}).ID
	w.old = fs.AddChannel(slacktest.Channel{Name: "old", Archived: true}).ID
	for _, ch := range []string{w.tech, w.vip} {
		if err := fs.Leave(ch, bot); err != nil {
			t.Fatal(err)
		}
	}
	st, err := core.Open(context.Background(), w.env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateInterest(context.Background(), "Billing", "#112233"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCompany(context.Background(), core.CompanyInput{Name: "Dupont & Fils"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestRouteCommands: jayaya route add refuses a rule whose channel the
// bot cannot post in (unknown, archived, private without the bot), names
// nothing or two things, or names a Discord channel that is no support
// channel, with one line naming the flag and nothing saved; it adds good
// rules (joining a public channel), lists them in the order they are
// tried and deletes them.
func TestRouteCommands(t *testing.T) {
	t.Parallel()
	w := newRouteWorld(t)
	support := w.env["DISCORD_SUPPORT_CHANNEL"]
	refused := []struct {
		args []string
		code int
		want string // the whole of stderr
	}{
		{[]string{"--interest", "Billing", "--slack-channel", "C0NOSUCH"}, 2,
			"jayaya route add: --slack-channel: Slack has no channel C0NOSUCH that the bot can see: check the ID (at the bottom of the channel’s details); for a private channel, invite the app into it first.\n"},
		{[]string{"--interest", "Billing", "--slack-channel", w.old}, 2,
			"jayaya route add: --slack-channel: Slack channel #old is archived: unarchive it or choose another channel.\n"},
		{[]string{"--interest", "Billing", "--slack-channel", w.vip}, 2,
			"jayaya route add: --slack-channel: Slack has no channel " + w.vip + " that the bot can see: check the ID (at the bottom of the channel’s details); for a private channel, invite the app into it first.\n"},
		{[]string{"--interest", "Billing", "--company", "Dupont & Fils", "--slack-channel", w.billing}, 2,
			"jayaya route add: A rule matches exactly one thing: a company, an interest or a Discord support channel.\n"},
		{[]string{"--slack-channel", w.billing}, 2,
			"jayaya route add: A rule matches exactly one thing: a company, an interest or a Discord support channel.\n"},
		{[]string{"--interest", "Billing"}, 2, "jayaya route add: --slack-channel is required\n"},
		{[]string{"--company", "Nobody", "--slack-channel", w.billing}, 2, "jayaya route add: --company: No company is named “Nobody”.\n"},
		{[]string{"--discord-channel", "100000000000000099", "--slack-channel", w.billing}, 2,
			"jayaya route add: --discord-channel: Discord channel 100000000000000099 is not a support channel (DISCORD_SUPPORT_CHANNEL lists " + support + ").\n"},
	}
	for _, c := range refused {
		code, out, errs := jayaya(t, w.env, "", append([]string{"route", "add"}, c.args...)...)
		if code != c.code || out != "" || errs != c.want {
			t.Errorf("route add %v: exit %d, stdout %q, stderr %q\nwant exit %d, stderr %q", c.args, code, out, errs, c.code, c.want)
		}
	}
	if out := mustRun(t, w.env, "", "route", "list"); strings.Count(out, "\n") != 1 {
		t.Fatalf("refused rules were saved:\n%s", out)
	}
	if joins := w.slack.State().Calls("conversations.join"); len(joins) != 0 {
		t.Fatalf("refused rules joined %d channels", len(joins))
	}

	if out := mustRun(t, w.env, "", "route", "add", "--discord-channel", support, "--slack-channel", w.billing); out != "added rule 1: discord "+support+" → "+w.billing+" (#billing)\n" {
		t.Fatalf("add: %q", out)
	}
	mustRun(t, w.env, "", "route", "add", "--interest", "billing", "--slack-channel", w.tech)
	mustRun(t, w.env, "", "route", "add", "--company", "DUPONT & FILS", "--slack-channel", w.billing)
	if ch, _ := w.slack.State().Channel(w.tech); !slices.Contains(ch.Members, w.slack.Config().BotUserID) {
		t.Error("the bot did not join #tech")
	}
	code, _, errs := jayaya(t, w.env, "", "route", "add", "--interest", "Billing", "--slack-channel", w.billing)
	if code != 1 || errs != "jayaya route add: --interest: Interest Billing already has a routing rule: delete it first.\n" {
		t.Errorf("second rule for Billing: exit %d, %q", code, errs)
	}
	list := strings.Split(strings.TrimSpace(mustRun(t, w.env, "", "route", "list")), "\n")
	want := []string{"ID  KIND      MATCHES", "3   company   Dupont & Fils", "2   interest  Billing", "1   discord   " + support}
	for i, prefix := range want {
		if i >= len(list) || !strings.HasPrefix(list[i], prefix) {
			t.Fatalf("route list:\n%s\nwant lines starting %q", strings.Join(list, "\n"), want)
		}
	}
	if !regexp.MustCompile(w.tech + ` +#tech$`).MatchString(list[2]) {
		t.Errorf("route list row %q lacks the channel and its name", list[2])
	}

	if out := mustRun(t, w.env, "", "route", "delete", "--id", "2"); out != "deleted rule 2: interest Billing → "+w.tech+"\n" {
		t.Fatalf("delete: %q", out)
	}
	for _, c := range []struct {
		id   string
		code int
		want string
	}{
		{"2", 1, "jayaya route delete: There is no routing rule 2.\n"},
		{"two", 2, "jayaya route delete: --id: want a rule's number, as route list shows it, got \"two\"\n"},
	} {
		if code, _, errs := jayaya(t, w.env, "", "route", "delete", "--id", c.id); code != c.code || errs != c.want {
			t.Errorf("delete --id %s: exit %d, %q", c.id, code, errs)
		}
	}

	// Without Slack nothing can be checked, so nothing is routed.
	delete(w.env, "SLACK_BOT_TOKEN")
	code, _, errs = jayaya(t, w.env, "", "route", "add", "--interest", "Billing", "--slack-channel", w.billing)
	if code != 2 || !strings.Contains(errs, "--slack-channel: Slack is not configured (SLACK_BOT_TOKEN)") {
		t.Errorf("Slack off: exit %d, %q", code, errs)
	}
}

// TestDoctorChecksRoutedChannels: with overflow channels and rules,
// doctor checks the bot can post in each, one line for the overflow
// channels and one for the routed ones, and says what is wrong with each
// that fails.
func TestDoctorChecksRoutedChannels(t *testing.T) {
	t.Parallel()
	w := newRouteWorld(t)
	overflow := w.slack.State().AddChannel(slacktest.Channel{Name: "overflow-1"}).ID
	w.env["SLACK_OVERFLOW_CHANNELS"] = overflow + ", " + w.billing
	mustRun(t, w.env, "", "route", "add", "--interest", "Billing", "--slack-channel", w.tech)
	mustRun(t, w.env, "", "route", "add", "--company", "Dupont & Fils", "--slack-channel", w.billing)
	code, got, out := doctorLines(t, w.env)
	if code != 0 || got["slack overflow channels"] != [2]string{"ok", "#overflow-1, #billing, the bot is a member of each"} ||
		got["slack routed channels"] != [2]string{"ok", "#billing, #tech, the bot is a member of each"} {
		t.Fatalf("doctor:\n%s", out)
	}

	fs := w.slack.State()
	if err := fs.ArchiveChannel(w.tech); err != nil {
		t.Fatal(err)
	}
	if err := fs.Leave(overflow, w.slack.Config().BotUserID); err != nil {
		t.Fatal(err)
	}
	code, got, out = doctorLines(t, w.env)
	if code != 1 {
		t.Fatalf("doctor passed with a broken channel:\n%s", out)
	}
	if l := got["slack routed channels"]; l[0] != "FAIL" || !strings.Contains(l[1], "#tech is archived — fix: unarchive it or set the rule (panel → Routing, or jayaya route) to another channel") {
		t.Errorf("routed channels line %v", l)
	}
	if l := got["slack overflow channels"]; l[0] != "FAIL" || !strings.Contains(l[1], "the bot is not a member of #overflow-1 — fix: type `/invite @") {
		t.Errorf("overflow channels line %v", l)
	}
}

// TestRoutingConfig: SLACK_OVERFLOW_CHANNELS and DISCORD_SUPPORT_CHANNEL
// take comma-separated IDs; a bad list stops with a message naming the
// variable.
func TestRoutingConfig(t *testing.T) {
	base := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_STAFF_CHANNEL": "C0STAFF",
		"DISCORD_BOT_TOKEN": "t", "DISCORD_GUILD_ID": "100000000000000000"}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	cfg, err := LoadConfig(envFunc(with("SLACK_OVERFLOW_CHANNELS", " C0OVER1 ,C0OVER2", "DISCORD_SUPPORT_CHANNEL", "100000000000000001, 100000000000000002")))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.SlackOverflowChannels, []string{"C0OVER1", "C0OVER2"}) || cfg.DiscordSupportChannel != "100000000000000001" ||
		!slices.Equal(cfg.DiscordSupportChannels, []string{"100000000000000001", "100000000000000002"}) {
		t.Fatalf("config %+v", cfg)
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{with("SLACK_OVERFLOW_CHANNELS", "C0OVER1,,C0OVER2"), "SLACK_OVERFLOW_CHANNELS: an empty item"},
		{with("SLACK_OVERFLOW_CHANNELS", "#overflow"), `SLACK_OVERFLOW_CHANNELS: "#overflow" is not one of the Slack channel IDs`},
		{with("SLACK_OVERFLOW_CHANNELS", "C0OVER1,C0OVER1"), "SLACK_OVERFLOW_CHANNELS: C0OVER1 is listed twice"},
		{with("SLACK_OVERFLOW_CHANNELS", "C0STAFF"), "SLACK_OVERFLOW_CHANNELS: C0STAFF is SLACK_STAFF_CHANNEL already"},
		{with("DISCORD_SUPPORT_CHANNEL", "100000000000000001,support"), `DISCORD_SUPPORT_CHANNEL: "support" is not one of the Discord channel IDs`},
	} {
		if _, err := LoadConfig(envFunc(c.env)); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.env, err, c.want)
		}
	}
}

// TestDoctorChecksOtherSupportChannels: with several Discord support
// channels, doctor checks the others on one more line, naming a missing
// permission.
func TestDoctorChecksOtherSupportChannels(t *testing.T) {
	t.Parallel()
	w := newDoctorWorld(t, worldOptions{})
	billing, err := w.discord.AddTextChannel(w.discord.Seed().GuildID, "billing")
	if err != nil {
		t.Fatal(err)
	}
	w.env["DISCORD_SUPPORT_CHANNEL"] += "," + billing
	code, got, out := doctorLines(t, w.env)
	if code != 0 || got["discord other channels"] != [2]string{"ok", "#billing, with every permission"} {
		t.Fatalf("doctor:\n%s", out)
	}
	if err := w.discord.SetBotPermissions(billing, 0, discordgo.PermissionManageWebhooks); err != nil {
		t.Fatal(err)
	}
	_, got, out = doctorLines(t, w.env)
	if l := got["discord other channels"]; l[0] != "FAIL" || !strings.Contains(l[1], "in #billing the bot lacks") {
		t.Fatalf("doctor:\n%s", out)
	}
}
