package slack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

func TestSenderCard(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		card, ok := e.fake.State().Message(e.staffCh, e.cardTS)
		if !ok {
			t.Fatal("no card")
		}
		for _, want := range []string{"#1 Printer on fire", "Carl Client", "Open", `"action_id":"ticket.close"`, `"value":"1"`, "no company on file"} {
			if !strings.Contains(string(card.Blocks), want) {
				t.Errorf("card lacks %q: %s", want, card.Blocks)
			}
		}
		if _, err := st.SetTicketStatus(ctx, nil, e.ticket.ID, core.TicketClosed); err != nil {
			t.Fatal(err)
		}
		ts, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackCard, bot.SlackCardPayload{TicketID: e.ticket.ID}))
		if err != nil || ts != e.cardTS {
			t.Fatalf("card update: %q %v", ts, err)
		}
		card, _ = e.fake.State().Message(e.staffCh, e.cardTS)
		if !strings.Contains(string(card.Blocks), `"action_id":"ticket.reopen"`) || strings.Contains(string(card.Blocks), "ticket.close") ||
			!strings.Contains(string(card.Blocks), "Closed") || card.Edited == nil {
			t.Errorf("card not updated in place: %s", card.Blocks)
		}
		if n := len(e.fake.State().Messages(e.staffCh)); n != 1 {
			t.Errorf("%d messages in the channel; want the one card", n)
		}
	})
}

// TestSenderNoDoublePost: a delivery retried after the product died
// between posting and recording (the worker hands it over again with more
// attempts) finds its earlier post by its metadata instead of posting
// again; a delivery that never posted posts.
func TestSenderNoDoublePost(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		d := e.delivery(bot.KindSlackPost, bot.SlackPostPayload{TicketID: e.ticket.ID, MessageID: 1, AuthorName: "Carl Client",
			AvatarURL: "http://cdn.test/carl.png", Text: "hello &lt;!channel&gt;", Parts: 1})
		ts, err := e.a.Deliver(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		d.Attempts = 2 // claimed again after the crash
		again, err := e.a.Deliver(ctx, d)
		if err != nil || again != ts {
			t.Fatalf("retried delivery: %q %v; want %q", again, err, ts)
		}
		th := e.fake.State().Thread(e.staffCh, e.cardTS)
		if len(th) != 2 {
			t.Fatalf("thread has %d messages; want card + 1", len(th))
		}
		m := th[1]
		if m.Username != "Carl Client" || m.IconURL != "http://cdn.test/carl.png" || m.Text != "hello &lt;!channel&gt;" {
			t.Errorf("post: %+v", m)
		}

		// A first attempt of a delivery queued before the database last
		// started looks too: a crash of the database may have lost the
		// claim that counted an earlier attempt.
		started, err := st.DatabaseStartedAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		d.Attempts, d.CreatedAt = 1, started.Add(-time.Minute)
		if again, err := e.a.Deliver(ctx, d); err != nil || again != ts {
			t.Fatalf("first attempt queued before the database started: %q %v; want %q", again, err, ts)
		}
		// One queued since does not: its claim cannot have been lost, and
		// looking costs a Web API call per delivery (a backlog of
		// reminders would pay it for every DM).
		lookups := len(e.fake.State().Calls("conversations.replies")) + len(e.fake.State().Calls("conversations.history"))
		d1 := e.delivery(bot.KindSlackPost, bot.SlackPostPayload{TicketID: e.ticket.ID, MessageID: 1, AuthorName: "Carl Client", Text: "later", Parts: 1})
		d1.Attempts, d1.CreatedAt = 1, started.Add(time.Millisecond)
		if _, err := e.a.Deliver(ctx, d1); err != nil {
			t.Fatal(err)
		}
		if n := len(e.fake.State().Calls("conversations.replies")) + len(e.fake.State().Calls("conversations.history")); n != lookups {
			t.Errorf("a first attempt queued after the database started looked for an earlier post (%d lookups, want %d)", n, lookups)
		}

		// A retried delivery that had not posted yet posts now.
		d2 := e.delivery(bot.KindSlackPost, bot.SlackPostPayload{TicketID: e.ticket.ID, MessageID: 2, AuthorName: "Carl Client", Text: "second", Parts: 1})
		d2.Attempts = 3
		ts2, err := e.a.Deliver(ctx, d2)
		if err != nil || ts2 == "" || ts2 == ts {
			t.Fatalf("second: %q %v", ts2, err)
		}
		// The open_thread card is found the same way.
		d3 := e.delivery(bot.KindSlackOpenThread, bot.SlackOpenThreadPayload{TicketID: e.ticket.ID, Channel: e.staffCh})
		first, err := e.a.Deliver(ctx, d3)
		if err != nil {
			t.Fatal(err)
		}
		d3.Attempts = 2
		if again, err := e.a.Deliver(ctx, d3); err != nil || again != first {
			t.Fatalf("retried open_thread: %q %v; want %q", again, err, first)
		}
		if n := len(e.fake.State().Thread(e.staffCh, e.cardTS)); n != 4 {
			t.Errorf("thread has %d messages; want card + 3", n)
		}
		if n := len(e.fake.State().FindMessages(func(m slacktest.Message) bool { return !m.IsReply() })); n != 2 {
			t.Errorf("%d top-level messages; want 2 cards", n)
		}
	})
}

