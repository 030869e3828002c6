package bot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/jayaya/jayayacrm/bot"
)

// Fuzz targets of the /crm command line: SplitArgs, and the task syntax
// built on it. Seeds are the odd inputs of TestSplitArgs and
// TestParseTaskAdd.

var commandSeeds = []string{
	`company acme`, `company "Dupont & Fils"  share`, `company “Société Générale”`, `comment "" x`, `company "oops`, "   ",
	"Call Dupont due 2026-04-01 14:30",
	`Call "Dupont & Fils" due tomorrow 9:05 at Head office remind 2h -- bring the "quote" -- v2`,
	"Visit due 2026-04-01 10:00 remind 30m at Lyon", "Check due diligence due 2026-04-01 10:00", "Call Dupont",
	"Call due 2026-04-01", "Call due 2026-04-01 10:00 remind soon", "Call due 2026-04-01 10:00 please", "Call due 2026-04-01 10:00 at",
	"comment Acme Called\x00 them", "company add Acme\u202Eemca", "a\u00a0b\tc\nd", `“unclosed”” "mixed“ quotes"`, "x due 2026-13-45 25:61 at -- --",
}

// quoteArg writes word so that SplitArgs reads it back as one word,
// whatever it holds: runs of ordinary characters in "…", a straight
// quote as “"”, a typographic one as "“" or "”", the empty word as "".
func quoteArg(word string) string {
	if word == "" {
		return `""`
	}
	var b, run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			b.WriteString(`"` + run.String() + `"`)
			run.Reset()
		}
	}
	for _, r := range word {
		switch r {
		case '"':
			flush()
			b.WriteString(`“"”`)
		case '“', '”':
			flush()
			b.WriteString(`"` + string(r) + `"`)
		default:
			run.WriteRune(r)
		}
	}
	flush()
	return b.String()
}

// FuzzSplitArgs: the words SplitArgs reads from a line, each quoted and
// written back with single spaces, read back the same; an unquoted word
// holds no white space; no line makes it fail other than with an
// unclosed quote.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range commandSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := bot.SplitArgs(line)
		if err != nil {
			if !strings.Contains(err.Error(), "quote is not closed") {
				t.Fatalf("SplitArgs(%q): %v", line, err)
			}
			if !strings.ContainsAny(line, "\"“") {
				t.Fatalf("SplitArgs(%q) found an unclosed quote in a line without quotes", line)
			}
			return
		}
		if !strings.ContainsAny(line, "\"“") {
			if want := strings.FieldsFunc(string([]rune(line)), unicode.IsSpace); !slices.Equal(words, want) && !(len(words) == 0 && len(want) == 0) {
				t.Fatalf("SplitArgs(%q) = %q, want the fields %q", line, words, want)
			}
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = quoteArg(w)
		}
		again, err := bot.SplitArgs(strings.Join(quoted, " "))
		if err != nil || !slices.Equal(again, words) && !(len(again) == 0 && len(words) == 0) {
			t.Fatalf("SplitArgs(%q) = %q; written back as %q it reads %q, %v", line, words, strings.Join(quoted, " "), again, err)
		}
	})
}

// taskLine writes a as /crm task add text, each part quoted as one word.
func taskLine(a bot.TaskAddArgs) string {
	parts := []string{quoteArg(a.Title), "due", quoteArg(a.Date), quoteArg(a.Time)}
	if a.Place != "" {
		parts = append(parts, "at", quoteArg(a.Place))
	}
	if a.Remind != nil {
		parts = append(parts, "remind", strconv.Itoa(*a.Remind))
	}
	if a.Description != "" {
		parts = append(parts, "--", a.Description)
	}
	return strings.Join(parts, " ")
}

// FuzzParseTaskAdd: what ParseTaskAdd reads from a line, written back in
// its plainest form, reads back the same, so no part of a task depends
// on how it was spaced or quoted; a title is never empty.
func FuzzParseTaskAdd(f *testing.F) {
	for _, s := range commandSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		a, err := bot.ParseTaskAdd(line)
		if err != nil {
			return
		}
		if strings.TrimSpace(a.Title) == "" && a.Title != "" {
			t.Fatalf("ParseTaskAdd(%q): a blank title %q", line, a.Title)
		}
		if a.Remind != nil && (*a.Remind < 0 || *a.Remind > 14*24*60) {
			t.Fatalf("ParseTaskAdd(%q): lead time %d", line, *a.Remind)
		}
		again, err := bot.ParseTaskAdd(taskLine(a))
		if err != nil {
			t.Fatalf("ParseTaskAdd(%q) = %+v; written back as %q: %v", line, a, taskLine(a), err)
		}
		same := again.Title == a.Title && again.Date == a.Date && again.Time == a.Time && again.Place == a.Place &&
			again.Description == a.Description && (again.Remind == nil) == (a.Remind == nil) && (a.Remind == nil || *again.Remind == *a.Remind)
		if !same {
			t.Fatalf("ParseTaskAdd(%q) = %+v; written back as %q it reads %+v", line, a, taskLine(a), again)
		}
	})
}
