package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// Attachments through the whole binary, on PostgreSQL: uploaded on the
// other side, links when too large or unreadable, downloads retried,
// uploads never doubled. Each test ends on the exact state of both sides.

// sharedFiles returns the files the bot shared in a ticket's Slack thread
// (uploads of clients' attachments), deleted ones left out, in order.
func (w *relayWorld) sharedFiles(ts ticketSides) []slacktest.File {
	var out []slacktest.File
	for _, m := range w.slackReplies(ts) {
		if m.BotID == "" || m.SubType != "file_share" {
			continue
		}
		for _, id := range m.Files {
			if f, ok := w.slack.State().File(id); ok && !f.Deleted {
				out = append(out, f)
			}
		}
	}
	return out
}

// sharedNames is sharedFiles by name.
func (w *relayWorld) sharedNames(ts ticketSides) []string {
	var out []string
	for _, f := range w.sharedFiles(ts) {
		out = append(out, f.Name)
	}
	return out
}

// discordPosts returns the webhook posts in a ticket's Discord thread
// (the copy of the client's opening message left out) as "author: text",
// followed by " [file, …]" when files are attached.
func (w *relayWorld) discordPosts(ts ticketSides) []string {
	var out []string
	for _, m := range w.discord.Messages(ts.ThreadID) {
		if m.WebhookID == "" || m.Author.Username == clientName(w.client) {
			continue
		}
		s := m.Author.Username + ": " + m.Content
		if len(m.Attachments) > 0 {
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Filename)
			}
			s += " [" + strings.Join(names, ", ") + "]"
		}
		out = append(out, s)
	}
	return out
}

// discordPost returns the webhook post whose text starts with prefix.
func (w *relayWorld) discordPost(ts ticketSides, prefix string) *discordgo.Message {
	for _, m := range w.discord.Messages(ts.ThreadID) {
		if m.WebhookID != "" && strings.HasPrefix(m.Content, prefix) {
			return m
		}
	}
	return nil
}

// clientSends posts a client message with files in the ticket's thread.
func (w *relayWorld) clientSends(ts ticketSides, text string, nitro bool, files ...discordtest.Attachment) *discordgo.Message {
	w.t.Helper()
	m, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: ts.ThreadID, AuthorID: w.client.ID, Content: text,
		Attachments: files, Nitro: nitro})
	if err != nil {
		w.t.Fatalf("client message: %v", err)
	}
	return m
}

// waitDelivered waits for ✅ on a client's message.
func (w *relayWorld) waitDelivered(ts ticketSides, m *discordgo.Message) {
	w.t.Helper()
	w.waitDiscord("✅ on "+m.Content, func() bool {
		got, ok := w.discord.Message(ts.ThreadID, m.ID)
		return ok && discordReacted(got, "✅")
	})
}

// waitStaffDelivered waits for ✅ on a staff reply.
func (w *relayWorld) waitStaffDelivered(m slacktest.Message) {
	w.t.Helper()
	w.waitSlack(func(st *slacktest.State) bool {
		got, _ := st.Message(w.staffCh, m.TS)
		return hasReaction(got, "white_check_mark")
	})
}

// uploadCalls counts the files.getUploadURLExternal calls for name.
func (w *relayWorld) uploadCalls(name string) int {
	n := 0
	for _, c := range w.slack.State().Calls("files.getUploadURLExternal") {
		if c.Params.Get("filename") == name {
			n++
		}
	}
	return n
}

// proxyLinkRE matches the file proxy link of a staff file on Discord.
func proxyLinkRE(w *relayWorld, name string) *regexp.Regexp {
	return regexp.MustCompile(`^📎 ` + regexp.QuoteMeta(name) + `: (` + regexp.QuoteMeta(w.pubURL) + `/slack/files/F\w+/` + regexp.QuoteMeta(name) + `\?\S+)$`)
}

