package slacktest_test

import (
	"bytes"
	"errors"
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

func TestFilesDeleteDownloadFaultsAndHeldAnswers(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()
	parent, _ := postThread(t, w, 0)

	// files.delete: the bot's own file disappears from the thread and is
	// no longer served; users' files are not the bot's to delete.
	sum := must[*slack.FileSummary](t)(w.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "a.txt", FileSize: 5, Content: "alpha", Channel: w.staff.ID, ThreadTimestamp: parent}))
	f, _ := st.File(sum.ID)
	if err := w.api.DeleteFileContext(ctx, sum.ID); err != nil {
		t.Fatal(err)
	}
	if f, _ := st.File(sum.ID); !f.Deleted {
		t.Fatalf("file after files.delete: %+v", f)
	}
	msgs, _, _, err := w.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: w.staff.ID, Timestamp: parent})
	if err != nil || len(msgs) != 2 || len(msgs[1].Files) != 0 {
		t.Fatalf("thread after files.delete: %+v %v", msgs, err)
	}
	var sc slack.StatusCodeError
	if err := w.api.GetFileContext(ctx, fileURL(w, f), &bytes.Buffer{}); !errors.As(err, &sc) || sc.Code != 404 {
		t.Fatalf("download of a deleted file: %v", err)
	}
	wantCode(t, w.api.DeleteFileContext(ctx, sum.ID), "file_deleted")
	wantCode(t, w.api.DeleteFileContext(ctx, "F404"), "file_not_found")
	um := must[slacktest.Message](t)(st.PostAsUser(slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, ThreadTS: parent,
		Text: "shot", Files: []slacktest.UserFile{{Name: "shot.png", Mimetype: "image/png", Content: []byte("PNG")}}}))
	wantCode(t, w.api.DeleteFileContext(ctx, um.Files[0]), "cant_delete_file")

	// FailDownloads: the next download of shot.png fails, then it is served;
	// both are counted.
	w.srv.FailDownloads("shot.png", 503, 1)
	shot, _ := st.File(um.Files[0])
	if err := w.api.GetFileContext(ctx, fileURL(w, shot), &bytes.Buffer{}); !errors.As(err, &sc) || sc.Code != 503 {
		t.Fatalf("first download: %v", err)
	}
	var buf bytes.Buffer
	if err := w.api.GetFileContext(ctx, fileURL(w, shot), &buf); err != nil || buf.String() != "PNG" {
		t.Fatalf("second download: %q %v", buf.String(), err)
	}
	if n := st.Downloads(shot.ID); n != 2 {
		t.Errorf("Downloads = %d, want 2", n)
	}

	// HoldNext: the call goes through, its answer is held, then lost.
	reached, release := w.srv.HoldNext("chat.postMessage")
	done := make(chan error, 1)
	go func() {
		_, _, err := w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("held", false))
		done <- err
	}()
	<-reached
	if n := len(st.FindMessages(func(m slacktest.Message) bool { return m.Text == "held" })); n != 1 {
		t.Fatalf("%d held messages posted before the answer; want 1", n)
	}
	select {
	case err := <-done:
		t.Fatalf("answered before release: %v", err)
	default:
	}
	release()
	if err := <-done; !errors.As(err, &sc) || sc.Code != 503 {
		t.Fatalf("held answer: %v", err)
	}
	if _, _, err := w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("next", false)); err != nil {
		t.Fatalf("the call after the held one: %v", err)
	}
}

// fileURL is a file's url_private_download, as conversations.replies
// shows it.
func fileURL(w *workspace, f slacktest.File) string {
	return w.srv.URL() + "/files-pri/" + w.srv.Config().TeamID + "-" + f.ID + "/download/" + f.Name
}
