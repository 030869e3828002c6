package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chatOffLines are the variables each "… is off" line must name.
var chatOffLines = map[string][]string{
	"Slack":   {"SLACK_BOT_TOKEN", "SLACK_STAFF_CHANNEL", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"},
	"Discord": {"DISCORD_BOT_TOKEN", "DISCORD_GUILD_ID", "DISCORD_SUPPORT_CHANNEL"},
}

// offLines returns the log lines saying platform is off.
func offLines(logs, platform string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `msg="`+platform+` is off`) {
			out = append(out, l)
		}
	}
	return out
}

// TestServeSaysWhichChatsAreOff: a first `jayaya serve` with neither chat
// configured says so in one line for each, after the listening line, with
// the variables that turn it on, `jayaya demo` and the operator guide.
func TestServeSaysWhichChatsAreOff(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "j.db"), "JAYAYA_ADDR": "127.0.0.1:0"}
	_, logs := serveInProcess(t, env)
	// Discord's line is the last of the two.
	for deadline := time.Now().Add(waitTimeout); len(offLines(logs.String(), "Discord")) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	for platform, vars := range chatOffLines {
		lines := offLines(out, platform)
		if len(lines) != 1 {
			t.Errorf("%s: %d lines say it is off, want 1:\n%s", platform, len(lines), out)
			continue
		}
		for _, want := range append(vars, `try="jayaya demo"`, "guide="+operatorGuide) {
			if !strings.Contains(lines[0], want) {
				t.Errorf("%s's line lacks %s: %s", platform, want, lines[0])
			}
		}
		if strings.Index(out, lines[0]) < strings.Index(out, "msg=listening") {
			t.Errorf("%s's line comes before the listening line:\n%s", platform, out)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "..", operatorGuide)); err != nil {
		t.Errorf("the log points at a guide that is not there: %v", err)
	}
}

// TestChatsOffOnlyForTheOffOnes: a platform that is configured gets no
// line; each one that is not gets its own.
func TestChatsOffOnlyForTheOffOnes(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"neither", Config{}, []string{"Discord", "Slack"}},
		{"slack only", Config{SlackBotToken: "xoxb-1"}, []string{"Discord"}},
		{"discord only", Config{DiscordBotToken: "t"}, []string{"Slack"}},
		{"both", Config{SlackBotToken: "xoxb-1", DiscordBotToken: "t"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			logChatsOff(slog.New(slog.NewTextHandler(&b, nil)), &c.cfg)
			var got []string
			for _, platform := range []string{"Discord", "Slack"} {
				if n := len(offLines(b.String(), platform)); n == 1 {
					got = append(got, platform)
				} else if n > 1 {
					t.Errorf("%s said off %d times", platform, n)
				}
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("off: %v, want %v\n%s", got, c.want, b.String())
			}
			if lines := strings.Count(b.String(), "\n"); lines != len(c.want) {
				t.Errorf("%d log lines, want %d:\n%s", lines, len(c.want), b.String())
			}
		})
	}
}
