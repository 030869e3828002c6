package discord_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// poolTicket is a ticket opened in a pool test, with its thread.
type poolTicket struct {
	*core.Ticket
	thread string
}

// openTickets opens n tickets with /ticket, in order.
func (r *rig) openTickets(t *testing.T, n int) []poolTicket {
	t.Helper()
	var out []poolTicket
	for i := range n {
		tk, thread := r.openBySlash(t, fmt.Sprintf("Pool %d", i+1), "")
		out = append(out, poolTicket{tk, thread})
	}
	return out
}

// webhookIDs returns the IDs of the webhooks that posted in a thread, in
// order of their posts.
func (r *rig) webhookIDs(thread string) []string {
	var out []string
	for _, m := range r.srv.Messages(thread) {
		if m.WebhookID != "" {
			out = append(out, m.WebhookID)
		}
	}
	return out
}

// hooksByName maps the support channel's webhooks by name.
func (r *rig) hooksByName() map[string][]*discordgo.Webhook {
	out := map[string][]*discordgo.Webhook{}
	for _, wh := range r.srv.Webhooks(r.seed.ChannelID) {
		out[wh.Name] = append(out[wh.Name], wh)
	}
	return out
}

// slotOf reads the webhook slot a ticket was given.
func slotOf(t *testing.T, st *core.Store, id int64) int {
	t.Helper()
	tk, err := st.Ticket(context.Background(), id)
	if err != nil || tk.DiscordWebhookSlot == nil || tk.DiscordChannelID == nil {
		t.Fatalf("ticket %d: slot %v channel %v (%v)", id, tk.DiscordWebhookSlot, tk.DiscordChannelID, err)
	}
	return *tk.DiscordWebhookSlot
}

// Each ticket gets the least busy webhook of a pool of three, created as
// needed; staff replies go through their ticket's webhook; a slot freed
// by a closed ticket is the next one given.
func TestTicketsPostThroughTheirOwnWebhooks(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newPoolRig(t, st, 3)
		tickets := r.openTickets(t, 4)
		var slots []int
		for _, tk := range tickets {
			slots = append(slots, slotOf(t, st, tk.ID))
		}
		if !slices.Equal(slots, []int{0, 1, 2, 0}) {
			t.Fatalf("slots %v, want 0 1 2 0", slots)
		}
		if n := len(r.srv.Webhooks(r.seed.ChannelID)); n != 0 {
			t.Fatalf("%d webhooks before any staff reply, want none: they are made when needed", n)
		}
		for i, tk := range tickets {
			r.staffSays(t, tk.Ticket, fmt.Sprintf("1700000900.00000%d", i+1), fmt.Sprintf("answer %d", i+1))
		}
		r.idle(t)
		byName := r.hooksByName()
		want := []string{"JayayaCRM relay", "JayayaCRM relay 2", "JayayaCRM relay 3"}
		if len(byName) != 3 {
			t.Fatalf("webhooks %v, want %q", byName, want)
		}
		for i, tk := range tickets {
			hooks := byName[want[slots[i]]]
			if len(hooks) != 1 {
				t.Fatalf("webhook %q: %v", want[slots[i]], hooks)
			}
			if got := r.webhookIDs(tk.thread); !slices.Equal(got, []string{hooks[0].ID}) {
				t.Fatalf("ticket %d posted through %v, want its slot's webhook %s", i+1, got, hooks[0].ID)
			}
			if got := r.webhookTexts(tk.thread); !slices.Equal(got, []string{fmt.Sprintf("answer %d", i+1)}) {
				t.Fatalf("ticket %d thread %q", i+1, got)
			}
		}
		recorded, err := st.DiscordWebhooks(ctx, r.seed.ChannelID)
		if err != nil || len(recorded) != 3 {
			t.Fatalf("recorded webhooks %+v (%v), want 3", recorded, err)
		}
		// Closing the ticket of slot 1 makes it the least busy one.
		if _, err := st.SetTicketStatus(ctx, nil, tickets[1].ID, core.TicketClosed); err != nil {
			t.Fatal(err)
		}
		next := r.openTickets(t, 1)[0]
		if got := slotOf(t, st, next.ID); got != 1 {
			t.Fatalf("a new ticket got slot %d, want the freed slot 1", got)
		}
	})
}

