package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestLoggerFormatAndLevel(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&Config{LogFormat: "json", LogLevel: "warn"}, &buf)
	log.Info("hidden at warn")
	log.Warn("shown", "ticket", 42, "platform", "discord")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q", buf.String())
	}
	if line["msg"] != "shown" || line["level"] != "WARN" || line["ticket"] != 42.0 || line["platform"] != "discord" {
		t.Fatalf("line %v", line)
	}

	buf.Reset()
	log = newLogger(&Config{LogFormat: "text", LogLevel: "debug"}, &buf)
	log.Debug("details", "delivery", 7)
	if !strings.Contains(buf.String(), "level=DEBUG msg=details delivery=7") {
		t.Fatalf("text debug line %q", buf.String())
	}
}

var jsonAddrRE = regexp.MustCompile(`"msg":"listening","addr":"([0-9.:]+)"`)

// TestLogsKeepSecrets runs serve with JSON logs at info, with every secret
// set, sends it Slack traffic (a signed command, a forged one) and a CLI
// password, and checks every line is JSON and no secret shows.
func TestLogsKeepSecrets(t *testing.T) {
	t.Parallel()
	slack := slacktest.New(t, slacktest.Config{})
	staff := slack.State().AddUser(slacktest.User{Name: "sam"})
	channel := slack.State().AddChannel(slacktest.Channel{Name: "crm-staff", Members: []string{staff.ID}})
	const dbPassword = "db-pass-Zq81"
	const userPassword = "correct horse battery staple"
	dbURL := strings.Replace(coretest.NewPostgresDatabase(t, false), "postgres://postgres@", "postgres://postgres:"+dbPassword+"@", 1)
	if !strings.Contains(dbURL, dbPassword) {
		t.Fatalf("no password slot in %s", dbURL)
	}
	env := map[string]string{
		"DATABASE_URL": dbURL, "JAYAYA_ADDR": "127.0.0.1:0", "JAYAYA_LOG_FORMAT": "json", "JAYAYA_LOG_LEVEL": "info",
		"SLACK_BOT_TOKEN": slack.Config().BotToken, "SLACK_SIGNING_SECRET": slack.Config().SigningSecret,
		"SLACK_STAFF_CHANNEL": channel.ID, "SLACK_API_URL": slack.APIURL(),
	}
	var logs syncBuffer
	if code := run(context.Background(), []string{"migrate"}, envFunc(env), strings.NewReader(""), io.Discard, &logs); code != 0 {
		t.Fatalf("migrate: %s", logs.String())
	}
	if code := run(context.Background(), []string{"user", "add", "--login", "sam", "--name", "Sam", "--role", "staff", "--slack-id", staff.ID, "--password-stdin"},
		envFunc(env), strings.NewReader(userPassword+"\n"), io.Discard, &logs); code != 0 {
		t.Fatalf("user add: %s", logs.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, envFunc(env), strings.NewReader(""), io.Discard, &logs) }()
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := jsonAddrRE.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		cancel()
		t.Fatalf("serve never listened: %s", logs.String())
	}
	slack.SetProductURL("http://" + addr)
	if d, err := slack.HTTP().Command(ctx, slacktest.Command{UserID: staff.ID, ChannelID: channel.ID, Command: "/crm", Text: "help"}); err != nil || !d.OK() {
		t.Errorf("signed command: %+v %v", d, err)
	}
	if d, err := slack.HTTP().Command(ctx, slacktest.Command{UserID: staff.ID, ChannelID: channel.ID, Command: "/crm", Text: "help"}, slacktest.BadSignature()); err != nil || d.Status != http.StatusUnauthorized {
		t.Errorf("forged command: %+v %v", d, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, logs.String())
	}

	out := logs.String()
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "applied ") || line == "database is up to date" || strings.HasPrefix(line, "created ") {
			continue // the CLI's own answers, not logs
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("not a JSON log line: %q", line)
		}
	}
	if !strings.Contains(out, `"msg":"rejected unsigned or stale Slack request"`) {
		t.Errorf("the forged request was not logged:\n%s", out)
	}
	for name, secret := range map[string]string{
		"bot token": slack.Config().BotToken, "signing secret": slack.Config().SigningSecret,
		"database password": dbPassword, "user password": userPassword,
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the %s shows in the logs:\n%s", name, out)
		}
	}
}

// TestLogsKeepTheWebhookToken: the relay's Discord webhook has its token
// in its URL; when a post through it fails at the network level (the
// connection drops unanswered), the error quotes the URL, and neither the
// WARN line of the delivery worker nor the error stored with the delivery
// may show the token.
func TestLogsKeepTheWebhookToken(t *testing.T) {
	t.Parallel()
	w := newRelayWorld(t, core.EnginePostgres)
	ts := w.openByMessage(1, "My printer is on fire")
	restore := w.discord.InjectFault(discordtest.Fault{Method: "POST", Path: "/webhooks/{id}/{token}", Drop: true})
	w.staffSays(ts, w.staff.ID, "Please unplug it")
	var stored string
	w.waitDB("the failed post's error, stored with its delivery", func(ctx context.Context) bool {
		err := w.st.DB.NewSelect().Table("deliveries").Column("last_error").
			Where("kind = ? AND last_error <> ''", bot.KindDiscordPost).Limit(1).Scan(ctx, &stored)
		return err == nil
	})
	hooks := w.discord.Webhooks(w.support)
	if len(hooks) != 1 || hooks[0].Token == "" {
		t.Fatalf("webhooks of the support channel: %+v", hooks)
	}
	token := hooks[0].Token
	if strings.Contains(stored, token) || !strings.Contains(stored, "/webhooks/"+hooks[0].ID+"/REDACTED") {
		t.Errorf("the delivery's stored error: %q", stored)
	}
	restore()
	w.waitDiscord("the staff reply, posted once the connections hold", func() bool { return len(w.relayedToDiscord(ts)) == 1 })

	out := w.proc.logs.String()
	failed := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `level=WARN msg="delivery failed; will retry"`) {
			failed = line
		}
	}
	if failed == "" {
		t.Fatalf("the failed webhook post was not logged:\n%s", out)
	}
	if !strings.Contains(failed, "/webhooks/"+hooks[0].ID+"/REDACTED") {
		t.Errorf("the failure's error does not name the webhook, redacted: %s", failed)
	}
	if strings.Contains(out, token) {
		t.Errorf("the webhook token shows in the logs:\n%s", out)
	}
}
