package slack

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// post has user reply in the ticket's thread over HTTP and checks that the
// event was acknowledged in time.
func (e *relayEnv) post(user, text string, files ...slacktest.UserFile) (slacktest.Message, *slacktest.Delivery) {
	e.t.Helper()
	m, d, err := e.fake.HTTP().PostAsUser(context.Background(), slacktest.UserPost{User: user, Channel: e.staffCh, ThreadTS: e.cardTS, Text: text, Files: files})
	if err != nil {
		e.t.Fatal(err)
	}
	if !d.OK() || d.Late() {
		e.t.Fatalf("event answered %d after %s", d.Status, d.Duration)
	}
	return m, d
}

func TestEventsRelayStaffReplies(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		sl := e.fake.HTTP()

		// A staff reply is stored under its ts and queued for Discord;
		// the staff member joins the ticket (card update queued).
		reply, d := e.post(e.staff.ID, "Have you tried <!channel> turning it off?")
		ms := e.messages()
		if len(ms) != 1 || ms[0].SourceID != e.key(reply.TS) || ms[0].AuthorName != "Sam Staff" || ms[0].Internal {
			t.Fatalf("stored: %+v", ms)
		}
		if got := e.deliveryKinds(); !slices.Equal(got, []string{bot.KindDiscordPost, bot.KindSlackCard}) {
			t.Fatalf("deliveries: %v", got)
		}

		// Redeliveries: the same event_id, and the same message under a
		// new event_id, change nothing.
		for _, ev := range []*slacktest.EventCallback{d.Event, e.fake.Reissue(d.Event)} {
			if d2, err := sl.Event(ctx, ev, slacktest.Retry(1, "http_timeout")); err != nil || !d2.OK() {
				t.Fatalf("redelivery: %v %+v", err, d2)
			}
		}
		if n := len(e.messages()); n != 1 {
			t.Fatalf("%d messages after redeliveries", n)
		}

		// A note stays in Slack and gets 🔒.
		note, _ := e.post(e.staff.ID, "NOTE: the client is grumpy")
		ms = e.messages()
		if len(ms) != 2 || !ms[1].Internal || ms[1].SourceID != e.key(note.TS) {
			t.Fatalf("note: %+v", ms[1])
		}
		if got := e.deliveryKinds(); got[len(got)-1] != bot.KindSlackReact {
			t.Fatalf("deliveries after the note: %v", got)
		}

		// Ignored: the bot's own post echoed back, a top-level message, a
		// reply outside the staff channel, a channel_join.
		echoTS, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackPost, bot.SlackPostPayload{TicketID: e.ticket.ID, MessageID: 1, AuthorName: "Carl", Text: "from discord", Parts: 1}))
		if err != nil {
			t.Fatal(err)
		}
		if d, err := sl.MessageEvent(ctx, e.staffCh, echoTS); err != nil || !d.OK() {
			t.Fatal(err, d)
		}
		if _, d, err := sl.PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: e.staffCh, Text: "top level"}); err != nil || !d.OK() {
			t.Fatal(err, d)
		}
		elsewhere := e.fake.State().AddChannel(slacktest.Channel{Name: "random", Members: []string{e.staff.ID}})
		root, _, _ := sl.PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: elsewhere.ID, Text: "root"})
		if _, d, err := sl.PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: elsewhere.ID, ThreadTS: root.TS, Text: "reply elsewhere"}); err != nil || !d.OK() {
			t.Fatal(err, d)
		}
		join := e.fake.NewEvent(map[string]any{"type": "message", "subtype": "channel_join", "user": e.other.ID, "channel": e.staffCh,
			"ts": "1700000000.000001", "thread_ts": e.cardTS, "text": "joined"})
		if d, err := sl.Event(ctx, join); err != nil || !d.OK() {
			t.Fatal(err, d)
		}
		if n := len(e.messages()); n != 2 {
			t.Fatalf("%d messages after ignored events; want 2", n)
		}

		// Someone not registered: an ephemeral explanation, nothing stored.
		e.post(e.other.ID, "I am not staff")
		e.fake.WaitFor(t, func(st *slacktest.State) bool {
			for _, eph := range st.Ephemerals() {
				if eph.User == e.other.ID && eph.ThreadTS == e.cardTS && strings.Contains(eph.Text, "only registered JayayaCRM staff") {
					return true
				}
			}
			return false
		})
		if n := len(e.messages()); n != 2 {
			t.Fatalf("%d messages after a stranger's reply", n)
		}

		// Edits and deletions follow, once.
		before := len(e.deliveryKinds())
		for range 2 {
			if _, err := sl.EditAsUser(ctx, e.staffCh, reply.TS, "Unplug it please"); err != nil {
				t.Fatal(err)
			}
		}
		m, err := st.MessageBySource(ctx, core.PlatformSlack, e.key(reply.TS))
		if err != nil || m.Body != "Unplug it please" || m.EditedAt == nil {
			t.Fatalf("after edit: %+v %v", m, err)
		}
		if _, err := sl.DeleteAsUser(ctx, e.staffCh, reply.TS); err != nil {
			t.Fatal(err)
		}
		if got := e.deliveryKinds()[before:]; !slices.Equal(got, []string{bot.KindDiscordEdit, bot.KindDiscordDelete}) {
			t.Fatalf("edit and delete queued %v", got)
		}
		if m, _ := st.MessageBySource(ctx, core.PlatformSlack, e.key(reply.TS)); m.DeletedAt == nil {
			t.Error("message not marked deleted")
		}
	})
}