// After a restart the pool is found again, not created twice; a webhook
// of the same name made by someone else is never used.
func TestPoolIsFoundAgainAndNeverAnotherOwners(t *testing.T) {
	t.Parallel()
	r := newPoolRig(t, coretest.MustOpenSQLite(t), 2)
	someone := r.member(t, "mod")
	foreign, err := r.srv.AddWebhook(r.seed.ChannelID, "JayayaCRM relay", someone.ID)
	if err != nil {
		t.Fatal(err)
	}
	tickets := r.openTickets(t, 2)
	for i, tk := range tickets {
		r.staffSays(t, tk.Ticket, fmt.Sprintf("1700001000.00000%d", i+1), "before")
	}
	r.idle(t)
	before := r.srv.Webhooks(r.seed.ChannelID)
	if len(before) != 3 {
		t.Fatalf("webhooks %v, want the foreign one and the pool's two", before)
	}
	// A new process.
	r.stopWorker()
	r.stopAdapter()
	r.startAdapter(t)
	r.startWorker(t)
	for i, tk := range tickets {
		r.staffSays(t, tk.Ticket, fmt.Sprintf("1700001000.00001%d", i+1), "after")
	}
	r.idle(t)
	after := r.srv.Webhooks(r.seed.ChannelID)
	if len(after) != 3 {
		t.Fatalf("webhooks after the restart %v, want the same three", after)
	}
	for _, tk := range tickets {
		ids := r.webhookIDs(tk.thread)
		if len(ids) != 2 || ids[0] != ids[1] || ids[0] == foreign.ID {
			t.Fatalf("thread posted through %v, want one webhook of the pool twice, never %s", ids, foreign.ID)
		}
	}
}

// A channel whose 15 webhooks are taken by others gets no pool webhook
// of its own: replies wait (retried, never parked nor lost) and leave
// once a place is free; a ticket whose slot cannot be created posts
// through another webhook of the pool meanwhile.
func TestFullChannelWaitsForRoom(t *testing.T) {
	t.Parallel()
	r := newPoolRig(t, coretest.MustOpenSQLite(t), 2)
	someone := r.member(t, "mod")
	var others []*discordgo.Webhook
	for i := range 14 {
		wh, err := r.srv.AddWebhook(r.seed.ChannelID, fmt.Sprintf("other %d", i+1), someone.ID)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, wh)
	}
	tickets := r.openTickets(t, 2)
	// Slot 0's webhook takes the last place; slot 1's cannot be made.
	r.staffSays(t, tickets[0].Ticket, "1700001100.000001", "first")
	r.idle(t)
	r.staffSays(t, tickets[1].Ticket, "1700001100.000002", "second")
	r.idle(t)
	slot0 := r.hooksByName()["JayayaCRM relay"]
	if len(slot0) != 1 || len(r.srv.Webhooks(r.seed.ChannelID)) != 15 {
		t.Fatalf("webhooks %v", r.hooksByName())
	}
	if got := r.webhookIDs(tickets[1].thread); !slices.Equal(got, []string{slot0[0].ID}) {
		t.Fatalf("the second ticket posted through %v, want slot 0's webhook meanwhile", got)
	}
	// With every place taken and no webhook of the pool, a reply waits.
	if err := r.ad.Session().WebhookDelete(slot0[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.srv.AddWebhook(r.seed.ChannelID, "other 15", someone.ID); err != nil {
		t.Fatal(err)
	}
	r.staffSays(t, tickets[0].Ticket, "1700001100.000003", "third")
	eventually(t, "a failed attempt of the third reply", func() bool {
		ds, _ := r.st.TicketDeliveries(context.Background(), tickets[0].ID)
		for _, d := range ds {
			if d.Kind == bot.KindDiscordPost && d.Status == core.DeliveryPending && d.Attempts > 0 {
				return true
			}
		}
		return false
	})
	if err := r.ad.Session().WebhookDelete(others[0].ID); err != nil {
		t.Fatal(err)
	}
	r.idle(t)
	if got := r.webhookTexts(tickets[0].thread); !slices.Equal(got, []string{"first", "third"}) {
		t.Fatalf("thread has %q", got)
	}
	if stats, _ := r.st.OutboxStats(context.Background()); stats.Parked != 0 {
		t.Fatalf("parked %d", stats.Parked)
	}
}

// A post whose answer was lost, then whose webhook a moderator deleted
// while the product restarted, is found by the retry through the new
// webhook's look-back (the old one is remembered as the pool's) and not
// posted twice.
func TestLostPostOfADeletedWebhookIsNotPostedTwice(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Lost and deleted", "")
		r.staffSays(t, tk, "1700001200.000001", "hello")
		r.idle(t)
		old := r.srv.Webhooks(r.seed.ChannelID)[0]
		r.srv.InjectFault(discordtest.Fault{Method: "POST", Path: "/webhooks/{id}/{token}", Times: 1, Status: http.StatusBadGateway, Lost: true})
		// The retries cannot read the thread back until the restart.
		unblock := r.srv.InjectFault(discordtest.Fault{Method: "GET", Path: "/channels/{id}/messages", Status: http.StatusInternalServerError})
		res := r.staffSays(t, tk, "1700001200.000002", "lost words")
		eventually(t, "the lost post and a failed look-back", func() bool {
			d := postOf(t, st, tk.ID, res.Message.ID)
			return len(r.webhookTexts(thread)) == 2 && d.Attempts >= 2
		})
		r.stopWorker()
		r.stopAdapter()
		if err := r.ad.Session().WebhookDelete(old.ID); err != nil {
			t.Fatal(err)
		}
		unblock()
		r.startAdapter(t)
		r.startWorker(t)
		r.idle(t)
		if got := r.webhookTexts(thread); !slices.Equal(got, []string{"hello", "lost words"}) {
			t.Fatalf("thread has %q, want the lost post once", got)
		}
		msgs := r.webhookIDs(thread)
		d := postOf(t, st, tk.ID, res.Message.ID)
		if d.Status != core.DeliveryDone || msgs[1] != old.ID {
			t.Fatalf("delivery %+v; posts through %v", d, msgs)
		}
		var lost string
		for _, m := range r.srv.Messages(thread) {
			if m.Content == "lost words" {
				lost = m.ID
			}
		}
		if d.RemoteID != lost {
			t.Fatalf("the retry recorded %q, want the lost post %s", d.RemoteID, lost)
		}
		_ = ctx
	})
}

