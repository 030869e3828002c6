package bot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// inbound relays a message with attachments written in the ticket's
// thread on platform, and returns it.
func (r *relayRig) inbound(t *testing.T, tk *core.Ticket, platform, sourceID, text string, atts ...core.Attachment) *core.Message {
	t.Helper()
	cur, err := r.st.Ticket(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := bot.InboundMessage{Platform: platform, SourceID: sourceID, Text: text, Attachments: atts}
	if platform == core.PlatformSlack {
		in.ChannelID, in.ThreadID, in.AuthorPlatformID, in.AuthorName = "CSTAFF", *cur.SlackThreadTS, "U0STAFF1", "Sam Staff"
	} else {
		in.ChannelID, in.ThreadID, in.AuthorPlatformID, in.AuthorName = *cur.DiscordThreadID, *cur.DiscordThreadID, "100000000000000001", "Client C"
	}
	res, err := r.relay.Inbound(context.Background(), in)
	if err != nil || res.Outcome != bot.Stored {
		t.Fatalf("inbound: %v %v", res.Outcome, err)
	}
	return res.Message
}

// sentFor returns what a sender delivered for a message, in order.
func sentFor(t *testing.T, s *recSender, st *core.Store, messageID int64) []sent {
	t.Helper()
	var out []sent
	for _, x := range s.Sent() {
		d, err := st.Delivery(context.Background(), x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.MessageID != nil && *d.MessageID == messageID {
			out = append(out, x)
		}
	}
	return out
}

// TestRelayStaffFilesGoWithTheLastDiscordPart: a staff reply's files
// travel on the last discord.post, its text free of their links and with
// room left for them (an empty last part when the text fills its own);
// links too many to fit in one part stay in the text, as before uploads.
func TestRelayStaffFilesGoWithTheLastDiscordPart(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		pdf := core.Attachment{Name: "manual.pdf", URL: "https://crm.test/slack/files/F1/manual.pdf?sig=x", ContentType: "application/pdf", Size: 11}
		long := make([]core.Attachment, 30)
		for i := range long {
			long[i] = core.Attachment{Name: fmt.Sprintf("f%d.txt", i), URL: "https://crm.test/slack/files/F" + strings.Repeat("9", 60)}
		}
		cases := []struct {
			name      string
			text      string
			atts      []core.Attachment
			wantParts []string // texts of the parts
			wantFiles []core.Attachment
		}{
			{"short text", "the manual", []core.Attachment{pdf}, []string{"the manual"}, []core.Attachment{pdf}},
			{"files only", "", []core.Attachment{pdf}, []string{""}, []core.Attachment{pdf}},
			{"full last part", strings.Repeat("x", 1990), []core.Attachment{pdf}, []string{strings.Repeat("x", 1990), ""}, []core.Attachment{pdf}},
			{"links too long", "many", long, bot.SplitText("many"+bot.AttachmentLinks(long), bot.DiscordTextLimit), nil},
		}
		for i, c := range cases {
			m := r.inbound(t, open.Ticket, core.PlatformSlack, fmt.Sprintf("3000.%04d", i), c.text, c.atts...)
			waitIdle(t, st)
			var texts []string
			var files []core.Attachment
			for _, s := range sentFor(t, r.discord, st, m.ID) {
				if s.Kind != bot.KindDiscordPost {
					continue
				}
				p := payload[bot.DiscordPostPayload](t, s)
				texts = append(texts, p.Text)
				if p.Part != p.Parts-1 && len(p.Files) > 0 {
					t.Errorf("%s: files on part %d of %d", c.name, p.Part, p.Parts)
				}
				files = append(files, p.Files...)
			}
			if !slices.Equal(texts, c.wantParts) || !slices.Equal(files, c.wantFiles) {
				t.Errorf("%s: parts %q with files %+v; want %q with %+v", c.name, texts, files, c.wantParts, c.wantFiles)
			}
		}
	})
}

