package slacktest_test

import (
	"bytes"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

func TestUploadFileIntoThread(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()
	parent, _ := postThread(t, w, 0)
	content := "invoice 2024-001\n"

	sum, err := w.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "invoice.txt", FileSize: len(content), Content: content, Title: "Invoice",
		Channel: w.staff.ID, ThreadTimestamp: parent, InitialComment: "from the client",
	})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := st.File(sum.ID)
	if !ok || string(f.Content) != content || f.Title != "Invoice" || f.Channels[0] != w.staff.ID {
		t.Fatalf("stored file = %+v", f)
	}
	thread := st.Thread(w.staff.ID, parent)
	if len(thread) != 2 || thread[1].Text != "from the client" || len(thread[1].Files) != 1 || thread[1].Files[0] != sum.ID {
		t.Fatalf("thread = %+v, want the file shared as a reply", thread)
	}

	// Files a user shares come with a url_private the bot token can read.
	m := must[slacktest.Message](t)(st.PostAsUser(slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, ThreadTS: parent,
		Text: "screenshot", Files: []slacktest.UserFile{{Name: "shot.png", Mimetype: "image/png", Content: []byte("PNG…")}}}))
	msgs, _, _, err := w.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: w.staff.ID, Timestamp: parent, Oldest: thread[1].TS})
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Timestamp != m.TS || len(last.Files) != 1 {
		t.Fatalf("reply = %+v", last.Msg)
	}
	var buf bytes.Buffer
	if err := w.api.GetFileContext(ctx, last.Files[0].URLPrivateDownload, &buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "PNG…" {
		t.Errorf("downloaded %q", buf.String())
	}

	_, err = w.api.UploadFileContext(ctx, slack.UploadFileParameters{Filename: "a.txt", FileSize: 1, Content: "a", Channel: "C404"})
	wantCode(t, err, "channel_not_found")
}
