package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// The catch-up reads back the replies written in ticket threads while the
// product was not receiving events. The fake's State().PostAsUser stores a
// message without calling the product, as Slack does when it has given up
// retrying.

// away has user reply in a ticket thread while the product is not
// receiving events.
func (e *relayEnv) away(user, threadTS, text string, files ...slacktest.UserFile) slacktest.Message {
	e.t.Helper()
	m, err := e.fake.State().PostAsUser(slacktest.UserPost{User: user, Channel: e.staffCh, ThreadTS: threadTS, Text: text, Files: files})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// catchUp runs the catch-up, as at a start now by the store's clock, and
// fails the test on an error.
func (e *relayEnv) catchUp() {
	e.t.Helper()
	if err := e.a.CatchUp(context.Background(), e.st.Now()); err != nil {
		e.t.Fatalf("CatchUp: %v", err)
	}
}

// relayed returns the texts of a ticket's discord.post deliveries, in
// queue order.
func (e *relayEnv) relayed(ticketID int64) []string {
	e.t.Helper()
	ds, err := e.st.TicketDeliveries(context.Background(), ticketID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := []string{}
	for _, d := range ds {
		if d.Kind != bot.KindDiscordPost {
			continue
		}
		var p bot.DiscordPostPayload
		if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p.Text)
	}
	return out
}

// sources returns the source ts of a ticket's stored messages, by ID;
// a Slack message stored under another channel than the staff channel
// shows as "channel:ts".
func (e *relayEnv) sources(ticketID int64) []string {
	e.t.Helper()
	ms, err := e.st.TicketMessages(context.Background(), ticketID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := []string{}
	for _, m := range ms {
		out = append(out, strings.TrimPrefix(m.SourceID, e.staffCh+":"))
	}
	return out
}

// openTicket opens another ticket with its Slack thread (its card posted)
// in the staff channel and returns it with the card's ts.
func (e *relayEnv) openTicket(login, discordID, subject string) (*core.Ticket, string) {
	e.t.Helper()
	return e.openTicketWith(e.staffCh, login, discordID, subject)
}

// openTicketWith opens another ticket on subject whose Slack thread (its
// card posted) is in channel, and returns it with the card's ts.
func (e *relayEnv) openTicketWith(channel, login, discordID, subject string) (*core.Ticket, string) {
	e.t.Helper()
	ctx := context.Background()
	client, err := e.st.CreateUser(ctx, core.NewUser{Login: login, Name: login, Role: core.RoleClient, DiscordID: discordID})
	if err != nil {
		e.t.Fatal(err)
	}
	tk, err := e.st.OpenTicket(ctx, client, subject, "")
	if err != nil {
		e.t.Fatal(err)
	}
	cardTS, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackOpenThread, bot.SlackOpenThreadPayload{TicketID: tk.ID, Channel: channel}))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SetTicketThreads(ctx, nil, tk.ID, discordID+"9", channel, cardTS); err != nil {
		e.t.Fatal(err)
	}
	return tk, cardTS
}

// catchUpCalls returns the catch-up's conversations.replies calls (the
// delivery look-backs ask for message metadata, the catch-up does not).
func catchUpCalls(st *slacktest.State) []slacktest.Call {
	var out []slacktest.Call
	for _, c := range st.Calls("conversations.replies") {
		if c.Params.Get("include_all_metadata") != "1" {
			out = append(out, c)
		}
	}
	return out
}

// TestCatchUpRelaysRepliesWrittenWhileAway: replies written while no
// event reached the product are stored after the catch-up, in ts order,
// each queued for Discord exactly once, files included; the catch-up
// reads after the newest ts stored for the ticket.
func TestCatchUpRelaysRepliesWrittenWhileAway(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		clock := coretest.NewClock(time.Now())
		st.Now = clock.Now
		e := newRelayEnv(t, st)
		live, _ := e.post(e.staff.ID, "live")
		clock.Advance(time.Hour) // the product is down
		one := e.away(e.staff.ID, e.cardTS, "one")
		two := e.away(e.staff.ID, e.cardTS, "two", slacktest.UserFile{Name: "log.txt", Mimetype: "text/plain", Content: []byte("boom")})
		three := e.away(e.staff.ID, e.cardTS, "three")
		if got := e.sources(e.ticket.ID); !slices.Equal(got, []string{live.TS}) {
			t.Fatalf("before the catch-up: stored %v", got)
		}

		e.catchUp()

		if got, want := e.sources(e.ticket.ID), []string{live.TS, one.TS, two.TS, three.TS}; !slices.Equal(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
		if got, want := e.relayed(e.ticket.ID), []string{"live", "one", "two", "three"}; !slices.Equal(got, want) {
			t.Fatalf("discord.post deliveries %q, want %q", got, want)
		}
		ms := e.messages()
		if len(ms[2].Attachments) != 1 || ms[2].Attachments[0].Name != "log.txt" || ms[2].Attachments[0].ContentType != "text/plain" {
			t.Fatalf("attachments of %q: %+v", ms[2].Body, ms[2].Attachments)
		}
		if len(ms[1].Attachments) != 0 || len(ms[3].Attachments) != 0 {
			t.Fatalf("attachments on messages without files: %+v %+v", ms[1].Attachments, ms[3].Attachments)
		}
		calls := catchUpCalls(e.fake.State())
		if len(calls) != 1 || calls[0].Params.Get("oldest") != live.TS || calls[0].Params.Get("ts") != e.cardTS ||
			calls[0].Params.Get("inclusive") != "0" {
			t.Fatalf("conversations.replies calls %+v, want one after %s", calls, live.TS)
		}
	})
}

