package bot_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestRelayOpenByMessageQueuesBothSidesInOrder(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		res := r.open(t, "D-MSG-1", "My printer is on fire")
		ds, err := st.TicketDeliveries(ctx, res.Ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range ds {
			got = append(got, d.Stream+" "+d.Kind)
		}
		disc, slk := bot.TicketStream(res.Ticket.ID, "discord"), bot.TicketStream(res.Ticket.ID, "slack")
		want := []string{
			disc + " discord.open_thread", disc + " discord.notice", slk + " slack.open_thread",
			disc + " discord.post", disc + " discord.delete", slk + " slack.post",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("deliveries:\n got %q\nwant %q", got, want)
		}

		r.start(t)
		waitIdle(t, st)
		tk, _ := st.Ticket(ctx, res.Ticket.ID)
		if tk.DiscordThreadID == nil || tk.SlackThreadTS == nil || *tk.SlackChannelID != "CSTAFF" {
			t.Fatalf("threads not recorded: %+v", tk)
		}
		m, _ := st.MessageByID(ctx, res.Message.ID)
		post := r.slack.Sent()[1]
		if m.TargetID == nil || *m.TargetID != post.RemoteID {
			t.Fatalf("target %v, want %s", m.TargetID, post.RemoteID)
		}
		// ✅ goes on the copy in the thread (the original is deleted):
		// the react payload names no channel and the sender resolves it.
		wantDiscord := []string{"discord.open_thread", "discord.notice", "discord.post", "discord.delete", "discord.react"}
		if !slices.Equal(r.discord.Kinds(), wantDiscord) {
			t.Fatalf("discord sends %q, want %q", r.discord.Kinds(), wantDiscord)
		}
		react := payload[bot.DiscordReactPayload](t, r.discord.Sent()[4])
		if react.Reaction != bot.ReactDelivered || react.MessageID != m.ID || react.DiscordMessageID != "" {
			t.Fatalf("react payload %+v", react)
		}
		copyID, _ := st.DoneRemoteID(ctx, nil, m.ID, bot.KindDiscordPost)
		if copyID != r.discord.Sent()[2].RemoteID {
			t.Fatalf("copy remote ID %q", copyID)
		}
	})
}

func TestRelayRefusesUnregisteredAndStoresNothing(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		res, err := r.relay.OpenTicket(ctx, bot.InboundOpen{Platform: core.PlatformDiscord, ClientPlatformUserID: "100000000000000099", Subject: "hi",
			First: &bot.InboundMessage{Platform: core.PlatformDiscord, SourceID: "D-X", AuthorPlatformID: "100000000000000099", Text: "hi"}})
		if err != nil || res.Outcome != bot.Refused || res.Reason.ID != bot.RefusalClient {
			t.Fatalf("got %v %v %v", res.Outcome, res.Reason, err)
		}
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		// A Slack user who is not staff, and a client on Slack, are refused.
		for _, u := range []string{"U0NOBODY1"} {
			tk, _ := st.Ticket(ctx, open.Ticket.ID)
			res, err := r.relay.Inbound(ctx, bot.InboundMessage{Platform: core.PlatformSlack, SourceID: "9.9", ChannelID: "CSTAFF",
				ThreadID: *tk.SlackThreadTS, AuthorPlatformID: u, Text: "let me in"})
			if err != nil || res.Outcome != bot.Refused || res.Reason.ID != bot.RefusalStaff {
				t.Fatalf("slack %s: %v %v %v", u, res.Outcome, res.Reason, err)
			}
		}
		tickets, _ := st.ListTickets(ctx, core.TicketFilter{})
		msgs, _ := st.TicketMessages(ctx, open.Ticket.ID)
		if len(tickets) != 1 || len(msgs) != 1 {
			t.Fatalf("stored %d tickets, %d messages; want 1, 1", len(tickets), len(msgs))
		}
	})
}

func TestRelayInboundStoredOnceUnderDuplicates(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		tk, _ := st.Ticket(ctx, open.Ticket.ID)
		in := bot.InboundMessage{Platform: core.PlatformDiscord, SourceID: "D-2", ChannelID: *tk.DiscordThreadID,
			ThreadID: *tk.DiscordThreadID, AuthorPlatformID: "100000000000000001", Text: "second"}
		var wg sync.WaitGroup
		outcomes := make(chan bot.Outcome, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := r.relay.Inbound(ctx, in)
				if err != nil {
					t.Error(err)
				}
				outcomes <- res.Outcome
			}()
		}
		wg.Wait()
		close(outcomes)
		stored := 0
		for o := range outcomes {
			if o == bot.Stored {
				stored++
			} else if o != bot.Duplicate {
				t.Fatalf("outcome %v", o)
			}
		}
		waitIdle(t, st)
		msgs, _ := st.TicketMessages(ctx, tk.ID)
		posts := 0
		for _, s := range r.slack.Sent() {
			if s.Kind == bot.KindSlackPost && payload[bot.SlackPostPayload](t, s).Text == "second" {
				posts++
			}
		}
		if stored != 1 || len(msgs) != 2 || posts != 1 {
			t.Fatalf("stored %d times, %d messages, %d Slack posts; want 1, 2, 1", stored, len(msgs), posts)
		}
	})
}

