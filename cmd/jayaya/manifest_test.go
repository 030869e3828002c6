package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSlackManifestHTTP(t *testing.T) {
	env := map[string]string{"JAYAYA_PUBLIC_URL": "https://crm.example.com/"}
	code, out, errs := jayaya(t, env, "", "slack-manifest")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var m struct {
		Display struct {
			Name string `json:"name"`
		} `json:"display_information"`
		Features struct {
			BotUser struct {
				DisplayName string `json:"display_name"`
			} `json:"bot_user"`
			SlashCommands []struct {
				Command string `json:"command"`
				URL     string `json:"url"`
			} `json:"slash_commands"`
		} `json:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `json:"bot"`
			} `json:"scopes"`
		} `json:"oauth_config"`
		Settings struct {
			Events struct {
				RequestURL string   `json:"request_url"`
				BotEvents  []string `json:"bot_events"`
			} `json:"event_subscriptions"`
			Interactivity struct {
				IsEnabled  bool   `json:"is_enabled"`
				RequestURL string `json:"request_url"`
			} `json:"interactivity"`
			SocketMode bool `json:"socket_mode_enabled"`
		} `json:"settings"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if m.Display.Name != "JayayaCRM" || m.Features.BotUser.DisplayName != "JayayaCRM" {
		t.Errorf("names: %+v %+v", m.Display, m.Features.BotUser)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/crm" ||
		m.Features.SlashCommands[0].URL != "https://crm.example.com/slack/commands" {
		t.Errorf("slash commands: %+v", m.Features.SlashCommands)
	}
	if m.Settings.Events.RequestURL != "https://crm.example.com/slack/events" ||
		!slices.Equal(m.Settings.Events.BotEvents, []string{"message.channels", "message.groups"}) {
		t.Errorf("events: %+v", m.Settings.Events)
	}
	if !m.Settings.Interactivity.IsEnabled || m.Settings.Interactivity.RequestURL != "https://crm.example.com/slack/interactions" {
		t.Errorf("interactivity: %+v", m.Settings.Interactivity)
	}
	if m.Settings.SocketMode {
		t.Error("socket mode on without --socket-mode")
	}
	want := []string{"commands", "chat:write", "chat:write.customize", "channels:history", "groups:history", "channels:read",
		"groups:read", "channels:join", "reactions:write", "im:write", "users:read", "files:read", "files:write"}
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("bot scopes %v, want %v", got, want)
	}
}

func TestSlackManifestSocketMode(t *testing.T) {
	code, out, errs := jayaya(t, map[string]string{}, "", "slack-manifest", "--socket-mode", "--name", "Acme CRM")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "request_url") || strings.Contains(out, `"url"`) || strings.Contains(out, "localhost") {
		t.Errorf("Socket Mode manifest has request URLs:\n%s", out)
	}
	settings := m["settings"].(map[string]any)
	if settings["socket_mode_enabled"] != true {
		t.Errorf("socket_mode_enabled = %v", settings["socket_mode_enabled"])
	}
	if !strings.Contains(out, `"name": "Acme CRM"`) || !strings.Contains(out, `"command": "/crm"`) {
		t.Errorf("name or command missing:\n%s", out)
	}
}

func TestSlackManifestWarnsAndRefuses(t *testing.T) {
	// The default public URL is local: Slack could never call it.
	code, out, errs := jayaya(t, map[string]string{}, "", "slack-manifest")
	if code != 0 || !strings.Contains(errs, "warning") || !strings.Contains(errs, "--socket-mode") || !strings.Contains(out, "http://localhost:8080/slack/events") {
		t.Errorf("local URL: exit %d, stderr %q", code, errs)
	}
	cases := []struct {
		env  map[string]string
		args []string
		code int
		want string
	}{
		{map[string]string{"JAYAYA_PUBLIC_URL": "ftp://x"}, nil, 1, "JAYAYA_PUBLIC_URL"},
		{nil, []string{"--nope"}, 2, "jayaya slack-manifest: unknown flag: --nope"},
		{nil, []string{"extra"}, 2, "unexpected argument"},
		{nil, []string{"--name", ""}, 2, "--name"},
	}
	for _, c := range cases {
		code, out, errs := jayaya(t, c.env, "", append([]string{"slack-manifest"}, c.args...)...)
		if code != c.code || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("%v %v: exit %d, stdout %q, stderr %q; want %d and %q", c.env, c.args, code, out, errs, c.code, c.want)
		}
	}
}

// slackMethodScopes maps the slack-go calls the product may make to the
// bot scopes Slack wants for them ("" for none).
var slackMethodScopes = map[string][]string{
	"PostMessageContext": {"chat:write"}, "UpdateMessageContext": {"chat:write"}, "DeleteMessageContext": {"chat:write"},
	"PostEphemeralContext": {"chat:write"}, "AddReactionContext": {"reactions:write"}, "RemoveReactionContext": {"reactions:write"},
	"AuthTestContext": nil, "OpenViewContext": nil, "UpdateViewContext": nil, "PushViewContext": nil, "StartSocketModeContext": nil,
	"PostWebhookCustomHTTPContext":  nil, // a response_url
	"GetConversationHistoryContext": {"channels:history", "groups:history"},
	"GetConversationRepliesContext": {"channels:history", "groups:history"},
	"GetConversationInfoContext":    {"channels:read", "groups:read"},
	"GetFileContext":                {"files:read"}, "GetFileInfoContext": {"files:read"},
	"UploadFileV2Context": {"files:write"}, "GetUploadURLExternalContext": {"files:write"}, "CompleteUploadExternalContext": {"files:write"},
	"UploadFileContext": {"files:write"}, "DeleteFileContext": {"files:write"},
	"GetUserInfoContext": {"users:read"}, "GetUsersContext": {"users:read"},
	"OpenConversationContext": {"im:write"}, "JoinConversationContext": {"channels:join"},
	"MsgOptionUsername": {"chat:write.customize"}, "MsgOptionIconURL": {"chat:write.customize"},
}

var slackCallRE = regexp.MustCompile(`\b(?:api\.|slack\.)((?:[A-Z]\w*Context)|MsgOptionUsername|MsgOptionIconURL)\(`)

// TestSlackScopesMatchTheCode reads the Slack adapter and doctor and
// checks the manifest asks for every scope their calls need, and for no
// scope nothing needs (besides commands and the message events).
func TestSlackScopesMatchTheCode(t *testing.T) {
	files, _ := filepath.Glob("../../adapters/slack/*.go")
	files = append(files, "doctor_slack.go")
	needed := map[string]string{ // scope → why
		"commands":         "the /crm command",
		"channels:history": "the message.channels event",
		"groups:history":   "the message.groups event",
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range slackCallRE.FindAllStringSubmatch(string(src), -1) {
			scopes, known := slackMethodScopes[m[1]]
			if !known {
				t.Errorf("%s calls %s: add its scope to slackMethodScopes (and slackScopes if new)", f, m[1])
			}
			for _, s := range scopes {
				needed[s] = filepath.Base(f) + " " + m[1]
			}
		}
	}
	asked := map[string]bool{}
	for _, s := range slackScopes {
		asked[s.Scope] = true
		if _, ok := needed[s.Scope]; !ok {
			t.Errorf("the manifest asks for %s, which no code uses", s.Scope)
		}
	}
	for s, why := range needed {
		if !asked[s] {
			t.Errorf("%s needs %s, which the manifest does not ask for", why, s)
		}
	}
}
