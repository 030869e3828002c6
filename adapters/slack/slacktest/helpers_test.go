package slacktest_test

import (
	"errors"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// workspace is a fake Slack with two staff users and a staff channel.
type workspace struct {
	srv   *slacktest.Server
	api   *slack.Client
	alice slacktest.User
	bob   slacktest.User
	staff slacktest.Channel
}

func newWorkspace(t *testing.T, cfg slacktest.Config) *workspace {
	t.Helper()
	srv := slacktest.New(t, cfg)
	st := srv.State()
	w := &workspace{srv: srv, api: srv.Client()}
	w.alice = st.AddUser(slacktest.User{Name: "alice", RealName: "Alice Martin", TZ: "Europe/Paris", TZOffset: 3600, Locale: "fr-FR"})
	w.bob = st.AddUser(slacktest.User{Name: "bob", RealName: "Bob Stone"})
	w.staff = st.AddChannel(slacktest.Channel{Name: "staff", Members: []string{w.alice.ID, w.bob.ID}})
	return w
}

// slackCode returns the Slack error code of err, or "" if it is not one.
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := slackCode(err); got != code {
		t.Fatalf("error = %v, want Slack error %q", err, code)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