// TestCatchUpNotHiddenByLiveReplies: a reply stored live after events
// flowed again (after since) does not move the point the thread is read
// from past the replies nobody received.
func TestCatchUpNotHiddenByLiveReplies(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		clock := coretest.NewClock(time.Now())
		st.Now = clock.Now
		e := newRelayEnv(t, st)
		before, _ := e.post(e.staff.ID, "before")
		clock.Advance(time.Hour) // the product is down
		missed := e.away(e.staff.ID, e.cardTS, "missed")
		since := clock.Now() // the product is back
		after, _ := e.post(e.staff.ID, "after")
		clock.Advance(time.Minute)

		if err := e.a.CatchUp(context.Background(), since); err != nil {
			t.Fatal(err)
		}
		if got, want := e.sources(e.ticket.ID), []string{before.TS, after.TS, missed.TS}; !slices.Equal(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
		if got, want := e.relayed(e.ticket.ID), []string{"before", "after", "missed"}; !slices.Equal(got, want) {
			t.Fatalf("discord.post deliveries %q, want %q", got, want)
		}
		if calls := catchUpCalls(e.fake.State()); len(calls) != 1 || calls[0].Params.Get("oldest") != before.TS {
			t.Fatalf("conversations.replies calls %+v, want one after %s", calls, before.TS)
		}
	})
}

// TestCatchUpPaginates: a thread longer than a page is read to its end,
// in order.
func TestCatchUpPaginates(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		var want, texts []string
		for i := range catchUpPageSize + 5 {
			text := "reply " + strings.Repeat("x", i%3) + string(rune('a'+i%26))
			want = append(want, e.away(e.staff.ID, e.cardTS, text).TS)
			texts = append(texts, text)
		}
		e.catchUp()
		if got := e.sources(e.ticket.ID); !slices.Equal(got, want) {
			t.Fatalf("stored %d messages, want %d in ts order", len(got), len(want))
		}
		if got := e.relayed(e.ticket.ID); !slices.Equal(got, texts) {
			t.Fatalf("relayed %d texts, want %d in order", len(got), len(texts))
		}
		if n := len(catchUpCalls(e.fake.State())); n != 2 {
			t.Fatalf("%d conversations.replies pages, want 2", n)
		}
	})
}

// TestCatchUpStoresNothingTwice: catching up twice, from two replicas at
// once, and with the live event of a caught-up reply arriving too, stores
// each reply once and queues it for Discord once.
func TestCatchUpStoresNothingTwice(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		one := e.away(e.staff.ID, e.cardTS, "one")
		two := e.away(e.staff.ID, e.cardTS, "two")

		// Two replicas starting together.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() { errs[i] = e.a.CatchUp(ctx, st.Now()) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent CatchUp: %v", err)
			}
		}
		// Slack's late delivery of one of them, then a later catch-up.
		if d, err := e.fake.HTTP().MessageEvent(ctx, e.staffCh, one.TS); err != nil || !d.OK() {
			t.Fatalf("live event: %v %+v", err, d)
		}
		e.catchUp()
		three, _ := e.post(e.staff.ID, "three")
		e.catchUp()

		if got, want := e.sources(e.ticket.ID), []string{one.TS, two.TS, three.TS}; !slices.Equal(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
		if got, want := e.relayed(e.ticket.ID), []string{"one", "two", "three"}; !slices.Equal(got, want) {
			t.Fatalf("discord.post deliveries %q, want %q", got, want)
		}
	})
}

