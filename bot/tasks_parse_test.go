package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

func TestParseTaskAdd(t *testing.T) {
	i := func(n int) *int { return &n }
	checkTaskAdd(t, []taskAddCase{
		{"minimal", "Call Dupont due 2026-04-01 14:30", bot.TaskAddArgs{Title: "Call Dupont", Date: "2026-04-01", Time: "14:30"}, ""},
		{"everything", `Call "Dupont & Fils" due tomorrow 9:05 at Head office remind 2h -- bring the "quote" -- v2`,
			bot.TaskAddArgs{Title: "Call Dupont & Fils", Date: "tomorrow", Time: "9:05", Place: "Head office", Remind: i(120), Description: `bring the "quote" -- v2`}, ""},
		{"remind before place", "Visit due 2026-04-01 10:00 remind 30m at Lyon", bot.TaskAddArgs{Title: "Visit", Date: "2026-04-01", Time: "10:00", Place: "Lyon", Remind: i(30)}, ""},
		{"title containing due", "Check due diligence due 2026-04-01 10:00", bot.TaskAddArgs{Title: "Check due diligence", Date: "2026-04-01", Time: "10:00"}, ""},
		{"no deadline", "Call Dupont", bot.TaskAddArgs{}, "due"},
		{"no time", "Call due 2026-04-01", bot.TaskAddArgs{}, "time"},
		{"bad lead", "Call due 2026-04-01 10:00 remind soon", bot.TaskAddArgs{}, "remind"},
		{"stray words", "Call due 2026-04-01 10:00 please", bot.TaskAddArgs{}, "title"},
		{"empty place", "Call due 2026-04-01 10:00 at", bot.TaskAddArgs{}, "place"},
	})
}

// taskAddCase is what ParseTaskAdd should make of in: want, or an error
// on field (with a message in both languages).
type taskAddCase struct {
	name  string
	in    string
	want  bot.TaskAddArgs
	field string // expected error field, "" for success
}

func checkTaskAdd(t *testing.T, cases []taskAddCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := bot.ParseTaskAdd(c.in)
			if c.field != "" {
				if core.ErrorField(err) != c.field {
					t.Fatalf("error %v, want one on %q", err, c.field)
				}
				for _, l := range i18n.Locales() {
					if m := core.ErrorMessageIn(err, l); m == "" || strings.Contains(m, "[tasks.") {
						t.Fatalf("%s message %q", l, m)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != c.want.Title || got.Date != c.want.Date || got.Time != c.want.Time || got.Place != c.want.Place ||
				got.Description != c.want.Description || (got.Remind == nil) != (c.want.Remind == nil) ||
				(got.Remind != nil && *got.Remind != *c.want.Remind) {
				t.Fatalf("got %+v (remind %v), want %+v", got, got.Remind, c.want)
			}
		})
	}
}

func TestParseLeadTime(t *testing.T) {
	for in, want := range map[string]int{"30m": 30, "2h": 120, "90": 90, "1d": 1440, "0": 0, "45min": 45} {
		if got, err := bot.ParseLeadTime(in); err != nil || got != want {
			t.Errorf("ParseLeadTime(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"-5m", "15d", "x", ""} {
		if _, err := bot.ParseLeadTime(in); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("ParseLeadTime(%q) accepted", in)
		}
	}
}

func TestTaskDueInZone(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 3, 28, 22, 30, 0, 0, time.UTC) // 23:30 in Paris, 28 March
	cases := []struct {
		name, date, clock string
		want              time.Time
		field             string
	}{
		{"spring forward gap moves to 03:30 CEST", "2026-03-29", "02:30", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), ""},
		{"autumn repeated hour: first occurrence", "2026-10-25", "02:30", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), ""},
		{"today is the local day", "today", "23:45", time.Date(2026, 3, 28, 22, 45, 0, 0, time.UTC), ""},
		{"tomorrow across the change", "tomorrow", "09:00", time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC), ""},
		{"bad date", "2026-02-30", "10:00", time.Time{}, "date"},
		{"bad time", "2026-04-01", "25:00", time.Time{}, "time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := bot.TaskDue(c.date, c.clock, paris, now)
			if c.field != "" {
				if core.ErrorField(err) != c.field {
					t.Fatalf("error %v, want one on %q", err, c.field)
				}
				return
			}
			if err != nil || !got.Equal(c.want) {
				t.Fatalf("TaskDue = %s, %v; want %s", got.UTC(), err, c.want)
			}
		})
	}
}

func TestFormatDue(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		due    time.Time
		en, fr string
	}{
		{time.Date(2026, 10, 24, 14, 0, 0, 0, time.UTC), "today 16:00", "aujourd’hui à 16\u00a0h\u00a000"},
		{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "tomorrow 02:30", "demain à 2\u00a0h\u00a030"}, // first 02:30 (CEST)
		{time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC), "Mon 26 Oct, 09:00", "lun. 26\u00a0oct., 9\u00a0h\u00a000"},
		{time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC), "1 Jan 2027, 09:00", "1er\u00a0janv. 2027, 9\u00a0h\u00a000"},
		{time.Date(2026, 10, 23, 8, 0, 0, 0, time.UTC), "yesterday 10:00", "hier à 10\u00a0h\u00a000"},
	}
	for _, c := range cases {
		if got := bot.FormatDue(i18n.For(i18n.EN), c.due, paris, now); got != c.en {
			t.Errorf("FormatDue(%s) = %q, want %q", c.due, got, c.en)
		}
		if got := bot.FormatDue(i18n.For(i18n.FR), c.due, paris, now); got != c.fr {
			t.Errorf("French FormatDue(%s) = %q, want %q", c.due, got, c.fr)
		}
	}
}

