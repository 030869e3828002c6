package bot_test

import (
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

func TestParseTaskAdd(t *testing.T) {
	i := func(n int) *int { return &n }
	cases := []struct {
		name  string
		in    string
		want  bot.TaskAddArgs
		field string // expected error field, "" for success
	}{
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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := bot.ParseTaskAdd(c.in)
			if c.field != "" {
				if core.ErrorField(err) != c.field {
					t.Fatalf("error %v, want one on %q", err, c.field)
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
	cases := map[string]time.Time{
		"today 16:00":          time.Date(2026, 10, 24, 14, 0, 0, 0, time.UTC),
		"tomorrow 02:30":       time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // first 02:30 (CEST)
		"Mon 26 Oct 09:00":     time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC),
		"Fri 1 Jan 2027 09:00": time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC),
		"yesterday 10:00":      time.Date(2026, 10, 23, 8, 0, 0, 0, time.UTC),
	}
	for want, due := range cases {
		if got := bot.FormatDue(due, paris, now); got != want {
			t.Errorf("FormatDue(%s) = %q, want %q", due, got, want)
		}
	}
}
