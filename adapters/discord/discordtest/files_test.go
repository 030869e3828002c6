package discordtest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// get downloads url, returning the status and the body.
func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), resp.Header.Get("Content-Type")
}

// TestWebhookExecuteWithFiles: a multipart webhook execute (payload_json
// and files[n]) into a thread with wait=true stores the files as the
// message's attachments, served by the fake's CDN, which faults can
// disturb; more than 10 MiB is refused.
func TestWebhookExecuteWithFiles(t *testing.T) {
	t.Parallel()
	srv := Start(t, Config{})
	dg := restSession(t, srv)
	ch := srv.Seed().ChannelID
	th, err := dg.ThreadStartComplex(ch, &discordgo.ThreadStart{Name: "Ticket", Type: discordgo.ChannelTypeGuildPrivateThread})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := dg.WebhookCreate(ch, "relay", "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := dg.WebhookThreadExecute(wh.ID, wh.Token, true, th.ID, &discordgo.WebhookParams{
		Username: "Sam", Files: []*discordgo.File{
			{Name: "a.txt", ContentType: "text/plain", Reader: strings.NewReader("alpha")},
			{Name: "b.png", ContentType: "image/png", Reader: strings.NewReader("beta!")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if m.ChannelID != th.ID || m.WebhookID != wh.ID || m.Content != "" || len(m.Attachments) != 2 {
		t.Fatalf("webhook message = %+v", m)
	}
	stored, _ := srv.Message(th.ID, m.ID)
	info, _ := srv.MessageInfo(th.ID, m.ID)
	for i, want := range []struct{ name, ctype, data string }{{"a.txt", "text/plain", "alpha"}, {"b.png", "image/png", "beta!"}} {
		a := stored.Attachments[i]
		if a.Filename != want.name || a.ContentType != want.ctype || a.Size != len(want.data) || string(info.Files[want.name]) != want.data {
			t.Errorf("attachment %d = %+v", i, a)
		}
		if status, body, ctype := get(t, a.URL); status != 200 || body != want.data || ctype != want.ctype {
			t.Errorf("GET %s: %d %q %s", a.URL, status, body, ctype)
		}
	}
	if recs := srv.Requests(); !strings.Contains(recs[len(recs)-1].Query.Get("thread_id"), th.ID) || recs[len(recs)-1].Query.Get("wait") != "true" {
		t.Errorf("request = %+v", recs[len(recs)-1])
	}

	// CDN faults match attachment downloads only; every GET is counted.
	a := stored.Attachments[0]
	srv.InjectFault(Fault{CDN: true, Path: "/attachments/*/*/a.txt", Status: 503, Times: 1})
	srv.InjectFault(Fault{Path: "/attachments/*/*/a.txt", Status: 404})
	if status, _, _ := get(t, a.URL); status != 503 {
		t.Errorf("faulted GET: %d", status)
	}
	if status, body, _ := get(t, a.URL); status != 200 || body != "alpha" {
		t.Errorf("GET after the fault: %d %q", status, body)
	}
	if n := srv.AttachmentDownloads(a.ID); n != 3 {
		t.Errorf("AttachmentDownloads = %d, want 3", n)
	}

	// More than 10 MiB per message is refused; a user with Nitro may.
	big := bytes.Repeat([]byte("x"), 10<<20+1)
	_, err = dg.WebhookThreadExecute(wh.ID, wh.Token, true, th.ID, &discordgo.WebhookParams{
		Files: []*discordgo.File{{Name: "big.bin", Reader: bytes.NewReader(big)}}})
	wantCode(t, err, 413, 40005)
	u := addClient(t, srv, "nina")
	if _, err := srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: u.ID, Attachments: []Attachment{{Name: "big.bin", Data: big}}}); err == nil {
		t.Error("a user without Nitro uploaded 10 MiB + 1")
	}
	um, err := srv.SendUserMessage(UserMessage{ChannelID: ch, AuthorID: u.ID, Nitro: true, Attachments: []Attachment{{Name: "big.bin", Data: big}}})
	if err != nil || len(um.Attachments) != 1 || um.Attachments[0].Size != len(big) {
		t.Fatalf("Nitro upload: %+v %v", um, err)
	}
}