// TestRelayClientFilesFollowTheSlackPost: a client's files are listed on
// the last slack.post and uploaded by a slack.files delivery after it in
// the same stream; the ✅ follows the files, not the text, and a parked
// upload gets ⚠️. An edit carries the files without links for Discord.
func TestRelayClientFilesFollowTheSlackPost(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		r := newRelayRig(t, st)
		open := r.open(t, "D-1", "hello")
		r.start(t)
		waitIdle(t, st)
		png := core.Attachment{Name: "fire.png", URL: "https://cdn.test/a/1/fire.png", ContentType: "image/png", Size: 7}
		m := r.inbound(t, open.Ticket, core.PlatformDiscord, "D-2", "photo", png)
		waitIdle(t, st)
		got := sentFor(t, r.slack, st, m.ID)
		var kinds []string
		for _, s := range got {
			kinds = append(kinds, s.Kind)
		}
		if want := []string{bot.KindSlackPost, bot.KindSlackFiles}; !slices.Equal(kinds, want) {
			t.Fatalf("slack sends %q, want %q", kinds, want)
		}
		post, files := payload[bot.SlackPostPayload](t, got[0]), payload[bot.SlackFilesPayload](t, got[1])
		if !post.FilesFollow || post.Source != nil || !slices.Equal(post.Attachments, []core.Attachment{png}) || post.Text != "photo" {
			t.Errorf("last post %+v", post)
		}
		if files.Parts != 1 || files.LastText != "photo" || !slices.Equal(files.Files, []core.Attachment{png}) ||
			files.Source == nil || files.Source.ID != "D-2" || files.Source.Platform != core.PlatformDiscord {
			t.Errorf("files %+v", files)
		}
		// The ✅ is queued by the files' completion: one, after them.
		var reacts []sent
		for _, s := range sentFor(t, r.discord, st, m.ID) {
			if s.Kind == bot.KindDiscordReact {
				reacts = append(reacts, s)
			}
		}
		if len(reacts) != 1 || reacts[0].ID < got[1].ID || payload[bot.DiscordReactPayload](t, reacts[0]).Reaction != bot.ReactDelivered {
			t.Fatalf("reactions %+v after files %d", reacts, got[1].ID)
		}
		if tm, _ := st.MessageByID(ctx, m.ID); !slices.Equal(bot.TargetIDs(tm), []string{got[0].RemoteID}) {
			t.Errorf("targets %q: the files are no text part", bot.TargetIDs(tm))
		}

		// An upload that can never succeed: ⚠️ on the source.
		r.slack.Mu.Lock()
		r.slack.Fail = func(d *core.Delivery, _ int) error {
			if d.Kind == bot.KindSlackFiles {
				return outbox.Permanent(errors.New("thread gone"))
			}
			return nil
		}
		r.slack.Mu.Unlock()
		m2 := r.inbound(t, open.Ticket, core.PlatformDiscord, "D-3", "again", png)
		waitIdle(t, st)
		var warned []string
		for _, s := range sentFor(t, r.discord, st, m2.ID) {
			if s.Kind == bot.KindDiscordReact {
				warned = append(warned, payload[bot.DiscordReactPayload](t, s).Reaction)
			}
		}
		if !slices.Equal(warned, []string{bot.ReactParked}) {
			t.Errorf("reactions on a parked upload: %q", warned)
		}

		// A staff edit: text without links, files beside it.
		pdf := core.Attachment{Name: "manual.pdf", URL: "https://crm.test/slack/files/F1/manual.pdf?sig=x"}
		sm := r.inbound(t, open.Ticket, core.PlatformSlack, "3000.0001", "the manual", pdf)
		waitIdle(t, st)
		if _, err := r.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: "CSTAFF", SourceID: "3000.0001", Text: "the new manual"}); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, st)
		var edit *bot.DiscordEditPayload
		for _, s := range sentFor(t, r.discord, st, sm.ID) {
			if s.Kind == bot.KindDiscordEdit {
				p := payload[bot.DiscordEditPayload](t, s)
				edit = &p
			}
		}
		if edit == nil || edit.Text != "the new manual" || !slices.Equal(edit.Files, []core.Attachment{pdf}) {
			t.Errorf("edit %+v", edit)
		}
	})
}
