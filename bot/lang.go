package bot

import (
	"context"
	"strings"

	"github.com/jayaya/jayayacrm/core"
)

// Languages tells the language a user's chat platform gives them, for
// users with no setting of their own. The Slack adapter reads it from
// users.info with the time zone, on the same 12-hour cache.
type Languages interface {
	// PlatformLocale returns the user's language as their platform says
	// it ("fr-FR"), "" when it says nothing.
	PlatformLocale(ctx context.Context, u *core.User) string
}

// Keyword is how a command word is compared: accents and case dropped,
// apostrophes and spaces too, so that "Tâche", "tache" and "TACHE" are one
// word, and "aujourd’hui" is "aujourdhui".
func Keyword(w string) string {
	return strings.ReplaceAll(core.Fold(w), " ", "")
}

// vocabulary maps the words of one place in a command (its subcommands,
// its options) to the English word the code checks: each English word
// maps to itself, and its French words to it.
type vocabulary map[string]string

// newVocabulary builds a vocabulary from English words and their other
// words: vocab("add", "ajouter", "nouveau") …
func newVocabulary(groups ...[]string) vocabulary {
	v := vocabulary{}
	for _, g := range groups {
		for _, w := range g {
			v[Keyword(w)] = g[0]
		}
	}
	return v
}

// of returns the English word w stands for, "" when it is none of them.
func (v vocabulary) of(w string) string { return v[Keyword(w)] }