// French task commands: the words, the dates and the times a French
// team types.
func TestParseTaskAddFrench(t *testing.T) {
	i := func(n int) *int { return &n }
	checkTaskAdd(t, []taskAddCase{
		{"pour demain 14h", "Rappeler Henri pour demain 14h", bot.TaskAddArgs{Title: "Rappeler Henri", Date: "demain", Time: "14h"}, ""},
		{"le date heure à lieu rappel", "Visite chez Dupont le 7/12/2026 14h30 à Lyon rappel 1j -- apporter le devis",
			bot.TaskAddArgs{Title: "Visite chez Dupont", Date: "7/12/2026", Time: "14h30", Place: "Lyon", Remind: i(24 * 60), Description: "apporter le devis"}, ""},
		{"aujourd’hui typographic apostrophe", "Appeler le client pour aujourd’hui 9:05", bot.TaskAddArgs{Title: "Appeler le client", Date: "aujourd’hui", Time: "9:05"}, ""},
		{"échéance accents optional", "Devis echeance 31/02 10h", bot.TaskAddArgs{Title: "Devis", Date: "31/02", Time: "10h"}, ""},
		{"no deadline", "Appeler Dupont", bot.TaskAddArgs{}, "due"},
		{"no time", "Appeler pour demain", bot.TaskAddArgs{}, "time"},
		{"empty place", "Appeler pour demain 10h à", bot.TaskAddArgs{}, "place"},
	})
}

func TestTaskDueFrench(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) // Monday 7 December, 11:00 in Paris
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, paris) }
	cases := []struct {
		date, clock string
		want        time.Time
	}{
		{"aujourd'hui", "14h", at(2026, 12, 7, 14, 0)},
		{"Aujourd’hui", "14h30", at(2026, 12, 7, 14, 30)},
		{"demain", "9h", at(2026, 12, 8, 9, 0)},
		{"après-demain", "9H05", at(2026, 12, 9, 9, 5)},
		{"7/12/2026", "14:30", at(2026, 12, 7, 14, 30)},
		{"07/12/26", "8h", at(2026, 12, 7, 8, 0)},
		{"24/12", "18h", at(2026, 12, 24, 18, 0)}, // no year: this year's
		{"3/1", "10h", at(2027, 1, 3, 10, 0)},     // no year, passed: next year's
		{"29/02/2028", "10h", at(2028, 2, 29, 10, 0)},
	}
	for _, c := range cases {
		got, err := bot.TaskDue(c.date, c.clock, paris, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("TaskDue(%q, %q) = %s, %v; want %s", c.date, c.clock, got, err, c.want)
		}
	}
	for _, bad := range []struct{ date, clock, field string }{
		{"31/02", "10h", "date"}, {"29/02/2027", "10h", "date"}, {"0/1/2027", "10h", "date"}, {"12/13/2026", "10h", "date"},
		{"demain", "24h", "time"}, {"demain", "14h75", "time"}, {"demain", "14h3", "time"}, {"demain", "h30", "time"},
	} {
		_, err := bot.TaskDue(bad.date, bad.clock, paris, now)
		if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != bad.field {
			t.Errorf("TaskDue(%q, %q): %v, want EINVALID on %s", bad.date, bad.clock, err, bad.field)
		}
	}
	// A French date that cannot be read: a French error saying what was
	// expected.
	_, err := bot.TaskDue("31/02", "10h", paris, now)
	fr := core.ErrorMessageIn(err, i18n.FR)
	for _, want := range []string{"«\u202f31/02\u202f»", "n’est pas une date", "JJ/MM/AAAA", "demain"} {
		if !strings.Contains(fr, want) {
			t.Errorf("French error %q lacks %q", fr, want)
		}
	}
}

func TestFrenchListWords(t *testing.T) {
	for in, want := range map[string]string{"aujourd'hui": bot.TasksToday, "à venir": bot.TasksUpcoming, "a venir": bot.TasksUpcoming,
		"passées": bot.TasksPast, "passees": bot.TasksPast, "toutes": bot.TasksAll, "upcoming": bot.TasksUpcoming} {
		if got, err := bot.ParseTasksScope(strings.Fields(in)); err != nil || got != want {
			t.Errorf("ParseTasksScope(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := bot.ParseTasksScope([]string{"demain"}); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("ParseTasksScope(demain) accepted: %v", err)
	}
	if m, err := bot.ParseLeadTime("2j"); err != nil || m != 2*24*60 {
		t.Errorf("ParseLeadTime(2j) = %d, %v", m, err)
	}
	for in, want := range map[string]bot.TicketsQuery{
		"les miens":        {Mine: true},
		"tous ouverts":     {Mine: false, Status: core.TicketOpen},
		"fermés":           {Mine: false, Status: core.TicketClosed},
		"les miens fermes": {Mine: true, Status: core.TicketClosed},
	} {
		if got, err := bot.ParseTickets(strings.Fields(in)); err != nil || got != want {
			t.Errorf("ParseTickets(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := bot.ParseTickets([]string{"miens", "tous"}); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("mine and all accepted: %v", err)
	}
}
