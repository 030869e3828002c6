package bot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/bot"
)

const zw = "\u200b"

func TestSlackToDiscordNeutralisesMentions(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"channel", "<!channel> fire!", "@" + zw + "channel fire!"},
		{"here with label", "<!here|here> now", "@" + zw + "here now"},
		{"everyone", "<!everyone>", "@" + zw + "everyone"},
		{"user group", "<!subteam^S123|@support> see", "@" + zw + "support see"},
		{"typed discord everyone", "hi @everyone and @here", "hi @" + zw + "everyone and @" + zw + "here"},
		{"discord role mention", "ping <@&123456>", "ping @" + zw + "role"},
		{"user mention", "thanks <@U123|sam>", "thanks @sam"},
		{"link with label", "see <https://x.test/a|the doc>", "see the doc (https://x.test/a)"},
		{"bare link", "<https://x.test/a>", "https://x.test/a"},
		{"escapes", "a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"},
		{"channel ref", "in <#C1|general>", "in #general"},
		{"typed discord user mention", "ask &lt;@123456789012345678&gt;", "ask <" + zw + "@123456789012345678>"},
		{"typed discord channel and command", "&lt;#987&gt; or &lt;/close:1&gt;", "<" + zw + "#987> or <" + zw + "/close:1>"},
		{"typed masked link", "[click](<https://evil.example>)", "[click]" + zw + "(https://evil.example)"},
		{"link against the next word", "<https://a.example>b.example and <https://a.example|here>x", "https://a.example b.example and here (https://a.example) x"},
		{"link against a word, in parentheses", "(see <https://a.example>)", "(see https://a.example)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bot.SlackToDiscord(tt.in); got != tt.want {
				t.Fatalf("SlackToDiscord(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDiscordToSlackNeutralisesMentions(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"everyone", "@everyone look", "@" + zw + "everyone look"},
		{"here", "@HERE", "@" + zw + "HERE"},
		{"slack special typed", "<!channel> hi", "&lt;!channel&gt; hi"},
		{"role", "<@&42> help", "@" + zw + "role help"},
		{"ampersand", "R&D", "R&amp;D"},
		{"email is no mention", "me@everyone.test", "me@everyone.test"},
		{"twice in a row", "@here @here", "@" + zw + "here @" + zw + "here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bot.DiscordToSlack(tt.in); got != tt.want {
				t.Fatalf("DiscordToSlack(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		parts int
	}{
		{"short", "hello", 10, 1},
		{"empty", "", 10, 1},
		{"exact", strings.Repeat("a", 10), 10, 1},
		{"no spaces", strings.Repeat("a", 25), 10, 3},
		{"words", strings.Repeat("word ", 9), 10, 5},
		{"newlines preferred", "line one\nline two\nline three", 12, 3},
		{"multibyte", strings.Repeat("é🔥", 15), 7, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bot.SplitText(tt.in, tt.limit)
			if len(got) != tt.parts {
				t.Fatalf("%d parts %q, want %d", len(got), got, tt.parts)
			}
			if strings.Join(got, "") != tt.in {
				t.Fatalf("parts %q do not add up to %q", got, tt.in)
			}
			for _, p := range got {
				if utf8.RuneCountInString(p) > tt.limit || !utf8.ValidString(p) {
					t.Fatalf("bad part %q", p)
				}
			}
		})
	}
	if got := bot.SplitText("line one\nline two\nline three", 12); got[0] != "line one\n" {
		t.Fatalf("did not cut after the newline: %q", got)
	}
}