// TestCatchUpRefusesNonStaffOnce: a reply from someone who is not
// registered staff, found by the catch-up, is not stored and is explained
// once, however often it is caught up or delivered live.
func TestCatchUpRefusesNonStaffOnce(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		log := e.countExplanations()
		m := e.away(e.other.ID, e.cardTS, "let me in")

		e.catchUp()
		if n := log.count(); n != 1 {
			t.Fatalf("%d explanations started by the catch-up, want 1", n)
		}
		e.catchUp()
		if d, err := e.fake.HTTP().MessageEvent(context.Background(), e.staffCh, m.TS); err != nil || !d.OK() {
			t.Fatalf("live event: %v %+v", err, d)
		}
		if n := log.count(); n != 1 {
			t.Fatalf("%d explanations started after a second catch-up and the live event, want 1", n)
		}
		e.waitExplanationsPosted(log)
		if n := e.explained(e.other.ID); n != 1 {
			t.Fatalf("explained %d times, want 1", n)
		}
		if ms := e.messages(); len(ms) != 0 {
			t.Fatalf("refused reply stored: %+v", ms)
		}
		if ds := e.deliveryKinds(); len(ds) != 0 {
			t.Fatalf("refused reply queued %v", ds)
		}
	})
}

// TestCatchUpSkipsBotPostsAndCard: the ticket card (the thread's root)
// and the bot's own posts in the thread are not relayed; the staff reply
// between them is.
func TestCatchUpSkipsBotPostsAndCard(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		if _, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackPost, bot.SlackPostPayload{TicketID: e.ticket.ID, MessageID: 1,
			AuthorName: "Carl", Text: "from discord", Parts: 1})); err != nil {
			t.Fatal(err)
		}
		reply := e.away(e.staff.ID, e.cardTS, "staff")
		if got := len(e.fake.State().Thread(e.staffCh, e.cardTS)); got != 3 {
			t.Fatalf("thread has %d messages, want card, bot post, reply", got)
		}

		e.catchUp()

		if got := e.sources(e.ticket.ID); !slices.Equal(got, []string{reply.TS}) {
			t.Fatalf("stored %v, want only the staff reply %s", got, reply.TS)
		}
		if got := e.relayed(e.ticket.ID); !slices.Equal(got, []string{"staff"}) {
			t.Fatalf("discord.post deliveries %q", got)
		}
	})
}

// TestCatchUpWaitsOutRateLimit: conversations.replies answering 429 is
// asked again after Retry-After, and the reply is then relayed.
func TestCatchUpWaitsOutRateLimit(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		reply := e.away(e.staff.ID, e.cardTS, "after the limit")
		e.fake.RateLimit("conversations.replies", 2, time.Second)

		start := time.Now()
		e.catchUp()
		if took := time.Since(start); took < 2*time.Second {
			t.Fatalf("caught up in %s: two Retry-After: 1 not waited out", took)
		}
		var statuses []int
		for _, c := range catchUpCalls(e.fake.State()) {
			statuses = append(statuses, c.Status)
		}
		if !slices.Equal(statuses, []int{429, 429, 200}) {
			t.Fatalf("conversations.replies answered %v", statuses)
		}
		if got := e.sources(e.ticket.ID); !slices.Equal(got, []string{reply.TS}) {
			t.Fatalf("stored %v", got)
		}
	})
}

// TestCatchUpThreadGone: a thread that can no longer be read is skipped
// and the next ticket's thread is caught up; any other error stops the
// catch-up.
func TestCatchUpThreadGone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		break1  func(e *relayEnv) // makes the first ticket's thread fail
		wantErr bool
	}{
		{"thread deleted", func(e *relayEnv) {
			if err := e.fake.State().DeleteThread(e.staffCh, e.cardTS); err != nil {
				e.t.Fatal(err)
			}
		}, false},
		{"channel_not_found", func(e *relayEnv) { e.fake.FailNext("conversations.replies", 1, "channel_not_found") }, false},
		{"not_in_channel", func(e *relayEnv) { e.fake.FailNext("conversations.replies", 1, "not_in_channel") }, false},
		{"internal_error stops", func(e *relayEnv) { e.fake.FailNext("conversations.replies", 1, "internal_error") }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
				e := newRelayEnv(t, st)
				second, secondTS := e.openTicket("cora", "333333333333333333", "Second")
				e.away(e.staff.ID, e.cardTS, "into the first")
				reply := e.away(e.staff.ID, secondTS, "into the second")
				tc.break1(e)

				err := e.a.CatchUp(context.Background(), st.Now())
				if got := slackCode(err); tc.wantErr && got != "internal_error" {
					t.Fatalf("CatchUp: %v, want internal_error", err)
				} else if !tc.wantErr && err != nil {
					t.Fatalf("CatchUp: %v", err)
				}
				want := []string{reply.TS}
				if tc.wantErr {
					want = []string{}
				}
				if got := e.sources(second.ID); !slices.Equal(got, want) {
					t.Fatalf("second ticket stored %v, want %v", got, want)
				}
				if got := e.sources(e.ticket.ID); len(got) != 0 {
					t.Fatalf("first ticket stored %v", got)
				}
			})
		})
	}
}
