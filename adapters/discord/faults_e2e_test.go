package discord_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i+1)
	}
	return out
}

func TestRateLimitStormDeliversEachOnceInOrder(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Storm", "")
		const retryAfter = 150 * time.Millisecond
		r.srv.RateLimitNext("POST", "/webhooks/{id}/{token}", 12, retryAfter)
		want := numbered("reply", 10)
		for i, text := range want {
			r.staffSays(t, tk, fmt.Sprintf("1700000100.%06d", i), text)
		}
		r.idle(t)
		if got := r.webhookTexts(thread); !slices.Equal(got, want) {
			t.Fatalf("thread has %q, want %q", got, want)
		}
		// Every retry came after the retry_after Discord gave.
		var last time.Time
		var limited bool
		for _, q := range r.srv.Requests() {
			if q.Method != "POST" || !strings.HasPrefix(q.Path, "/webhooks/") {
				continue
			}
			if limited && q.At.Sub(last) < retryAfter {
				t.Fatalf("retried %s after a 429 asking for %s", q.At.Sub(last), retryAfter)
			}
			last, limited = q.At, q.Status == http.StatusTooManyRequests
		}
		if n := r.srv.CountRequests("POST", "/webhooks/{id}/{token}"); n != 10+12 {
			t.Fatalf("%d webhook posts, want 10 sent + 12 rate-limited", n)
		}
		if got := len(r.slack.of(bot.KindSlackReact)); got != 10 {
			t.Fatalf("%d ✅ reactions, want 10", got)
		}
	})
}

func TestOutageIsRetriedAndNothingLost(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenPostgres(t))
	tk, thread := r.openBySlash(t, "Outage", "")
	restore := r.srv.Outage(http.StatusServiceUnavailable)
	want := numbered("during outage", 3)
	for i, text := range want {
		r.staffSays(t, tk, fmt.Sprintf("1700000200.%06d", i), text)
	}
	eventually(t, "failed attempts", func() bool {
		d, _ := r.st.TicketDeliveries(context.Background(), tk.ID)
		for _, x := range d {
			if x.Kind == bot.KindDiscordPost && x.Attempts >= 2 {
				return true
			}
		}
		return false
	})
	restore()
	r.worker.Kick()
	r.idle(t)
	if got := r.webhookTexts(thread); !slices.Equal(got, want) {
		t.Fatalf("thread has %q, want %q", got, want)
	}
}

func TestDeletedThreadParksWithWarning(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Gone", "")
		if err := r.srv.DeleteThread(thread); err != nil {
			t.Fatal(err)
		}
		r.staffSays(t, tk, "1700000300.000001", "hello?")
		r.idle(t)
		stats, _ := st.OutboxStats(ctx)
		if stats.Parked != 1 {
			t.Fatalf("parked %d, want 1", stats.Parked)
		}
		reacts := r.slack.of(bot.KindSlackReact)
		if len(reacts) != 1 {
			t.Fatalf("%d reactions", len(reacts))
		}
		if p := decode[bot.SlackReactPayload](t, reacts[0].Kind, reacts[0].Payload); p.Reaction != bot.ReactParked || p.TS != "1700000300.000001" {
			t.Fatalf("reaction %+v", p)
		}
		// One attempt, no retry storm.
		if n := r.srv.CountRequests("POST", "/webhooks/{id}/{token}"); n != 1 {
			t.Fatalf("%d webhook posts", n)
		}
	})
}

func TestGatewayDropResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Flaky network", "")
		r.sayStored(t, thread, r.client.ID, "before")
		r.srv.DropGateway()
		r.say(t, thread, r.client.ID, "while away 1")
		r.say(t, thread, r.client.ID, "while away 2")
		if !r.srv.WaitFor(func() bool { return r.srv.GatewayStats().Resumes == 1 }, waitTimeout) {
			t.Fatalf("no resume: %+v", r.srv.GatewayStats())
		}
		r.sayStored(t, thread, r.client.ID, "after")
		want := []string{"before", "while away 1", "while away 2", "after"}
		eventually(t, "four messages", func() bool { return len(r.storedTexts(t, tk.ID, core.PlatformDiscord)) >= 4 })
		r.idle(t)
		if got := r.storedTexts(t, tk.ID, core.PlatformDiscord); !slices.Equal(got, want) {
			t.Fatalf("stored %q", got)
		}
		if got := r.slack.postTexts(t); !slices.Equal(got, want) {
			t.Fatalf("slack got %q", got)
		}
		if st := r.srv.GatewayStats(); st.Identifies != 1 {
			t.Fatalf("re-identified: %+v", st)
		}
	})
}

func TestInvalidSessionReidentifiesAndCatchesUpOnce(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Lost session", "")
		r.sayStored(t, thread, r.client.ID, "seen live")
		r.srv.DropGateway()
		r.srv.InvalidateSession(false)
		r.say(t, thread, r.client.ID, "missed 1") // never replayed: only history has them
		r.say(t, thread, r.client.ID, "missed 2")
		if !r.srv.WaitFor(func() bool { return r.srv.GatewayStats().Identifies == 2 }, waitTimeout) {
			t.Fatalf("no re-identify: %+v", r.srv.GatewayStats())
		}
		r.sayStored(t, thread, r.client.ID, "after")
		want := []string{"seen live", "missed 1", "missed 2", "after"}
		eventually(t, "four messages", func() bool { return len(r.storedTexts(t, tk.ID, core.PlatformDiscord)) >= 4 })
		r.idle(t)
		if got := r.storedTexts(t, tk.ID, core.PlatformDiscord); !slices.Equal(got, want) {
			t.Fatalf("stored %q", got)
		}
		if got := r.slack.postTexts(t); !slices.Equal(got, want) {
			t.Fatalf("slack got %q", got)
		}
		replayed := 0
		for _, d := range r.srv.Dispatched() {
			if d.Replayed {
				replayed++
			}
		}
		if replayed != 0 || r.srv.CountRequests("GET", "/channels/"+thread+"/messages") < 1 {
			t.Fatalf("replayed %d; history requests %d", replayed, r.srv.CountRequests("GET", "/channels/"+thread+"/messages"))
		}
	})
}

