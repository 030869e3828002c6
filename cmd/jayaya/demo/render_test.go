package demo

import (
	"encoding/json"
	"strings"
	"testing"
)

// fixedNames resolves the IDs the cases use.
type fixedNames struct{}

func (fixedNames) userName(id string) string {
	if id == "U1" {
		return "Sam Okafor"
	}
	return id
}

func (fixedNames) channelName(id string) string { return "support-staff" }

// TestMrkdwn: Slack text is shown as Slack shows it, and nothing a client
// or staff member types becomes markup on the page.
func TestMrkdwn(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain", "hello", "hello"},
		{"escaped by Slack", "Fish &amp; chips &lt;b&gt;", "Fish &amp; chips &lt;b&gt;"},
		{"script typed by a client", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"raw angle brackets are not entities of ours", "<script>alert(1)</script>", "script"},
		{"bold around a link", "*<https://dupont.example|Dupont & Fils>*", `<strong><a href="https://dupont.example">Dupont &amp; Fils</a></strong>`},
		{"italic, strike, code", "_soon_ ~never~ `x < y`", "<em>soon</em> <del>never</del> <code>x &lt; y</code>"},
		{"user mention", "ping <@U1>", `ping <span class="mention">@Sam Okafor</span>`},
		{"channel mention", "see <#C1>", `see <span class="mention">#support-staff</span>`},
		{"special mention", "<!here> now", `<span class="mention">@here</span> now`},
		{"javascript link dropped", "<javascript:alert(1)|click>", "click"},
		{"slack thread link stays on the page", "<https://slack.com/archives/C0DEMOSTAFF/p1796456725267534|#1>", `<a href="#msg-1796456725-267534">#1</a>`},
		{"link label with quotes", `<https://a.example/?q="x"|say "hi">`, `<a href="https://a.example/?q=&#34;x&#34;">say &#34;hi&#34;</a>`},
		{"underscores inside a link stay", "<https://a.example/a_b_c|file>", `<a href="https://a.example/a_b_c">file</a>`},
		{"new lines", "a\nb", "a<br>b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(mrkdwn(c.in, fixedNames{}))
			if c.name == "raw angle brackets are not entities of ours" {
				// Slack always escapes < in text; should one come raw, it
				// must still not reach the page as a tag.
				if strings.Contains(got, "<script") {
					t.Fatalf("mrkdwn(%q) = %q", c.in, got)
				}
				return
			}
			if got != c.want {
				t.Fatalf("mrkdwn(%q)\n got %s\nwant %s", c.in, got, c.want)
			}
		})
	}
}

// TestDiscordMarkdown: a client's text is escaped, with bold and code.
func TestDiscordMarkdown(t *testing.T) {
	got := string(discordMarkdown("**Hi** <b>there</b> `code`\nbye"))
	want := "<strong>Hi</strong> &lt;b&gt;there&lt;/b&gt; <code>code</code><br>bye"
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// TestBlocksHTML: a card's blocks become sections, fields, context and
// buttons; a button posts what Slack would send for it; a link button is
// a link; blocks the page cannot show fall back to the text.
func TestBlocksHTML(t *testing.T) {
	blocks := `[
	 {"type":"header","text":{"type":"plain_text","text":"🎫 #1 Warm crates"}},
	 {"type":"section","fields":[{"type":"mrkdwn","text":"*Client*\nEmma Hughes"},{"type":"mrkdwn","text":"*Status*\nOpen"}]},
	 {"type":"context","elements":[{"type":"mrkdwn","text":"opened by <@U1>"},{"type":"image","image_url":"https://x.example/a.png","alt_text":"a"}]},
	 {"type":"divider"},
	 {"type":"actions","block_id":"ticket_actions","elements":[
	   {"type":"button","action_id":"ticket.close","value":"1","style":"danger","text":{"type":"plain_text","text":"Close"}},
	   {"type":"button","action_id":"url.thread","url":"https://slack.com/archives/C1/p1796456725267534","text":{"type":"plain_text","text":"Open thread"}}]}
	]`
	got, ok := blocksHTML(json.RawMessage(blocks), fixedNames{}, clickTarget{Channel: "C1", TS: "1.000002"})
	if !ok {
		t.Fatal("nothing shown")
	}
	for _, want := range []string{
		`<div class="bk-header">🎫 #1 Warm crates</div>`,
		`<div><strong>Client</strong><br>Emma Hughes</div>`,
		`<span>opened by <span class="mention">@Sam Okafor</span></span>`,
		`<hr class="bk-divider">`,
		`<input type="hidden" name="channel" value="C1">`,
		`<input type="hidden" name="ts" value="1.000002">`,
		`<input type="hidden" name="block_id" value="ticket_actions">`,
		`<input type="hidden" name="action_id" value="ticket.close">`,
		`<input type="hidden" name="value" value="1">`,
		`<button class="bk-button danger">Close</button>`,
		`<a class="bk-button" href="#msg-1796456725-267534">Open thread</a>`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "x.example") {
		t.Errorf("a context image was shown: %s", got)
	}
	if _, ok := blocksHTML(json.RawMessage(`[{"type":"rich_text","elements":[]}]`), fixedNames{}, clickTarget{}); ok {
		t.Error("a rich_text-only message should fall back to its text")
	}
}
