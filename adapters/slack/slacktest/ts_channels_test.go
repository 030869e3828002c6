package slacktest_test

import (
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// TestTSPerChannel: a ts is unique within its channel only. On a frozen
// clock, posts in one channel still get growing timestamps while two
// channels give the same ones; ShareNextTS gives two channels' next posts
// (a bot post through slack-go, a user's reply) one ts, and the messages
// stay apart: each is found, edited and deleted in its own channel.
func TestTSPerChannel(t *testing.T) {
	frozen := time.Unix(1_700_000_000, 0)
	w := newWorkspace(t, slacktest.Config{Now: func() time.Time { return frozen }})
	ctx := t.Context()
	st := w.srv.State()
	other := st.AddChannel(slacktest.Channel{Name: "billing", Members: []string{w.alice.ID}})

	post := func(channel, text string) string {
		t.Helper()
		_, ts, err := w.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false))
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	a1, a2 := post(w.staff.ID, "one"), post(w.staff.ID, "two")
	b1 := post(other.ID, "uno")
	if a1 != "1700000000.000000" || a2 != "1700000000.000001" {
		t.Errorf("staff channel gave %s then %s on a frozen clock, want 1700000000.000000 then .000001", a1, a2)
	}
	if b1 != a1 {
		t.Errorf("second channel's first ts %s, want %s: each channel has its own clock", b1, a1)
	}

	shared, err := st.ShareNextTS(w.staff.ID, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if shared != "1700000000.000002" {
		t.Errorf("ShareNextTS = %s, want 1700000000.000002 (after both channels' last ts)", shared)
	}
	if got := post(w.staff.ID, "bot here"); got != shared {
		t.Errorf("bot post took %s, want the shared %s", got, shared)
	}
	reply, err := st.PostAsUser(slacktest.UserPost{User: w.alice.ID, Channel: other.ID, ThreadTS: b1, Text: "alice there"})
	if err != nil {
		t.Fatal(err)
	}
	if reply.TS != shared {
		t.Errorf("user reply took %s, want the shared %s", reply.TS, shared)
	}
	if next := post(w.staff.ID, "after"); next != "1700000000.000003" {
		t.Errorf("post after the shared ts took %s, want 1700000000.000003 (the knob is used once)", next)
	}

	if _, err := st.EditAsUser(other.ID, shared, "alice edited"); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.Message(w.staff.ID, shared); m.Text != "bot here" {
		t.Errorf("the staff channel's message became %q after an edit in the other channel", m.Text)
	}
	if err := st.DeleteAsUser(other.ID, shared); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Message(w.staff.ID, shared); !ok {
		t.Error("deleting in one channel deleted the other channel's message of the same ts")
	}

	// The knob refuses what Slack never does: a ts going back in a
	// channel, an unknown channel, a malformed ts.
	if err := st.SetNextTS(w.staff.ID, shared); err == nil {
		t.Error("SetNextTS accepted a ts not after the channel's last one")
	}
	if err := st.SetNextTS("C0NOSUCH", "1800000000.000000"); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("SetNextTS on an unknown channel: %v, want channel_not_found", err)
	}
	if err := st.SetNextTS(other.ID, "soon"); err == nil {
		t.Error("SetNextTS accepted a malformed ts")
	}
	if _, err := st.ShareNextTS(w.staff.ID, "C0NOSUCH"); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("ShareNextTS with an unknown channel: %v, want channel_not_found", err)
	}
	if got := post(w.staff.ID, "unforced"); got != "1700000000.000004" {
		t.Errorf("a refused or failed knob changed the next ts: %s, want 1700000000.000004", got)
	}
	if err := st.SetNextTS(other.ID, "1800000000.5"); err != nil {
		t.Fatal(err)
	}
	if got := post(other.ID, "later"); got != "1800000000.500000" {
		t.Errorf("SetNextTS: post took %s, want 1800000000.500000", got)
	}
}