// postOf returns the discord.post delivery of a message.
func postOf(t *testing.T, st *core.Store, ticketID, messageID int64) *core.Delivery {
	t.Helper()
	ds, err := st.TicketDeliveries(context.Background(), ticketID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Kind == bot.KindDiscordPost && d.MessageID != nil && *d.MessageID == messageID {
			return d
		}
	}
	t.Fatalf("no discord.post for message %d", messageID)
	return nil
}

// A message posted through a webhook a moderator deleted since is still
// deleted on Discord when staff delete it (by the bot); an edit of one,
// which Discord lets nobody make, is parked, not lost.
func TestMessagesOfADeletedWebhookFollowDeletionsAndParkEdits(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenSQLite(t))
	ctx := context.Background()
	tk, thread := r.openBySlash(t, "Old posts", "")
	r.staffSays(t, tk, "1700001300.000001", "to delete")
	r.staffSays(t, tk, "1700001300.000002", "to edit")
	r.idle(t)
	old := r.srv.Webhooks(r.seed.ChannelID)[0]
	if err := r.ad.Session().WebhookDelete(old.ID); err != nil {
		t.Fatal(err)
	}
	r.staffSays(t, tk, "1700001300.000003", "new")
	r.idle(t)
	if res, err := r.relay.Delete(ctx, core.PlatformSlack, "CSTAFF", "1700001300.000001"); err != nil || res.Outcome != bot.Stored {
		t.Fatalf("delete: %v %v", res.Outcome, err)
	}
	r.idle(t)
	if got := r.webhookTexts(thread); !slices.Equal(got, []string{"to edit", "new"}) {
		t.Fatalf("thread has %q after the deletion", got)
	}
	if res, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "1700001300.000002", Text: "edited"}); err != nil || res.Outcome != bot.Stored {
		t.Fatalf("edit: %v %v", res.Outcome, err)
	}
	eventually(t, "the edit parked", func() bool {
		s, err := r.st.OutboxStats(ctx)
		return err == nil && s.Pending == 0 && s.Parked == 1
	})
	if got := r.webhookTexts(thread); !slices.Equal(got, []string{"to edit", "new"}) {
		t.Fatalf("thread has %q after the edit", got)
	}
}

// Under a per-channel window Discord does not announce (the community's
// "30 a minute per channel"), the pacer learns from the 429s: every staff
// reply reaches the thread once and in order, at the price of about one
// refusal per window.
func TestUnannouncedChannelWindowDeliversEachOnceInOrder(t *testing.T) {
	t.Parallel()
	r := newRigWith(t, coretest.MustOpenSQLite(t), rigOptions{
		limits: discordtest.Limits{WebhookChannel: discordtest.Window{Limit: 4, Per: 3 * time.Second}},
		pacer:  bot.NewPacer(),
	})
	tk, thread := r.openBySlash(t, "Chatty staff", "")
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("reply %d", i+1))
		r.staffSays(t, tk, fmt.Sprintf("1700001400.%06d", i+1), want[i])
	}
	eventually(t, "the ten replies", func() bool { return len(r.webhookTexts(thread)) >= 10 })
	r.idle(t)
	if got := r.webhookTexts(thread); !slices.Equal(got, want) {
		t.Fatalf("thread has %q, want the ten replies once, in order", got)
	}
	refused := r.srv.RateLimited()[discordtest.LimitWebhookChannel]
	if refused < 1 || refused > 3 {
		t.Fatalf("%d refusals by the channel window, want 1 to 3 (one per window at most)", refused)
	}
	if s, _ := r.st.OutboxStats(context.Background()); s.Parked != 0 {
		t.Fatalf("parked %d", s.Parked)
	}
}