func TestRelayNoteStaysInSlack(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		before := len(r.discord.Sent())
		res := r.staffSays(t, open.Ticket, "2000.0001", "Note: client is grumpy")
		if res.Outcome != bot.Stored || !res.Note || !res.Message.Internal {
			t.Fatalf("note: %+v", res)
		}
		waitIdle(t, st)
		if len(r.discord.Sent()) != before {
			t.Fatalf("a note reached Discord: %q", r.discord.Kinds()[before:])
		}
		// The note gets 🔒; the staff member joining updates the card.
		// They travel in lanes of their own, so in either order.
		sends := r.slack.Sent()
		react, card := sends[len(sends)-2], sends[len(sends)-1]
		if react.Kind == bot.KindSlackCard {
			react, card = card, react
		}
		p := payload[bot.SlackReactPayload](t, react)
		if react.Kind != bot.KindSlackReact || p.Reaction != bot.ReactNote || p.TS != "2000.0001" || p.Channel != "CSTAFF" || card.Kind != bot.KindSlackCard {
			t.Fatalf("last slack sends %s %+v, %s", react.Kind, p, card.Kind)
		}
		if in, err := st.IsParticipant(ctx, nil, open.Ticket.ID, r.staff.ID); err != nil || !in {
			t.Fatalf("staff replying is not a participant (%v)", err)
		}
	})
}

func TestRelayEditAndDeleteFollow(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		r.staffSays(t, open.Ticket, "2000.0001", "first version")
		waitIdle(t, st)
		for i, want := range []bot.Outcome{bot.Stored, bot.Duplicate} {
			res, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "2000.0001", Text: "second version"})
			if err != nil || res.Outcome != want {
				t.Fatalf("edit %d: %v %v, want %v", i, res.Outcome, err, want)
			}
		}
		for i, want := range []bot.Outcome{bot.Stored, bot.Duplicate} {
			res, err := r.relay.Delete(ctx, core.PlatformSlack, "CSTAFF", "2000.0001")
			if err != nil || res.Outcome != want {
				t.Fatalf("delete %d: %v %v, want %v", i, res.Outcome, err, want)
			}
		}
		if res, _ := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "2000.0001", Text: "after delete"}); res.Outcome != bot.Duplicate {
			t.Fatalf("edit after delete: %v", res.Outcome)
		}
		if res, _ := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "nope", Text: "x"}); res.Outcome != bot.NotTicket {
			t.Fatalf("edit of unknown message: %v", res.Outcome)
		}
		waitIdle(t, st)
		ks := r.discord.Kinds()
		tail := ks[len(ks)-3:]
		if want := []string{"discord.post", "discord.edit", "discord.delete"}; !slices.Equal(tail, want) {
			t.Fatalf("discord sends end with %q, want %q", tail, want)
		}
		edit := payload[bot.DiscordEditPayload](t, r.discord.Sent()[len(ks)-2])
		if edit.Text != "second version" {
			t.Fatalf("edit text %q", edit.Text)
		}
		m, _ := st.MessageBySource(ctx, core.PlatformSlack, "CSTAFF:2000.0001")
		if m.Body != "second version" || m.EditedAt == nil || m.DeletedAt == nil {
			t.Fatalf("stored message %+v", m)
		}
	})
}

func TestRelaySplitsLongTextNeverTruncates(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		long := strings.Repeat("word ", 900) + "end" // 4,503 characters
		r.staffSays(t, open.Ticket, "2000.0001", long)
		waitIdle(t, st)
		var parts []string
		var ids []string
		for _, s := range r.discord.Sent() {
			if s.Kind != bot.KindDiscordPost {
				continue
			}
			p := payload[bot.DiscordPostPayload](t, s)
			if p.Copy {
				continue
			}
			if len([]rune(p.Text)) > bot.DiscordTextLimit || p.Part != len(parts) || p.Parts != 3 {
				t.Fatalf("part %d/%d of %d characters", p.Part, p.Parts, len([]rune(p.Text)))
			}
			parts = append(parts, p.Text)
			ids = append(ids, s.RemoteID)
		}
		if strings.Join(parts, "") != long {
			t.Fatalf("parts do not add up to the text (%d parts)", len(parts))
		}
		m, _ := st.MessageBySource(ctx, core.PlatformSlack, "CSTAFF:2000.0001")
		if got := bot.TargetIDs(m); !slices.Equal(got, ids) {
			t.Fatalf("targets %q, want %q", got, ids)
		}
		reacts := 0
		for _, s := range r.slack.Sent() {
			if s.Kind == bot.KindSlackReact && payload[bot.SlackReactPayload](t, s).TS == "2000.0001" {
				reacts++
			}
		}
		if reacts != 1 {
			t.Fatalf("%d ✅ reactions, want 1 after the last part", reacts)
		}
	})
}

