package i18n

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Every message exists in every language, with the same parameters.
func TestCatalogIsComplete(t *testing.T) {
	en, fr := messages(EN), messages(FR)
	if len(en) == 0 {
		t.Fatal("the English catalog is empty")
	}
	for _, pair := range []struct {
		from, to Locale
		a, b     map[string][]string
	}{{EN, FR, en, fr}, {FR, EN, fr, en}} {
		for id := range pair.a {
			if _, ok := pair.b[id]; !ok {
				t.Errorf("%s is in %s but not in %s", id, pair.from, pair.to)
			}
		}
	}
	for id, forms := range en {
		frForms, ok := fr[id]
		if !ok {
			continue
		}
		if got, want := allPlaceholders(frForms), allPlaceholders(forms); !slices.Equal(got, want) {
			t.Errorf("%s: French placeholders %v, English %v", id, got, want)
		}
		for _, f := range append(slices.Clone(forms), frForms...) {
			if strings.TrimSpace(f) == "" {
				t.Errorf("%s: an empty text", id)
			}
		}
	}
}

func allPlaceholders(forms []string) []string {
	var out []string
	for _, f := range forms {
		for _, p := range placeholders(f) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// French texts follow French typography: a narrow no-break space before
// : ; ! ? and » and after «, guillemets rather than straight quotes, and
// the typographic apostrophe. Code (`…`), template actions ({{…}}), Slack
// link syntax (<…>), web addresses and emoji codes (:name:) are exempt.
func TestFrenchTypography(t *testing.T) {
	for id, forms := range messages(FR) {
		for _, f := range forms {
			for _, problem := range frenchTypography(f) {
				t.Errorf("%s: %s in %q", id, problem, f)
			}
		}
	}
}

func TestFrenchTypographyCheck(t *testing.T) {
	for _, tc := range []struct {
		text string
		bad  bool
	}{
		{"Entreprise\u202f: {{.Name}}", false},
		{"Entreprise : Acme", true},
		{"Entreprise: Acme", true},
		{"Vraiment\u202f?", false},
		{"Vraiment ?", true},
		{"Tapez `/crm aide: x` ou :white_check_mark:", false},
		{"Voir https://example.com/a?b=c", false},
		{"« Acme » ", true},
		{"«\u202fAcme\u202f»", false},
		{`le "billet"`, true},
		{"l'entreprise", true},
		{"l’entreprise", false},
		{"<{{.URL}}|ouvrir>", false},
		{"{{if .X}}a{{end}}\u202f!", false},
	} {
		if got := len(frenchTypography(tc.text)) > 0; got != tc.bad {
			t.Errorf("%q: problems %v, want bad=%v", tc.text, frenchTypography(tc.text), tc.bad)
		}
	}
}

// frenchTypography lists what f does against French typography.
func frenchTypography(f string) []string {
	var problems []string
	prose := proseOnly(f)
	prev := rune(0)
	for i, r := range prose {
		switch r {
		case ':', ';', '!', '?', '»':
			if i > 0 && prev != '\u202f' && prev != '\x00' {
				problems = append(problems, "no narrow no-break space before "+string(r))
			}
		case '"':
			problems = append(problems, "straight quotes (use « »)")
		case '\'':
			problems = append(problems, "straight apostrophe (use ’)")
		}
		if prev == '«' && r != '\u202f' {
			problems = append(problems, "no narrow no-break space after «")
		}
		prev = r
	}
	return problems
}

// proseOnly replaces the parts of f that typography rules do not apply
// to (code spans, template actions, <…> links, URLs, emoji codes) with
// NULs, keeping the positions of the rest.
func proseOnly(f string) []rune {
	rs := []rune(f)
	blank := func(from, to int) {
		for k := from; k < to && k < len(rs); k++ {
			rs[k] = 0
		}
	}
	closing := func(from int, open, close string) int {
		s := string(rs[from:])
		if !strings.HasPrefix(s, open) {
			return -1
		}
		j := strings.Index(s[len(open):], close)
		if j < 0 {
			return -1
		}
		return from + utf8.RuneCountInString(s[:len(open)+j+len(close)])
	}
	for i := 0; i < len(rs); i++ {
		for _, d := range [][2]string{{"{{", "}}"}, {"`", "`"}, {"<", ">"}} {
			if end := closing(i, d[0], d[1]); end > 0 {
				blank(i, end)
				i = end - 1
				break
			}
		}
		if rs[i] == 'h' && (strings.HasPrefix(string(rs[i:]), "http://") || strings.HasPrefix(string(rs[i:]), "https://")) {
			end := i
			for end < len(rs) && rs[end] != ' ' && rs[end] != '\n' && rs[end] != 0 {
				end++
			}
			blank(i, end)
			i = end - 1
		}
		if rs[i] == ':' {
			j := i + 1
			for j < len(rs) && (rs[j] >= 'a' && rs[j] <= 'z' || rs[j] >= '0' && rs[j] <= '9' || rs[j] == '_' || rs[j] == '-' || rs[j] == '+') {
				j++
			}
			if j > i+1 && j < len(rs) && rs[j] == ':' {
				blank(i, j+1)
				i = j
			}
		}
	}
	return rs
}

// An unknown or empty locale speaks the default language, never nothing
// and never a key name.
func TestUnknownLocaleFallsBack(t *testing.T) {
	for _, code := range []string{"de", "xx", "", "zz-ZZ", "e"} {
		l, ok := Parse(code)
		got := For(l).T("common.internal_error")
		if want := For(EN).T("common.internal_error"); got != want {
			t.Errorf("Parse(%q) = %q, %v; text %q, want the default %q", code, l, ok, got, want)
		}
		if got == "" || strings.Contains(got, "common.") {
			t.Errorf("%q: text %q", code, got)
		}
	}
	if got := For(FR).T("no.such.message"); got != "[no.such.message]" {
		t.Errorf("a missing ID gives %q", got)
	}
}

func TestParseAndPick(t *testing.T) {
	for in, want := range map[string]Locale{"fr": FR, "fr-FR": FR, "FR_ca": FR, " en-GB ": EN, "en": EN} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got := Pick(FR, "", "de", "en-US"); got != EN {
		t.Errorf("Pick skips unsupported candidates: got %q", got)
	}
	if got := Pick(FR, "", "de"); got != FR {
		t.Errorf("Pick falls back: got %q", got)
	}
	if got := Pick("xx"); got != Default {
		t.Errorf("Pick with a bad fallback: got %q", got)
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for header, want := range map[string]Locale{
		"fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7": FR,
		"de-DE,de;q=0.9,fr;q=0.5,en;q=0.4":    FR,
		"en-GB":                               EN,
		"de, fr;q=0":                          "",
		"":                                    "",
		"!!!":                                 "",
	} {
		got, ok := FromAcceptLanguage(header)
		if got != want || ok != (want != "") {
			t.Errorf("FromAcceptLanguage(%q) = %q, %v; want %q", header, got, ok, want)
		}
	}
}

func TestPluralsFollowEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		l    Locale
		n    int
		want string
	}{
		{EN, 0, "0 items"}, {EN, 1, "1 item"}, {EN, 2, "2 items"},
		{FR, 0, "0 élément"}, {FR, 1, "1 élément"}, {FR, 2, "2 éléments"},
	} {
		if got := For(tc.l).N("common.items", tc.n); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.l, tc.n, got, tc.want)
		}
	}
}

