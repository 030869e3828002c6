package demo

import (
	"html/template"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// testCommands are the commands the product registers, as the fake
// Discord keeps them.
var testCommands = []*discordgo.ApplicationCommand{
	{Name: "ticket", Type: discordgo.ChatApplicationCommand, Options: []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionString, Name: "subject", Description: "What is it about?", Required: true, MaxLength: 20},
		{Type: discordgo.ApplicationCommandOptionString, Name: "visibility", Description: "Who may read it",
			Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "private", Value: "private"}, {Name: "public", Value: "public"}}},
	}},
	{Name: "tickets", Type: discordgo.ChatApplicationCommand},
	{Name: "close", Type: discordgo.ChatApplicationCommand},
}

// TestParseSlash: text naming a registered command becomes that command
// with its options, as Discord's client sends it; anything else stays a
// message; what Discord's client would not send is a problem.
func TestParseSlash(t *testing.T) {
	cases := []struct {
		name, text string
		ok         bool
		want       map[string]string // options sent
		problem    string
	}{
		{"plain message", "Hello, any news?", false, nil, ""},
		{"unknown command is a message", "/shrug hello", false, nil, ""},
		{"a name that only starts like one", "/closed it", false, nil, ""},
		{"no options", "/tickets", true, map[string]string{}, ""},
		{"close", "  /close ", true, map[string]string{}, ""},
		{"text after a command without options", "/close now please", true, nil, "/close takes no options."},
		{"named options", "/ticket subject: Late pallets visibility: public", true, map[string]string{"subject": "Late pallets", "visibility": "public"}, ""},
		{"options in another order", "/ticket visibility:private subject:Late pallets", true, map[string]string{"subject": "Late pallets", "visibility": "private"}, ""},
		{"bare text fills the first option", "/ticket Late pallets", true, map[string]string{"subject": "Late pallets"}, ""},
		{"a colon inside a value", "/ticket subject: Re: invoice 12", true, map[string]string{"subject": "Re: invoice 12"}, ""},
		{"choice by name, any case", "/ticket subject: x visibility: Public", true, map[string]string{"subject": "x", "visibility": "public"}, ""},
		{"required option missing", "/ticket", true, nil, "/ticket needs its subject option."},
		{"required option empty", "/ticket subject:   visibility: public", true, nil, "/ticket needs its subject option."},
		{"too long", "/ticket subject: ééééééééééééééééééééé", true, nil, "subject: at most 20 characters."},
		{"not a choice", "/ticket subject: x visibility: secret", true, nil, "visibility: one of private, public."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			call, msg, ok := parseSlash(c.text, testCommands)
			problem := ""
			if msg.ID != "" {
				problem = i18n.For(i18n.EN).Msg(msg)
			}
			if ok != c.ok || problem != c.problem {
				t.Fatalf("parseSlash(%q) = ok %v, problem %q; want %v, %q", c.text, ok, problem, c.ok, c.problem)
			}
			if !ok || problem != "" {
				return
			}
			got := map[string]string{}
			for _, o := range call.Options {
				if o.Type != discordgo.ApplicationCommandOptionString {
					t.Errorf("option %s has type %v", o.Name, o.Type)
				}
				got[o.Name] = o.Value.(string)
			}
			if len(got) != len(c.want) {
				t.Fatalf("options %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("option %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// TestDiscordMentions: a channel mention shows the channel's name, itself
// escaped; other text is left as it is.
func TestDiscordMentions(t *testing.T) {
	names := map[string]string{"111": "support", "222": "#2 <b>Late</b>"}
	got := string(discordMentions(discordMarkdown("see <#111> and <#222>, not <#abc>"), func(id string) string { return names[id] }))
	want := `see <span class="mention">#support</span> and <span class="mention">##2 &lt;b&gt;Late&lt;/b&gt;</span>, not &lt;#abc&gt;`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := discordMentions(template.HTML("plain"), func(string) string { return "x" }); got != "plain" {
		t.Fatalf("plain text changed: %s", got)
	}
}
