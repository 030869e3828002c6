package core

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold turns s into its search key: accents removed, lower case, runs of
// white space and punctuation collapsed to one space. "Société  Générale"
// folds to "societe generale". Both databases search folded keys, so search
// ignores case and accents the same way on PostgreSQL and SQLite.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(out) {
		switch {
		case r == 'ß':
			b.WriteString("ss")
			space = false
		case r == 'æ':
			b.WriteString("ae")
			space = false
		case r == 'œ':
			b.WriteString("oe")
			space = false
		case r == 'ø':
			b.WriteRune('o')
			space = false
		case r == 'ł':
			b.WriteRune('l')
			space = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '&' || r == '@':
			b.WriteRune(r)
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// searchWhere adds one "col LIKE %token%" condition per folded token of
// query, so "gen societe" and "societe gen" both find "Société Générale".
// It returns false when the query has no token.
func searchTokens(query string) []string {
	f := Fold(query)
	if f == "" {
		return nil
	}
	toks := strings.Fields(f)
	if len(toks) > 8 {
		toks = toks[:8]
	}
	return toks
}
