package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// syncBuffer is a bytes.Buffer safe for the server's log writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMain lowers the password hashing cost for the tests (not for
// benchmarks): see coretest.CheapPasswordHashing.
func TestMain(m *testing.M) {
	coretest.CheapPasswordHashing()
	os.Exit(m.Run())
}

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// jayaya runs the binary's run function in-process and returns its exit
// status and outputs.
func jayaya(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, envFunc(env), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func databaseURLs(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		core.EngineSQLite:   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "j.db") },
		core.EnginePostgres: func(t *testing.T) string { return coretest.NewPostgresDatabase(t, false) },
	}
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for engine, mkURL := range databaseURLs(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"DATABASE_URL": mkURL(t), "JAYAYA_ADDR": "127.0.0.1:0"}

			code, out, errs := jayaya(t, env, "", "migrate")
			if code != 0 || !strings.Contains(out, "applied 001_foundation") {
				t.Fatalf("migrate: %d %q %q", code, out, errs)
			}
			if code, out, _ := jayaya(t, env, "", "migrate", "status"); code != 0 || !strings.Contains(out, "001_foundation\tapplied") {
				t.Fatalf("migrate status: %d %q", code, out)
			}
			code, out, errs = jayaya(t, env, "s3cret-passw0rd\n", "user", "add", "--login", "alice", "--name", "Alice Admin", "--role", "admin", "--email", "alice@example.com", "--slack-id", "U0ALICE1", "--password-stdin")
			if code != 0 || !strings.Contains(out, "created admin alice") {
				t.Fatalf("user add: %d %q %q", code, out, errs)
			}
			if code, _, _ := jayaya(t, env, "", "user", "add", "--login", "carl", "--name", "Carl", "--role", "client", "--discord-id", "123456789012345678"); code != 0 {
				t.Fatal("add client failed")
			}
			code, out, _ = jayaya(t, env, "", "user", "list")
			if code != 0 || !regexp.MustCompile(`alice\s+Alice Admin\s+admin\s+alice@example.com\s+U0ALICE1`).MatchString(out) || !strings.Contains(out, "123456789012345678") {
				t.Fatalf("user list: %d\n%s", code, out)
			}
			code, _, errs = jayaya(t, env, "", "user", "delete", "--login", "alice")
			if code != 1 || !strings.Contains(errs, "last admin") {
				t.Fatalf("deleting the last admin: %d %q", code, errs)
			}
			if code, _, _ := jayaya(t, env, "", "user", "delete", "--login", "carl"); code != 0 {
				t.Fatal("delete client failed")
			}

			// serve: migrate, listen, answer /healthz, stop on cancel.
			ctx, cancel := context.WithCancel(context.Background())
			logs := &syncBuffer{}
			done := make(chan int)
			go func() { done <- run(ctx, []string{"serve"}, envFunc(env), strings.NewReader(""), io.Discard, logs) }()
			addr := waitForAddr(t, logs)
			resp, err := http.Get("http://" + addr + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
				t.Fatalf("healthz: %d %q", resp.StatusCode, body)
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("serve exited %d: %s", code, logs.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not stop")
			}
			if !strings.Contains(logs.String(), "stopped") {
				t.Fatalf("no clean stop in logs: %s", logs.String())
			}
		})
	}
}

var addrRE = regexp.MustCompile(`msg=listening addr=([0-9.:]+)`)

