package discord

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Discord's rule for the names of chat input commands and options, in
// every locale: 1 to 32 letters, digits, - or _, lower case.
var discordName = regexp.MustCompile(`^[-_\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

func validName(s string) bool { return discordName.MatchString(s) && strings.ToLower(s) == s }

func validDescription(s string) bool { n := utf8.RuneCountInString(s); return n >= 1 && n <= 100 }

// The slash commands carry French names and descriptions next to the
// English ones, each valid for Discord; the catalog's English names are
// the names the code dispatches on.
func TestCommandLocalizations(t *testing.T) {
	cmds := commands()
	if len(cmds) != len(CommandNames()) {
		t.Fatalf("%d commands, %d names", len(cmds), len(CommandNames()))
	}
	for i, c := range cmds {
		if c.Name != CommandNames()[i] || !validName(c.Name) || !validDescription(c.Description) {
			t.Errorf("command %q: description %q", c.Name, c.Description)
		}
		if en := i18n.T(i18n.EN, "tickets.command."+c.Name+".name"); en != c.Name {
			t.Errorf("the catalog's English name of /%s is %q", c.Name, en)
		}
		fr, frDesc := (*c.NameLocalizations)[discordgo.French], (*c.DescriptionLocalizations)[discordgo.French]
		if !validName(fr) || !validDescription(frDesc) || fr == c.Name {
			t.Errorf("/%s in French: %q, %q", c.Name, fr, frDesc)
		}
		for _, o := range c.Options {
			fr := o.NameLocalizations[discordgo.French]
			if !validName(o.Name) || !validName(fr) || !validDescription(o.Description) || !validDescription(o.DescriptionLocalizations[discordgo.French]) {
				t.Errorf("/%s option %q: French %q, %q", c.Name, o.Name, fr, o.DescriptionLocalizations[discordgo.French])
			}
			for _, ch := range o.Choices {
				if n := ch.NameLocalizations[discordgo.French]; !validDescription(ch.Name) || !validDescription(n) {
					t.Errorf("/%s choice %q: French %q", c.Name, ch.Name, n)
				}
			}
		}
	}
	if got := (*cmds[0].NameLocalizations)[discordgo.French]; got != "billet" {
		t.Errorf("/ticket is /%s in French", got)
	}
}
