package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// hostile is text a client controls (a subject, a name) written to make
// Slack ping everyone and show a link.
const hostile = "<!channel> <https://evil.example|click>"

// TestCardTextIsEscaped: a ticket whose subject and client name are
// hostile posts a card whose notification text (the message's text, which
// Slack parses like any message) shows them as typed, both when the
// thread opens and when the card is updated.
func TestCardTextIsEscaped(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		client, err := st.CreateUser(ctx, core.NewUser{Login: "eve", Name: "Eve " + hostile, Role: core.RoleClient, DiscordID: "333333333333333333"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := st.OpenTicket(ctx, client, hostile, "")
		if err != nil {
			t.Fatal(err)
		}
		ts, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackOpenThread, bot.SlackOpenThreadPayload{TicketID: tk.ID, Channel: e.staffCh}))
		if err != nil {
			t.Fatal(err)
		}
		wantText := func(when string) {
			t.Helper()
			m, ok := e.fake.State().Message(e.staffCh, ts)
			if !ok {
				t.Fatalf("%s: no card", when)
			}
			for _, raw := range []string{"<!channel>", "<https://evil.example|click>"} {
				if strings.Contains(m.Text, raw) {
					t.Errorf("%s: card text %q holds %s unescaped", when, m.Text, raw)
				}
			}
			if !strings.Contains(m.Text, "&lt;!channel&gt; &lt;https://evil.example|click&gt;") ||
				!strings.Contains(m.Text, "from Eve &lt;!channel&gt;") {
				t.Errorf("%s: card text %q does not show the subject and client as typed", when, m.Text)
			}
		}
		wantText("opened")

		if err := st.SetTicketThreads(ctx, nil, tk.ID, "444444444444444444", e.staffCh, ts); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetTicketStatus(ctx, nil, tk.ID, core.TicketClosed); err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Deliver(ctx, e.delivery(bot.KindSlackCard, bot.SlackCardPayload{TicketID: tk.ID})); err != nil {
			t.Fatal(err)
		}
		wantText("updated")
	})
}

// TestFallbackTextIsEscaped: the notification text of a reply is escaped
// as its blocks are, whichever part of the reply it comes from, and the
// bot's Markdown links still become Slack links.
func TestFallbackTextIsEscaped(t *testing.T) {
	cases := []struct {
		name string
		r    bot.Reply
		want string
	}{
		{"text", bot.Reply{Text: "Comment added to *" + hostile + "*"}, "Comment added to *&lt;!channel&gt; &lt;https://evil.example|click&gt;*"},
		{"text with a link", bot.Reply{Text: "[#4 " + hostile + "](https://slack.com/archives/C1/p1)"}, "<https://slack.com/archives/C1/p1|#4 &lt;!channel&gt; &lt;https://evil.example|click&gt;>"},
		{"section title", bot.Reply{Sections: []bot.Section{{Title: hostile, Text: "x"}}}, "&lt;!channel&gt; &lt;https://evil.example|click&gt;"},
		{"section text", bot.Reply{Sections: []bot.Section{{Text: "<@U0ADMIN> & co"}}}, "&lt;@U0ADMIN&gt; &amp; co"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := fallbackText(c.r); got != c.want {
				t.Errorf("fallbackText = %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestSectionLinkIsEscaped: a section's link (a company's web address,
// which staff type) cannot end the Slack link early and add a mention.
func TestSectionLinkIsEscaped(t *testing.T) {
	blocks := renderSection(0, bot.Section{Title: "Acme", Link: "https://acme.example/a>|<!channel>"})
	sec, ok := blocks[0].(*slack.SectionBlock)
	if !ok || sec.Text == nil {
		t.Fatalf("blocks: %#v", blocks)
	}
	want := "*<https://acme.example/a&gt;%7C&lt;!channel&gt;|Acme>*"
	if sec.Text.Text != want {
		t.Errorf("title %q\nwant %q", sec.Text.Text, want)
	}
	if got := mrkdwn("[Acme](https://acme.example/a|b)"); got != "<https://acme.example/a%7Cb|Acme>" {
		t.Errorf("mrkdwn link %q", got)
	}
}

// TestAttachmentLinkIsEscaped: an attachment's URL cannot end its Slack
// link early either; & is written as Slack writes it in links (&amp;).
func TestAttachmentLinkIsEscaped(t *testing.T) {
	got := attachmentText(i18n.EN, "", []core.Attachment{{Name: "a.png", URL: "https://cdn.example/a.png?x=1&y=>|<!here>"}}, func(int) bool { return true })
	want := "📎 <https://cdn.example/a.png?x=1&amp;y=&gt;%7C&lt;!here&gt;|a.png>"
	if got != want {
		t.Errorf("attachment line %q\nwant %q", got, want)
	}
}