func TestRelaySetStatusFromEitherSide(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		other := mustCreateUser(t, st, "other", core.RoleClient, "", "100000000000000002")
		if _, err := r.relay.SetStatus(ctx, open.Ticket.ID, core.TicketClosed, other); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("outsider closing: %v", err)
		}
		changed, err := r.relay.SetStatus(ctx, open.Ticket.ID, core.TicketClosed, r.client)
		if err != nil || !changed {
			t.Fatalf("client closing: %v %v", changed, err)
		}
		if changed, _ := r.relay.SetStatus(ctx, open.Ticket.ID, core.TicketClosed, r.staff); changed {
			t.Fatal("closing twice changed something")
		}
		r.start(t)
		waitIdle(t, st)
		res := r.staffSays(t, open.Ticket, "3000.1", "anyone there?")
		if res.Outcome != bot.Refused {
			t.Fatalf("reply to a closed ticket: %v", res.Outcome)
		}
		if changed, err := r.relay.SetStatus(ctx, open.Ticket.ID, core.TicketOpen, r.staff); err != nil || !changed {
			t.Fatalf("reopen: %v %v", changed, err)
		}
		waitIdle(t, st)
		var statuses []bool
		for _, s := range r.discord.Sent() {
			if s.Kind == bot.KindDiscordStatus {
				statuses = append(statuses, payload[bot.DiscordStatusPayload](t, s).Closed)
			}
		}
		if !slices.Equal(statuses, []bool{true, false}) {
			t.Fatalf("discord status sends %v", statuses)
		}
		var ks []string
		for _, k := range r.discord.Kinds() {
			if k == bot.KindDiscordNotice || k == bot.KindDiscordStatus {
				ks = append(ks, k)
			}
		}
		// welcome; closing line then archive; unarchive then reopening line.
		if want := []string{"discord.notice", "discord.notice", "discord.status", "discord.status", "discord.notice"}; !slices.Equal(ks, want) {
			t.Fatalf("discord notices and statuses %q, want %q", ks, want)
		}
		cards := 0
		for _, k := range r.slack.Kinds() {
			if k == bot.KindSlackCard {
				cards++
			}
		}
		if cards != 2 {
			t.Fatalf("%d card updates, want 2", cards)
		}
	})
}

func TestListForClient(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		mine := r.open(t, "D-1", "mine")
		other := mustCreateUser(t, st, "other", core.RoleClient, "", "100000000000000002")
		if _, err := st.OpenTicket(ctx, other, "theirs, private", ""); err != nil {
			t.Fatal(err)
		}
		pub, _ := st.OpenTicket(ctx, other, "theirs, public", core.TicketPublic)
		got, err := r.relay.ListForClient(ctx, core.PlatformDiscord, "100000000000000001")
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, tk := range got {
			ids = append(ids, tk.ID)
		}
		if !slices.Equal(ids, []int64{pub.ID, mine.Ticket.ID}) {
			t.Fatalf("listed %v, want %v", ids, []int64{pub.ID, mine.Ticket.ID})
		}
		if _, err := r.relay.ListForClient(ctx, core.PlatformDiscord, "100000000000000098"); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("stranger: %v", err)
		}
	})
}

// A reply relayed before, redelivered after its ticket closed, is a
// Duplicate (nothing to explain), while a new reply is refused; a staff
// member's card update comes with their first reply only.
func TestRelayRedeliveryAfterCloseIsDuplicate(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		first := r.staffSays(t, open.Ticket, "4000.1", "on it")
		second := r.staffSays(t, open.Ticket, "4000.2", "still on it")
		if first.Outcome != bot.Stored || second.Outcome != bot.Stored {
			t.Fatalf("replies: %v %v", first.Outcome, second.Outcome)
		}
		waitIdle(t, st)
		cards := 0
		for _, s := range r.slack.Sent() {
			if s.Kind == bot.KindSlackCard {
				cards++
			}
		}
		if cards != 1 {
			t.Fatalf("%d card updates for one new participant, want 1", cards)
		}
		if _, err := r.relay.SetStatus(ctx, open.Ticket.ID, core.TicketClosed, r.staff); err != nil {
			t.Fatal(err)
		}
		again := r.staffSays(t, open.Ticket, "4000.1", "on it")
		if again.Outcome != bot.Duplicate || again.Message == nil || again.Message.ID != first.Message.ID {
			t.Fatalf("redelivery after close: %+v, want Duplicate of message %d", again, first.Message.ID)
		}
		if late := r.staffSays(t, open.Ticket, "4000.3", "one more"); late.Outcome != bot.Refused {
			t.Fatalf("new reply to a closed ticket: %v", late.Outcome)
		}
	})
}
