package slack_test

import (
	"strings"
	"testing"
)

// TestCRMReplyTextIsEscaped: a /crm answer about a company with a hostile
// name carries it escaped in the answer's text (Slack's notification
// text, parsed like any message) as well as in its blocks.
func TestCRMReplyTextIsEscaped(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	w.mustCompany("Evil <!channel> <https://evil.example|click>")
	for _, cmd := range []string{"company evil", `comment evil Called <!here>`} {
		a := w.cmd(w.sam, cmd)
		if a.msg.Text == "" {
			t.Fatalf("/crm %s: no text in %s", cmd, a.d.Body)
		}
		for _, raw := range []string{"<!channel>", "<https://evil.example|click>", "<!here>"} {
			if strings.Contains(a.msg.Text, raw) {
				t.Errorf("/crm %s: text %q holds %s unescaped", cmd, a.msg.Text, raw)
			}
		}
		wantContains(t, "/crm "+cmd, a.msg.Text, "&lt;!channel&gt;")
	}
}