// TestCrashRestartLosesNothing stops the adapter and the worker as a
// crash would: one delivery is left claimed by a dead worker and a client
// writes while nobody listens. A new process delivers the claimed row
// once its lease ends, catches up on the missed message, and nothing is
// doubled.
func TestCrashRestartLosesNothing(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Crash", "")
		r.sayStored(t, thread, r.client.ID, "before crash")
		r.stopWorker()
		r.stopAdapter()

		r.staffSays(t, tk, "1700000400.000001", "claimed by the dead worker")
		r.staffSays(t, tk, "1700000400.000002", "queued behind it")
		dead, err := st.ClaimDeliveries(ctx, "dead-worker", 10, 500*time.Millisecond, core.PlatformDiscord)
		if err != nil || len(dead) != 1 || dead[0].Kind != bot.KindDiscordPost {
			t.Fatalf("dead claim %v %v", dead, err)
		}
		r.say(t, thread, r.client.ID, "while down")

		r.startAdapter(t)
		r.startWorker(t)
		eventually(t, "the missed message", func() bool { return len(r.storedTexts(t, tk.ID, core.PlatformDiscord)) == 2 })
		r.idle(t)
		if got := r.storedTexts(t, tk.ID, core.PlatformDiscord); !slices.Equal(got, []string{"before crash", "while down"}) {
			t.Fatalf("stored %q", got)
		}
		if got := r.slack.postTexts(t); !slices.Equal(got, []string{"before crash", "while down"}) {
			t.Fatalf("slack got %q", got)
		}
		if got := r.webhookTexts(thread); !slices.Equal(got, []string{"claimed by the dead worker", "queued behind it"}) {
			t.Fatalf("thread has %q", got)
		}
		d, _ := st.Delivery(ctx, dead[0].ID)
		if d.Status != core.DeliveryDone || d.LockedBy != "" {
			t.Fatalf("claimed row %+v", d)
		}
	})
}

func TestDeletedWebhookIsRecreatedNotParked(t *testing.T) {
	t.Parallel()
	r := newRig(t, coretest.MustOpenSQLite(t))
	tk, thread := r.openBySlash(t, "Webhook", "")
	r.staffSays(t, tk, "1700000500.000001", "first")
	r.idle(t)
	hooks := r.srv.Webhooks(r.seed.ChannelID)
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks", len(hooks))
	}
	// A moderator deletes the relay's webhook.
	if err := r.ad.Session().WebhookDelete(hooks[0].ID); err != nil {
		t.Fatal(err)
	}
	r.staffSays(t, tk, "1700000500.000002", "second")
	r.idle(t)
	if got := r.webhookTexts(thread); !slices.Equal(got, []string{"first", "second"}) {
		t.Fatalf("thread has %q", got)
	}
	if stats, _ := r.st.OutboxStats(context.Background()); stats.Parked != 0 {
		t.Fatalf("parked %d", stats.Parked)
	}
	if hooks := r.srv.Webhooks(r.seed.ChannelID); len(hooks) != 1 || hooks[0].ID == "" {
		t.Fatalf("webhooks after: %v", hooks)
	}
}

// A webhook post whose answer is lost (Discord posted it, the product
// saw a 502) is found by the retry and not posted again, even when an
// earlier message of the ticket has the same text.
func TestLostWebhookAnswerIsNotPostedTwice(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		tk, thread := r.openBySlash(t, "Lost answer", "")
		r.staffSays(t, tk, "1700000600.000001", "same words")
		r.idle(t)
		r.srv.InjectFault(discordtest.Fault{Method: "POST", Path: "/webhooks/{id}/{token}", Times: 1, Status: http.StatusBadGateway, Lost: true})
		res := r.staffSays(t, tk, "1700000600.000002", "same words")
		r.idle(t)
		if got := r.webhookTexts(thread); !slices.Equal(got, []string{"same words", "same words"}) {
			t.Fatalf("thread has %q, want the text twice (once per message)", got)
		}
		var posts []*core.Delivery
		ds, _ := st.TicketDeliveries(ctx, tk.ID)
		for _, d := range ds {
			if d.Kind == bot.KindDiscordPost && d.MessageID != nil && *d.MessageID == res.Message.ID {
				posts = append(posts, d)
			}
		}
		if len(posts) != 1 || posts[0].Status != core.DeliveryDone || posts[0].Attempts < 2 {
			t.Fatalf("the second message's post: %+v, want one delivery done after a retry", posts)
		}
		msgs := r.srv.Messages(thread)
		var hooked []string
		for _, m := range msgs {
			if m.WebhookID != "" {
				hooked = append(hooked, m.ID)
			}
		}
		if len(hooked) != 2 || posts[0].RemoteID != hooked[1] {
			t.Fatalf("the retry adopted %q, want the lost post %v", posts[0].RemoteID, hooked)
		}
		m, err := st.MessageByID(ctx, res.Message.ID)
		if err != nil || m.TargetID == nil || *m.TargetID != hooked[1] {
			t.Fatalf("message target %v (%v), want %s", m.TargetID, err, hooked[1])
		}
		if got := len(r.slack.of(bot.KindSlackReact)); got != 2 {
			t.Fatalf("%d ✅ reactions, want 2", got)
		}
	})
}