// TestEventsAttachments: a file staff attach travels as a signed link to
// JayayaCRM, which streams it from Slack; a forged link gets nothing.
func TestEventsAttachments(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		e.post(e.staff.ID, "the manual", slacktest.UserFile{Name: "manual.pdf", Mimetype: "application/pdf", Content: []byte("%PDF-1.7 manual")})
		ms := e.messages()
		if len(ms) != 1 || len(ms[0].Attachments) != 1 {
			t.Fatalf("stored: %+v", ms)
		}
		att := ms[0].Attachments[0]
		if att.Name != "manual.pdf" || att.ContentType != "application/pdf" || !strings.HasPrefix(att.URL, e.srv.URL+"/slack/files/F") {
			t.Fatalf("attachment: %+v", att)
		}
		get := func(u string) (int, string) {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, body := get(att.URL); code != 200 || body != "%PDF-1.7 manual" {
			t.Errorf("proxy: %d %q", code, body)
		}
		forged := regexp.MustCompile(`sig=[0-9a-f]`).ReplaceAllString(att.URL, "sig=x")
		if code, body := get(forged); code != 404 || body == "%PDF-1.7 manual" {
			t.Errorf("forged link: %d", code)
		}
		other := strings.Replace(att.URL, "src=", "src=http%3A%2F%2Fevil.test%2F", 1)
		if code, _ := get(other); code != 404 {
			t.Errorf("link with another source: %d", code)
		}
	})
}

// TestEventsErrorIsRetried: when the event cannot be stored the product
// answers 500, so Slack retries, and the retry (same event_id) is stored.
func TestEventsErrorIsRetried(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		if _, err := st.DB.ExecContext(ctx, "ALTER TABLE messages RENAME TO messages_away"); err != nil {
			t.Fatal(err)
		}
		_, d, err := e.fake.HTTP().PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: e.staffCh, ThreadTS: e.cardTS, Text: "lost?"})
		if err != nil || d.Status != http.StatusInternalServerError {
			t.Fatalf("with the database broken: %v %+v", err, d)
		}
		if _, err := st.DB.ExecContext(ctx, "ALTER TABLE messages_away RENAME TO messages"); err != nil {
			t.Fatal(err)
		}
		if d2, err := e.fake.HTTP().Event(ctx, d.Event, slacktest.Retry(1, "http_error")); err != nil || !d2.OK() {
			t.Fatalf("retry: %v %+v", err, d2)
		}
		if ms := e.messages(); len(ms) != 1 || ms[0].Body != "lost?" {
			t.Fatalf("after the retry: %+v", ms)
		}
	})
}

// TestEventsReplyWithControlCharacter: a staff reply carrying a NUL
// (which PostgreSQL cannot store) is acknowledged and stored without it,
// not refused with a 500 that Slack would retry in vain.
func TestEventsReplyWithControlCharacter(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		reply, _ := e.post(e.staff.ID, "Unplug\x00 it")
		m, err := st.MessageBySource(context.Background(), core.PlatformSlack, e.key(reply.TS))
		if err != nil || m.Body != "Unplug it" {
			t.Fatalf("stored: %+v %v", m, err)
		}
	})
}