// TestRelayAttachments: attachments travel as files both ways (bytes
// intact), as links when too large or gone, after retries when the
// download fails for a while, once when an upload's answer is lost; edits
// keep them, deletions remove them.
func TestRelayAttachments(t *testing.T) {
	t.Parallel()
	w := newRelayWorld(t, core.EnginePostgres)
	ctx := context.Background()
	ts := w.openByMessage(1, "Files")
	client := clientName(w.client)
	w.wantSlack(ts, []string{client + ": Files"})

	// A client's image is uploaded into the Slack thread and listed by
	// name under the text; the ✅ waits for the file (whose upload is
	// slowed down so that an early ✅ would show).
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("pixel"), 2000)...)
	w.slack.SetLatency("files.completeUploadExternal", 300*time.Millisecond)
	shot := w.clientSends(ts, "screenshot", false, discordtest.Attachment{Name: "screen.png", ContentType: "image/png", Data: png})
	w.waitDelivered(ts, shot)
	w.slack.SetLatency("files.completeUploadExternal", 0)
	files := w.sharedFiles(ts)
	if len(files) != 1 || files[0].Name != "screen.png" || !bytes.Equal(files[0].Content, png) || files[0].Mimetype != "image/png" || files[0].ThreadTS != ts.SlackTS {
		t.Fatalf("files in the Slack thread at ✅: %+v", files)
	}
	screenID := files[0].ID
	w.wantSlack(ts, []string{client + ": Files", client + ": screenshot\n📎 screen.png"})

	// A staff file arrives on Discord attached to the webhook message,
	// with no link in the text.
	pdf := []byte("%PDF-1.7 invoice 42")
	inv := w.staffSays(ts, w.staff.ID, "the invoice", slacktest.UserFile{Name: "invoice.pdf", Mimetype: "application/pdf", Content: pdf})
	w.waitStaffDelivered(inv)
	if got := w.discordPosts(ts); !slices.Equal(got, []string{"Sam Staff: the invoice [invoice.pdf]"}) {
		t.Fatalf("Discord thread: %q", got)
	}
	m := w.discordPost(ts, "the invoice")
	if a := m.Attachments[0]; a.ContentType != "application/pdf" || a.Size != len(pdf) || fetch(t, a.URL) != string(pdf) {
		t.Fatalf("attachment on Discord: %+v", a)
	}

	// Too large: a staff file over Discord's 10 MiB stays a link to the
	// file proxy (the small file beside it is uploaded); a client file
	// over 25 MiB stays a link in Slack. Neither is downloaded.
	big := bytes.Repeat([]byte("b"), 10<<20+1)
	two := w.staffSays(ts, w.staff.ID, "two files",
		slacktest.UserFile{Name: "big.bin", Mimetype: "application/octet-stream", Content: big},
		slacktest.UserFile{Name: "small.txt", Mimetype: "text/plain", Content: []byte("small")})
	w.waitStaffDelivered(two)
	m = w.discordPost(ts, "two files")
	text, link, _ := strings.Cut(m.Content, "\n")
	match := proxyLinkRE(w, "big.bin").FindStringSubmatch(link)
	if text != "two files" || match == nil || len(m.Attachments) != 1 || m.Attachments[0].Filename != "small.txt" || fetch(t, m.Attachments[0].URL) != "small" {
		t.Fatalf("two files on Discord: %q with %+v", m.Content, m.Attachments)
	}
	bigLink := match[1]
	if n := w.slack.State().Downloads(two.Files[0]); n != 0 {
		t.Errorf("big.bin was downloaded %d times", n)
	}
	if body := fetch(t, bigLink); body != string(big) {
		t.Errorf("the file proxy served %d bytes of big.bin", len(body))
	}
	if body := fetch(t, strings.Replace(bigLink, "sig=", "sig=0", 1)); body != "" {
		t.Errorf("the file proxy served a forged link")
	}
	if body := fetch(t, strings.Replace(bigLink, "/big.bin?", "/big.html?", 1)); body != "" {
		t.Errorf("the file proxy served a renamed link")
	}
	// Through the whole process, the proxy's own sandbox still wins over
	// the headers every response gets.
	if res, err := http.Get(bigLink); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
		if res.Header.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || res.Header.Get("Content-Disposition") != "attachment; filename=big.bin" {
			t.Errorf("the file proxy's headers: %v", res.Header)
		}
	}

	huge := make([]byte, 25<<20+1)
	hm := w.clientSends(ts, "huge", true,
		discordtest.Attachment{Name: "huge.bin", Data: huge},
		discordtest.Attachment{Name: "notes.txt", ContentType: "text/plain", Data: []byte("notes")})
	w.waitDelivered(ts, hm)
	hugeText := client + ": huge\n📎 <" + hm.Attachments[0].URL + "|huge.bin>\n📎 notes.txt"
	if got := w.relayedToSlack(ts); got[len(got)-1] != hugeText {
		t.Fatalf("huge in Slack: %q", got[len(got)-1])
	}
	if n := w.discord.AttachmentDownloads(hm.Attachments[0].ID); n != 0 {
		t.Errorf("huge.bin was downloaded %d times", n)
	}

	// Gone: a client file Discord answers 404 for, and a staff file Slack
	// answers 404 for, stay links, without retries.
	removeGone := w.discord.InjectFault(discordtest.Fault{CDN: true, Path: "/attachments/*/*/gone.png", Status: 404})
	gm := w.clientSends(ts, "gone", false, discordtest.Attachment{Name: "gone.png", ContentType: "image/png", Data: []byte("gone")})
	w.waitDelivered(ts, gm)
	removeGone()
	goneText := client + ": gone\n📎 <" + gm.Attachments[0].URL + "|gone.png>"
	if got := w.relayedToSlack(ts); got[len(got)-1] != goneText {
		t.Fatalf("gone in Slack: %q", got[len(got)-1])
	}
	if n := w.discord.AttachmentDownloads(gm.Attachments[0].ID); n != 1 {
		t.Errorf("gone.png was downloaded %d times; want 1", n)
	}
	w.slack.FailDownloads("gone.pdf", 404, 0)
	gs := w.staffSays(ts, w.staff.ID, "gone file", slacktest.UserFile{Name: "gone.pdf", Mimetype: "application/pdf", Content: []byte("gone")})
	w.waitStaffDelivered(gs)
	m = w.discordPost(ts, "gone file")
	text, link, _ = strings.Cut(m.Content, "\n")
	match = proxyLinkRE(w, "gone.pdf").FindStringSubmatch(link)
	if text != "gone file" || match == nil || len(m.Attachments) != 0 {
		t.Fatalf("gone file on Discord: %q with %+v", m.Content, m.Attachments)
	}
	goneLink := match[1]
	if n := w.slack.State().Downloads(gs.Files[0]); n != 1 {
		t.Errorf("gone.pdf was downloaded %d times; want 1", n)
	}

	// Flaky: two 5xx answers to the download, then the file: the delivery
	// is retried and the file uploaded once, both ways.
	w.discord.InjectFault(discordtest.Fault{CDN: true, Path: "/attachments/*/*/flaky.png", Status: 503, Times: 2})
	fm := w.clientSends(ts, "flaky", false, discordtest.Attachment{Name: "flaky.png", ContentType: "image/png", Data: []byte("flaky png")})
	w.waitDelivered(ts, fm)
	if n := w.discord.AttachmentDownloads(fm.Attachments[0].ID); n != 3 {
		t.Errorf("flaky.png was downloaded %d times; want 3", n)
	}
	w.slack.FailDownloads("flaky.pdf", 502, 2)
	fs := w.staffSays(ts, w.staff.ID, "flaky file", slacktest.UserFile{Name: "flaky.pdf", Mimetype: "application/pdf", Content: []byte("flaky pdf")})
	w.waitStaffDelivered(fs)
	if n := w.slack.State().Downloads(fs.Files[0]); n != 3 {
		t.Errorf("flaky.pdf was downloaded %d times; want 3", n)
	}
	if m = w.discordPost(ts, "flaky file"); m == nil || len(m.Attachments) != 1 || fetch(t, m.Attachments[0].URL) != "flaky pdf" {
		t.Fatalf("flaky file on Discord: %+v", m)
	}

	// Lost: Slack shares the file but its answer never arrives; the
	// retried delivery finds the file in the thread and uploads nothing.
	reached, release := w.slack.HoldNext("files.completeUploadExternal")
	lm := w.clientSends(ts, "lost", false, discordtest.Attachment{Name: "lost.png", ContentType: "image/png", Data: []byte("lost png")})
	select {
	case <-reached:
	case <-time.After(waitTimeout):
		t.Fatalf("no upload of lost.png:\n%s", w.proc.logs.String())
	}
	release()
	w.waitDelivered(ts, lm)
	if n := w.uploadCalls("lost.png"); n != 1 {
		t.Errorf("lost.png was uploaded %d times; want 1", n)
	}

	// Edits keep the files and add no link; deleting the client's message
	// deletes its text and its file in Slack.
	if _, err := w.slack.HTTP().EditAsUser(ctx, w.staffCh, inv.TS, "the corrected invoice"); err != nil {
		t.Fatal(err)
	}
	w.waitDiscord("the edit on Discord", func() bool { return w.discordPost(ts, "the corrected invoice") != nil })
	if err := w.discord.DeleteMessage(ts.ThreadID, shot.ID); err != nil {
		t.Fatal(err)
	}
	w.waitSlack(func(st *slacktest.State) bool { f, _ := st.File(screenID); return f.Deleted })

	// The final state, exactly.
	w.settle()
	w.wantSlack(ts, []string{client + ": Files", hugeText, goneText, client + ": flaky\n📎 flaky.png", client + ": lost\n📎 lost.png"})
	if got, want := w.sharedNames(ts), []string{"notes.txt", "flaky.png", "lost.png"}; !slices.Equal(got, want) {
		t.Errorf("files in the Slack thread: %q, want %q", got, want)
	}
	for _, f := range w.sharedFiles(ts) {
		if want := map[string]string{"notes.txt": "notes", "flaky.png": "flaky png", "lost.png": "lost png"}[f.Name]; string(f.Content) != want {
			t.Errorf("%s in Slack holds %q", f.Name, f.Content)
		}
	}
	want := []string{
		"Sam Staff: the corrected invoice [invoice.pdf]",
		"Sam Staff: two files\n📎 big.bin: " + bigLink + " [small.txt]",
		"Sam Staff: gone file\n📎 gone.pdf: " + goneLink,
		"Sam Staff: flaky file [flaky.pdf]",
	}
	if got := w.discordPosts(ts); !slices.Equal(got, want) {
		t.Errorf("Discord thread:\n got %q\nwant %q", got, want)
	}
	if st, err := w.st.OutboxStats(ctx); err != nil || st.Parked != 0 {
		t.Errorf("outbox: %+v %v", st, err)
	}
}