func TestNestedMessagesAreTranslated(t *testing.T) {
	got := For(FR).T("common.items", Args{"Count": M("common.yes")})
	if !strings.Contains(got, "Oui") {
		t.Errorf("a Msg argument is translated: %q", got)
	}
}

func TestDates(t *testing.T) {
	monday := time.Date(2026, 12, 7, 14, 5, 0, 0, time.UTC)
	first := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	en, fr := For(EN), For(FR)
	for _, tc := range []struct{ got, want string }{
		{en.Clock(monday), "14:05"},
		{fr.Clock(monday), "14\u00a0h\u00a005"},
		{en.Day(monday), "Monday 7 December"},
		{fr.Day(monday), "lundi 7 décembre"},
		{fr.Day(first), "mardi 1er décembre"},
		{en.Date(monday), "7 Dec 2026"},
		{fr.Date(monday), "7\u00a0déc. 2026"},
		{en.DateTime(monday), "7 Dec 2026, 14:05"},
		{fr.DateTime(monday), "7\u00a0déc. 2026, 14\u00a0h\u00a005"},
		{en.WeekdayTime(monday), "Mon 7 Dec, 14:05"},
		{fr.WeekdayTime(monday), "lun. 7\u00a0déc., 14\u00a0h\u00a005"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
