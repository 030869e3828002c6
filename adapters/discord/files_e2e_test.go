package discord_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// fileServer serves staff's files by name ("gone.txt" answers 404) and
// counts the GETs of each.
type fileServer struct {
	*httptest.Server
	mu   sync.Mutex
	gets map[string]int
}

func newFileServer(t *testing.T, files map[string]string) *fileServer {
	fs := &fileServer{gets: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		fs.mu.Lock()
		fs.gets[name]++
		fs.mu.Unlock()
		body, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) count(name string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.gets[name]
}

// attachment is a staff file served by fs.
func (fs *fileServer) attachment(name string, size int) core.Attachment {
	return core.Attachment{Name: name, URL: fs.URL + "/" + name, ContentType: "text/plain", Size: int64(size)}
}

// staffSends relays a Slack reply with files, as the Slack adapter would.
func (r *rig) staffSends(t *testing.T, tk *core.Ticket, ts, text string, atts ...core.Attachment) *core.Message {
	t.Helper()
	cur, err := r.st.Ticket(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.relay.Inbound(context.Background(), bot.InboundMessage{
		Platform: core.PlatformSlack, SourceID: ts, ChannelID: *cur.SlackChannelID, ThreadID: *cur.SlackThreadTS,
		AuthorPlatformID: "U0STAFF1", AuthorName: "Sam Staff", Text: text, Attachments: atts,
	})
	if err != nil || res.Outcome != bot.Stored {
		t.Fatalf("staff reply %q: %v %v", text, res.Outcome, err)
	}
	return res.Message
}

// webhookPosts returns the webhook posts of a thread as "text [files]".
func (r *rig) webhookPosts(thread string) []string {
	var out []string
	for _, m := range r.srv.Messages(thread) {
		if m.WebhookID == "" {
			continue
		}
		s := m.Content
		var names []string
		for _, a := range m.Attachments {
			names = append(names, a.Filename)
		}
		if len(names) > 0 {
			s += " [" + strings.Join(names, ", ") + "]"
		}
		out = append(out, s)
	}
	return out
}

// TestStaffFilesRideTheLastPart: a long staff reply's file is uploaded
// with its last part, a file that answers 404 is linked there; an edit to
// one part keeps the file (the part carrying it is emptied, not deleted)
// and links only what was not uploaded; deleting the message deletes
// every part. A post with a file whose answer is lost is found by the
// retry, not posted (nor downloaded) again.
func TestStaffFilesRideTheLastPart(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		fs := newFileServer(t, map[string]string{"notes.txt": "notes body", "lost.txt": "lost body"})
		tk, thread := r.openBySlash(t, "Files", "")

		long := strings.Repeat("word ", 500)
		parts := bot.SplitText(long, bot.DiscordTextLimit)
		notes, gone := fs.attachment("notes.txt", 10), fs.attachment("gone.txt", 4)
		m := r.staffSends(t, tk, "1700000700.000001", long, notes, gone)
		r.idle(t)
		goneLine := "\n📎 gone.txt: " + gone.URL
		if got, want := r.webhookPosts(thread), []string{parts[0], parts[1] + goneLine + " [notes.txt]"}; !slices.Equal(got, want) {
			t.Fatalf("thread:\n got %q\nwant %q", got, want)
		}
		last := r.srv.Messages(thread)[len(r.srv.Messages(thread))-1]
		if info, _ := r.srv.MessageInfo(thread, last.ID); string(info.Files["notes.txt"]) != "notes body" || last.Attachments[0].ContentType != "text/plain" {
			t.Fatalf("uploaded %q as %s", info.Files["notes.txt"], last.Attachments[0].ContentType)
		}
		if fs.count("notes.txt") != 1 || fs.count("gone.txt") != 1 {
			t.Fatalf("downloads: notes %d, gone %d", fs.count("notes.txt"), fs.count("gone.txt"))
		}

		if _, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "1700000700.000001", Text: "short"}); err != nil {
			t.Fatal(err)
		}
		r.idle(t)
		if got, want := r.webhookPosts(thread), []string{"short" + goneLine, " [notes.txt]"}; !slices.Equal(got, want) {
			t.Fatalf("after the edit:\n got %q\nwant %q", got, want)
		}
		stored, _ := st.MessageByID(ctx, m.ID)
		if len(bot.TargetIDs(stored)) != 2 {
			t.Fatalf("targets after the edit: %q", bot.TargetIDs(stored))
		}

		if _, err := r.relay.Delete(ctx, core.PlatformSlack, "CSTAFF", "1700000700.000001"); err != nil {
			t.Fatal(err)
		}
		r.idle(t)
		if got := r.webhookPosts(thread); len(got) != 0 {
			t.Fatalf("after the deletion: %q", got)
		}

		r.srv.InjectFault(discordtest.Fault{Method: "POST", Path: "/webhooks/{id}/{token}", Times: 1, Status: http.StatusBadGateway, Lost: true})
		lost := r.staffSends(t, tk, "1700000700.000002", "", fs.attachment("lost.txt", 9))
		r.idle(t)
		if got := r.webhookPosts(thread); !slices.Equal(got, []string{" [lost.txt]"}) {
			t.Fatalf("after the lost answer: %q", got)
		}
		if n := fs.count("lost.txt"); n != 1 {
			t.Errorf("lost.txt downloaded %d times; want 1", n)
		}
		ds, _ := st.TicketDeliveries(ctx, tk.ID)
		for _, d := range ds {
			if d.Kind == bot.KindDiscordPost && d.MessageID != nil && *d.MessageID == lost.ID && (d.Status != core.DeliveryDone || d.Attempts < 2) {
				t.Errorf("the post: %s after %d attempts, want done after a retry", d.Status, d.Attempts)
			}
		}
		var hooked []*discordgo.Message
		for _, x := range r.srv.Messages(thread) {
			if x.WebhookID != "" {
				hooked = append(hooked, x)
			}
		}
		if stored, _ := st.MessageByID(ctx, lost.ID); len(hooked) != 1 || stored.TargetID == nil || *stored.TargetID != hooked[0].ID {
			t.Errorf("target %v, posts %d", stored.TargetID, len(hooked))
		}
	})
}