// TestRelayFilesCrashRestart: the product is killed after Slack shared a
// client's file and before it could record that (its database cut, the
// answer never delivered). A fresh process on the same database retries
// the delivery, finds the file in the thread and does not upload it
// again; the client's message gets its ✅.
func TestRelayFilesCrashRestart(t *testing.T) {
	t.Parallel()
	w := setupRelayWorld(t, core.EnginePostgres)
	viaProxy, proxy := coretest.ProxyURL(t, w.dbURL)
	w.proc = w.start(viaProxy)

	ts := w.openByMessage(1, "Crash")
	client := clientName(w.client)
	w.wantSlack(ts, []string{client + ": Crash"})

	reached, release := w.slack.HoldNext("files.completeUploadExternal")
	m := w.clientSends(ts, "report", false,
		discordtest.Attachment{Name: "a.txt", ContentType: "text/plain", Data: []byte("first file")},
		discordtest.Attachment{Name: "b.txt", ContentType: "text/plain", Data: []byte("second file")})
	select {
	case <-reached:
	case <-time.After(waitTimeout):
		t.Fatalf("no upload:\n%s", w.proc.logs.String())
	}
	// kill -9 right after Slack shared a.txt: nothing more is recorded.
	proxy.Cut()
	w.proc.cancel()
	release()
	w.proc.wait(t)
	if got := w.sharedNames(ts); !slices.Equal(got, []string{"a.txt"}) {
		t.Fatalf("at the crash Slack has %q", got)
	}

	// The new process takes over the killed worker's leases once its
	// heartbeat is stale (2 s), long before they would run out (30 s).
	w.proc = w.start(w.dbURL)
	w.waitDelivered(ts, m)
	w.settle()
	if got := w.sharedNames(ts); !slices.Equal(got, []string{"a.txt", "b.txt"}) {
		t.Errorf("files in the Slack thread: %q", got)
	}
	if a, b := w.uploadCalls("a.txt"), w.uploadCalls("b.txt"); a != 1 || b != 1 {
		t.Errorf("uploads: a.txt %d, b.txt %d; want 1 each", a, b)
	}
	w.wantSlack(ts, []string{client + ": Crash", client + ": report\n📎 a.txt\n📎 b.txt"})
	ds, err := w.st.TicketDeliveries(context.Background(), ts.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range w.sharedFiles(ts) {
		ids = append(ids, f.ID)
	}
	for _, d := range ds {
		if d.Kind == bot.KindSlackFiles && (d.Status != core.DeliveryDone || d.Attempts < 2 || d.RemoteID != strings.Join(ids, ",")) {
			t.Errorf("slack.files delivery: %s after %d attempts, remote ID %q; want done after a retry with %q", d.Status, d.Attempts, d.RemoteID, strings.Join(ids, ","))
		}
	}
}