func TestSenderErrors(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		post := func() error {
			_, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackPost, bot.SlackPostPayload{TicketID: e.ticket.ID, MessageID: 9, AuthorName: "C", Text: "x", Parts: 1}))
			return err
		}

		e.fake.RateLimit("chat.postMessage", 1, 3*time.Second)
		var ra *outbox.RetryAfterError
		if err := post(); !errors.As(err, &ra) || ra.After != 3*time.Second {
			t.Errorf("429: %v; want retry after 3s", err)
		}

		e.fake.SetOutage("chat.postMessage", true)
		if err := post(); err == nil || outbox.IsPermanent(err) || errors.As(err, &ra) {
			t.Errorf("503: %v; want a plain (retried) error", err)
		}
		e.fake.SetOutage("chat.postMessage", false)

		e.fake.FailNext("chat.postMessage", 1, "internal_error")
		if err := post(); err == nil || outbox.IsPermanent(err) {
			t.Errorf("internal_error: %v; want a plain error", err)
		}
		e.fake.FailNext("chat.postMessage", 1, "invalid_auth")
		if err := post(); !outbox.IsPermanent(err) {
			t.Errorf("invalid_auth: %v; want permanent", err)
		}
		e.fake.FailNext("chat.postMessage", 1, "ratelimited")
		if err := post(); !errors.As(err, &ra) {
			t.Errorf("ratelimited: %v; want retry after", err)
		}
		if err := post(); err != nil {
			t.Errorf("healthy again: %v", err)
		}

		if _, err := e.a.Deliver(ctx, e.delivery("slack.nope", struct{}{})); !outbox.IsPermanent(err) {
			t.Errorf("unknown kind: %v", err)
		}
		bad := e.delivery(bot.KindSlackPost, nil)
		bad.Payload = "{not json"
		if _, err := e.a.Deliver(ctx, bad); !outbox.IsPermanent(err) {
			t.Errorf("bad payload: %v", err)
		}

		if err := e.fake.State().DeleteThread(e.staffCh, e.cardTS); err != nil {
			t.Fatal(err)
		}
		if err := post(); !outbox.IsPermanent(err) || !strings.Contains(err.Error(), "thread_not_found") {
			t.Errorf("deleted thread: %v; want permanent thread_not_found", err)
		}
		if err := e.fake.State().Leave(e.staffCh, e.fake.Config().BotUserID); err != nil {
			t.Fatal(err)
		}
		_, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackOpenThread, bot.SlackOpenThreadPayload{TicketID: e.ticket.ID, Channel: e.staffCh}))
		if !outbox.IsPermanent(err) || !strings.Contains(err.Error(), "not_in_channel") {
			t.Errorf("bot removed: %v; want permanent not_in_channel", err)
		}
	})
}

func TestSenderEditDeleteReactNotice(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		m := &core.Message{TicketID: e.ticket.ID, AuthorName: "Carl Client", Body: "first", SourcePlatform: core.PlatformDiscord, SourceID: "333"}
		if _, err := st.RecordMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		ts, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackPost, bot.SlackPostPayload{TicketID: e.ticket.ID, MessageID: m.ID, AuthorName: m.AuthorName, Text: "first", Parts: 1,
			Attachments: []core.Attachment{{Name: "a<b>.png", URL: "http://cdn.test/a.png"}}}))
		if err != nil {
			t.Fatal(err)
		}
		posted, _ := e.fake.State().Message(e.staffCh, ts)
		if posted.Text != "first\n📎 <http://cdn.test/a.png|a&lt;b&gt;.png>" {
			t.Errorf("attachment link: %q", posted.Text)
		}
		if err := st.SetMessageTarget(ctx, nil, m.ID, ts); err != nil {
			t.Fatal(err)
		}

		got, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackEdit, bot.SlackEditPayload{TicketID: e.ticket.ID, MessageID: m.ID, Text: "edited"}))
		if err != nil || got != ts {
			t.Fatalf("edit: %q %v", got, err)
		}
		if now, _ := e.fake.State().Message(e.staffCh, ts); now.Text != "edited" {
			t.Errorf("after edit: %q", now.Text)
		}

		for range 2 { // already_reacted is success
			if _, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackReact, bot.SlackReactPayload{TicketID: e.ticket.ID, Channel: e.staffCh, TS: ts, Reaction: bot.ReactDelivered})); err != nil {
				t.Fatalf("react: %v", err)
			}
		}
		if now, _ := e.fake.State().Message(e.staffCh, ts); len(now.Reactions["white_check_mark"]) != 1 {
			t.Errorf("reactions: %v", now.Reactions)
		}

		if _, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackNotice, bot.SlackNoticePayload{TicketID: e.ticket.ID, Text: "Ticket #1 was closed by Sam."})); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a message already gone counts as deleted
			if _, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackDelete, bot.SlackDeletePayload{TicketID: e.ticket.ID, MessageID: m.ID})); err != nil {
				t.Fatalf("delete: %v", err)
			}
		}
		if _, ok := e.fake.State().Message(e.staffCh, ts); ok {
			t.Error("message not deleted")
		}
		// Reacting on a message that is gone is done, not parked.
		if _, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackReact, bot.SlackReactPayload{TicketID: e.ticket.ID, Channel: e.staffCh, TS: ts, Reaction: bot.ReactParked})); err != nil {
			t.Errorf("react on a deleted message: %v", err)
		}
		th := e.fake.State().Thread(e.staffCh, e.cardTS)
		if len(th) != 2 || th[1].Text != "Ticket #1 was closed by Sam." || th[1].Username != "" {
			t.Errorf("thread after delete: %+v", th)
		}
	})
}
