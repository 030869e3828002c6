package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// An app installed without files:write cannot upload: a client's file
// then shows as a link on the message, and the delivery is done, not
// parked.
func TestFilesWithoutUploadScopeStayLinks(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		e := newRelayEnvWith(t, st, func(c *slacktest.Config) {
			c.Scopes = slices.DeleteFunc(slices.Clone(slacktest.DefaultScopes), func(s string) bool { return s == "files:write" })
		})
		cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello file")) }))
		t.Cleanup(cdn.Close)
		url := cdn.URL + "/attachments/1/2/notes.txt"
		res, err := e.relay.Inbound(ctx, bot.InboundMessage{
			Platform: core.PlatformDiscord, SourceID: "333333333333333333", ChannelID: "222222222222222222",
			ThreadID: "222222222222222222", AuthorPlatformID: "111111111111111111", AuthorName: "Carl Client",
			Text: "see attached", Attachments: []core.Attachment{{Name: "notes.txt", URL: url, ContentType: "text/plain", Size: 10}},
		})
		if err != nil || res.Outcome != bot.Stored {
			t.Fatalf("inbound: %+v %v", res, err)
		}
		ds, err := st.TicketDeliveries(ctx, e.ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		var files string
		for _, d := range ds {
			if d.Platform != core.PlatformSlack {
				continue
			}
			kinds = append(kinds, d.Kind)
			remote, err := e.a.Deliver(ctx, d)
			if err != nil {
				t.Fatalf("%s: %v", d.Kind, err)
			}
			if err := outbox.NewWorker(st, nil).InTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
				return onDone(ctx, e.relay, tx, d, remote)
			}); err != nil {
				t.Fatal(err)
			}
			if d.Kind == bot.KindSlackFiles {
				files = remote
			}
		}
		if !slices.Equal(kinds, []string{bot.KindSlackPost, bot.KindSlackFiles}) {
			t.Fatalf("slack deliveries %v", kinds)
		}
		if files != "" {
			t.Fatalf("files delivery remote ID %q, want none uploaded", files)
		}
		if n := len(e.fake.State().Files()); n != 0 {
			t.Fatalf("%d files in Slack", n)
		}
		if n := len(e.fake.State().Calls("files.getUploadURLExternal")); n != 1 {
			t.Fatalf("%d upload attempts, want the one Slack refused", n)
		}
		m, err := st.MessageByID(ctx, res.Message.ID)
		if err != nil || m.TargetID == nil {
			t.Fatalf("message %+v %v", m, err)
		}
		posted, ok := e.fake.State().Message(e.staffCh, *m.TargetID)
		if !ok || !strings.Contains(posted.Text, "📎 <"+url+"|notes.txt>") {
			t.Fatalf("the post reads %q, want the file as a link", posted.Text)
		}
	})
}

// onDone runs the completion hook the relay declares for d's kind, if
// any, as the delivery worker would.
func onDone(ctx context.Context, r *bot.Relay, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	for _, k := range r.Kinds() {
		if k.Name == d.Kind && k.OnDone != nil {
			return k.OnDone(ctx, tx, d, remoteID)
		}
	}
	return nil
}