func waitForAddr(t *testing.T, logs *syncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server never listened: %s", logs.String())
	return ""
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "j.db")
	env := map[string]string{"DATABASE_URL": "sqlite://" + dbPath}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no login", []string{"user", "add", "--name", "A", "--role", "admin"}, "--login is required"},
		{"bad role", []string{"user", "add", "--login", "ab", "--name", "A", "--role", "boss"}, "--role"},
		{"unknown flag", []string{"user", "add", "--nope"}, "jayaya user add: unknown flag: --nope"},
		{"bad slack id", []string{"user", "add", "--login", "ab", "--name", "A", "--role", "staff", "--slack-id", "bob"}, "--slack-id"},
		{"stray argument", []string{"user", "list", "extra"}, "unexpected argument"},
		{"empty password", []string{"user", "add", "--login", "ab", "--name", "A", "--role", "staff", "--password-stdin"}, "no password"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"bad migrate", []string{"migrate", "sideways"}, `jayaya migrate: unknown action "sideways"`},
		{"bad role filter", []string{"user", "list", "--role", "boss"}, "jayaya user list: --role"},
	}
	for _, c := range cases {
		code, _, errs := jayaya(t, env, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.name, code, errs, c.want)
		}
	}
	// A password too short is refused under the flag that gave it.
	code, _, errs := jayaya(t, env, "abc\n", "user", "add", "--login", "ab", "--name", "A", "--role", "staff", "--password-stdin")
	if code != 2 || errs != "jayaya user add: --password-stdin: Password must be at least 8 characters.\n" {
		t.Errorf("short password: exit %d, stderr %q", code, errs)
	}
	// Nothing was written: the user list is empty.
	code, out, _ := jayaya(t, env, "", "user", "list")
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("users after bad input: %q", out)
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "token")
	os.WriteFile(secret, []byte("xoxb-from-file\n"), 0o600)
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, "DATABASE_URL: cannot reach"},
		{map[string]string{"JAYAYA_ADDR": "nope"}, "JAYAYA_ADDR"},
		{map[string]string{"JAYAYA_PUBLIC_URL": "ftp://x"}, "JAYAYA_PUBLIC_URL"},
		{map[string]string{"JAYAYA_LOG_LEVEL": "loud"}, "JAYAYA_LOG_LEVEL"},
		{map[string]string{"JAYAYA_PACING": "maybe"}, "JAYAYA_PACING"},
		{map[string]string{"JAYAYA_LOCALE": "de"}, "JAYAYA_LOCALE"},
		{map[string]string{"DISCORD_WEBHOOKS_PER_CHANNEL": "16"}, "DISCORD_WEBHOOKS_PER_CHANNEL"},
		{map[string]string{"DISCORD_WEBHOOKS_PER_CHANNEL": "0"}, "DISCORD_WEBHOOKS_PER_CHANNEL"},
		{map[string]string{"DISCORD_WEBHOOKS_PER_CHANNEL": "ten"}, "DISCORD_WEBHOOKS_PER_CHANNEL"},
		{map[string]string{"SLACK_BOT_TOKEN": "abc"}, "SLACK_BOT_TOKEN"},
		{map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"},
		{map[string]string{"SLACK_BOT_TOKEN_FILE": secret, "SLACK_SIGNING_SECRET": "s"}, "SLACK_STAFF_CHANNEL"},
		{map[string]string{"SLACK_BOT_TOKEN_FILE": secret, "SLACK_SIGNING_SECRET": "s", "SLACK_STAFF_CHANNEL": "#staff"}, `SLACK_STAFF_CHANNEL: "#staff" is not a Slack channel ID`},
		{map[string]string{"SLACK_BOT_TOKEN_FILE": "/nonexistent/x"}, "SLACK_BOT_TOKEN_FILE"},
		{map[string]string{"DISCORD_BOT_TOKEN": "t"}, "DISCORD_GUILD_ID"},
	}
	for _, c := range cases {
		code, _, errs := jayaya(t, c.env, "", "serve")
		if code != 1 || !strings.HasPrefix(errs, "jayaya serve: ") || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("env %v: exit %d, stderr %q; want one line naming %s", c.env, code, errs, c.want)
		}
	}
	cfg, err := LoadConfig(envFunc(map[string]string{"SLACK_BOT_TOKEN_FILE": secret, "SLACK_SIGNING_SECRET": "s", "SLACK_STAFF_CHANNEL": "C0STAFF"}))
	if err != nil || cfg.SlackBotToken != "xoxb-from-file" || cfg.SlackAPIURL != "https://slack.com/api/" || !cfg.Pacing {
		t.Fatalf("config from file: %+v %v", cfg, err)
	}
	if cfg, err := LoadConfig(envFunc(map[string]string{"JAYAYA_PACING": "OFF"})); err != nil || cfg.Pacing {
		t.Fatalf("JAYAYA_PACING=OFF: pacing %v (%v)", cfg != nil && cfg.Pacing, err)
	}
	if cfg.Locale != i18n.EN {
		t.Fatalf("default locale %q, want en", cfg.Locale)
	}
	if cfg, err := LoadConfig(envFunc(map[string]string{"JAYAYA_LOCALE": "fr-FR"})); err != nil || cfg.Locale != i18n.FR {
		t.Fatalf("JAYAYA_LOCALE=fr-FR: %v (%v)", cfg, err)
	}
	if cfg.DiscordWebhooks != 10 {
		t.Fatalf("default DISCORD_WEBHOOKS_PER_CHANNEL %d, want 10", cfg.DiscordWebhooks)
	}
	if cfg, err := LoadConfig(envFunc(map[string]string{"DISCORD_WEBHOOKS_PER_CHANNEL": "15"})); err != nil || cfg.DiscordWebhooks != 15 {
		t.Fatalf("DISCORD_WEBHOOKS_PER_CHANNEL=15: %v (%v)", cfg, err)
	}
}
