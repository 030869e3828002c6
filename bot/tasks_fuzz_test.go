package bot_test

import (
	"fmt"
	"math"
	"testing"
	"time"
	_ "time/tzdata" // the same zones everywhere the fuzz runs

	"github.com/jayaya/jayayacrm/bot"
)

// The task date/time target. A date is written the way a person would
// (one of dateForms, a time in one of clockForms) in a time zone, read
// with TaskDue, and the instant it gives must show that date and time
// again in the zone; where the zone skips that time, the same time after
// the jump; where it repeats it, the first occurrence. The forms are a
// table so that other languages' words ("demain", 01/04/2026) join it as
// rows.

// dateForm is one way of writing a task's day.
type dateForm struct {
	name string
	// write returns how the form writes day (a date, at midnight UTC)
	// for someone whose today is today; false when the form cannot say
	// that day.
	write func(day, today time.Time) (string, bool)
}

var dateForms = []dateForm{
	{"ISO", func(day, _ time.Time) (string, bool) { return day.Format(time.DateOnly), true }},
	{"today", func(day, today time.Time) (string, bool) { return "today", day.Equal(today) }},
	{"tomorrow", func(day, today time.Time) (string, bool) { return "Tomorrow", day.Equal(today.AddDate(0, 0, 1)) }},
	{"spaced ISO", func(day, _ time.Time) (string, bool) { return " " + day.Format(time.DateOnly) + " ", true }},
	// French: the relative days, day/month/year, two-digit years
	// (20xx), and day/month alone (the next such day).
	{"aujourd’hui", func(day, today time.Time) (string, bool) { return "aujourd’hui", day.Equal(today) }},
	{"demain", func(day, today time.Time) (string, bool) { return "Demain", day.Equal(today.AddDate(0, 0, 1)) }},
	{"après-demain", func(day, today time.Time) (string, bool) { return "après-demain", day.Equal(today.AddDate(0, 0, 2)) }},
	{"J/M/AAAA", func(day, _ time.Time) (string, bool) {
		return fmt.Sprintf("%d/%d/%04d", day.Day(), day.Month(), day.Year()), day.Year() >= 1000
	}},
	{"JJ/MM/AA", func(day, _ time.Time) (string, bool) {
		return day.Format("02/01/06"), day.Year() >= 2000 && day.Year() < 2100
	}},
	{"J/M", func(day, today time.Time) (string, bool) {
		return fmt.Sprintf("%d/%d", day.Day(), day.Month()), !day.Before(today) && day.Before(today.AddDate(1, 0, 0))
	}},
}

// clockForms are the ways of writing a time of day: English and French
// (14h30, 14H05, 14h on the hour).
var clockForms = []func(h, m int) string{
	func(h, m int) string { return fmt.Sprintf("%02d:%02d", h, m) },
	func(h, m int) string { return fmt.Sprintf("%d:%02d", h, m) },
	func(h, m int) string { return fmt.Sprintf("%dh%02d", h, m) },
	func(h, m int) string { return fmt.Sprintf("%dH%02d", h, m) },
	func(h, m int) string {
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%02dh%02d", h, m)
	},
}

// fuzzZones are zones with odd clocks: half-hour and 45-minute offsets, a
// 30-minute and a 2-hour daylight saving shift, changes at midnight, a
// skipped day, negative daylight saving time.
var fuzzZones = []string{"UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Havana", "America/Santiago",
	"Asia/Kathmandu", "Pacific/Apia", "America/Sao_Paulo", "Africa/Casablanca", "Europe/Dublin", "Antarctica/Troll",
	"Asia/Tehran", "America/St_Johns", "Pacific/Chatham", "Asia/Beirut"}

// wallInstant is the instant that shows y-m-d hh:mm in loc, worked out
// from the zone's offsets alone (sampled every quarter of an hour around
// it): the earliest one when the time happens twice; when it never
// happens (clocks jump over it), the time read with the offset in force
// before the jump, which shows as the same time after the jump.
func wallInstant(t *testing.T, y int, m time.Month, d, hh, mm int, loc *time.Location) time.Time {
	t.Helper()
	naive := time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
	offset := func(u time.Time) time.Duration { _, o := u.In(loc).Zone(); return time.Duration(o) * time.Second }
	offsets := map[time.Duration]bool{}
	for u := naive.Add(-50 * time.Hour); u.Before(naive.Add(50 * time.Hour)); u = u.Add(15 * time.Minute) {
		offsets[offset(u)] = true
	}
	var best time.Time
	highest := time.Duration(math.MinInt64)
	for o := range offsets {
		highest = max(highest, o)
		if u := naive.Add(-o); offset(u) == o && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !best.IsZero() {
		return best
	}
	// Skipped: just before the jump the clock showed less than asked,
	// with the offset of before the jump.
	u := naive.Add(-offset(naive.Add(-highest)))
	if !u.Add(offset(u)).After(naive) {
		t.Fatalf("%04d-%02d-%02d %02d:%02d in %s: no instant shows it, yet %s is not after it", y, m, d, hh, mm, loc, u.In(loc))
	}
	return u
}

// FuzzTaskDue: parsing a date written by a person, then formatting the
// instant in the person's zone, gives the date back.
func FuzzTaskDue(f *testing.F) {
	// TestTaskDueInZone's days: Paris's spring gap and autumn repeat, a
	// late evening, and "tomorrow" across the change.
	paris := uint8(1)
	march28 := time.Date(2026, 3, 28, 22, 30, 0, 0, time.UTC).Unix()
	f.Add(uint16(2026), uint8(3), uint8(29), uint8(2), uint8(30), paris, uint8(0), uint8(0), march28)
	f.Add(uint16(2026), uint8(10), uint8(25), uint8(2), uint8(30), paris, uint8(0), uint8(0), march28)
	f.Add(uint16(2026), uint8(3), uint8(28), uint8(23), uint8(45), paris, uint8(1), uint8(0), march28)
	f.Add(uint16(2026), uint8(3), uint8(29), uint8(9), uint8(0), paris, uint8(2), uint8(1), march28)
	// Odd clocks: Apia skipped a day, Havana jumps at midnight, Lord
	// Howe goes back 30 minutes (LocalTime once gave the second of its
	// repeated times; testdata/fuzz holds the 2-hour case it missed too).
	f.Add(uint16(111), uint8(11), uint8(29), uint8(10), uint8(0), uint8(7), uint8(0), uint8(0), int64(0))
	f.Add(uint16(126), uint8(2), uint8(7), uint8(0), uint8(30), uint8(4), uint8(0), uint8(0), int64(0))
	f.Add(uint16(126), uint8(3), uint8(4), uint8(1), uint8(45), uint8(3), uint8(0), uint8(0), int64(0))
	// French: "demain 14h" across Paris's spring change, 7/12/2026 14h30,
	// 29/02/28 and "24/12" (this year's or next year's), in French clocks.
	december7 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC).Unix()
	f.Add(uint16(2026), uint8(3), uint8(29), uint8(14), uint8(0), paris, uint8(5), uint8(4), march28)
	f.Add(uint16(2026), uint8(11), uint8(7), uint8(14), uint8(30), paris, uint8(7), uint8(2), december7)
	f.Add(uint16(128), uint8(1), uint8(29), uint8(9), uint8(5), paris, uint8(8), uint8(3), december7)
	f.Add(uint16(2026), uint8(11), uint8(24), uint8(18), uint8(0), paris, uint8(9), uint8(4), december7)
	f.Add(uint16(2026), uint8(0), uint8(3), uint8(10), uint8(0), paris, uint8(9), uint8(4), december7)
	f.Add(uint16(2026), uint8(3), uint8(28), uint8(23), uint8(45), paris, uint8(4), uint8(2), march28)
	f.Fuzz(func(t *testing.T, year uint16, month, day, hour, minute, zone, form, clock uint8, now int64) {
		loc, err := time.LoadLocation(fuzzZones[int(zone)%len(fuzzZones)])
		if err != nil {
			t.Fatal(err)
		}
		const span = 200 * 365 * 24 * 3600 // now: 1900 to 2100
		nowT := time.Unix(-70*365*24*3600+int64(uint64(now)%span), 0)
		y, m := 1900+int(year)%200, time.Month(1+int(month)%12)
		d := 1 + int(day)%time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
		hh, mm := int(hour)%24, int(minute)%60
		df := dateForms[int(form)%len(dateForms)]
		ly, lm, ld := nowT.In(loc).Date()
		today := time.Date(ly, lm, ld, 0, 0, 0, 0, time.UTC)
		dayT := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		switch df.name {
		case "today", "aujourd’hui":
			dayT = today
		case "tomorrow", "demain":
			dayT = today.AddDate(0, 0, 1)
		case "après-demain":
			dayT = today.AddDate(0, 0, 2)
		case "JJ/MM/AA":
			dayT = time.Date(2000+dayT.Year()%100, dayT.Month(), dayT.Day(), 0, 0, 0, 0, time.UTC)
		case "J/M":
			// The next such day: this year's, else next year's; a 29
			// February that year lacks is no such day.
			next := time.Date(today.Year(), dayT.Month(), dayT.Day(), 0, 0, 0, 0, time.UTC)
			if next.Before(today) {
				next = time.Date(today.Year()+1, dayT.Month(), dayT.Day(), 0, 0, 0, 0, time.UTC)
			}
			if next.Day() != dayT.Day() {
				return
			}
			dayT = next
		}
		date, ok := df.write(dayT, today)
		if !ok {
			t.Fatalf("form %s cannot write %s (today %s)", df.name, dayT.Format(time.DateOnly), today.Format(time.DateOnly))
		}
		y, m, d = dayT.Date()
		if y < 1 || y > 9999 {
			return
		}
		text := clockForms[int(clock)%len(clockForms)](hh, mm)
		got, err := bot.TaskDue(date, text, loc, nowT)
		if err != nil {
			t.Fatalf("TaskDue(%q, %q, %s): %v", date, text, loc, err)
		}
		want := wallInstant(t, y, m, d, hh, mm, loc)
		shown := got.In(loc).Format("2006-01-02 15:04")
		asked := fmt.Sprintf("%04d-%02d-%02d %02d:%02d", y, m, d, hh, mm)
		if !got.Equal(want) {
			t.Fatalf("TaskDue(%q, %q, %s) = %s (shows %s), want %s (shows %s)", date, text, loc, got.UTC(), shown, want.UTC(), want.In(loc).Format("2006-01-02 15:04"))
		}
		if wantShown := want.In(loc).Format("2006-01-02 15:04"); shown != wantShown {
			t.Fatalf("%s shows %s, want %s", got, shown, wantShown)
		}
		if exists := want.In(loc).Format("2006-01-02 15:04") == asked; exists && shown != asked {
			t.Fatalf("TaskDue(%q, %q, %s) shows %s, not the date asked", date, text, loc, shown)
		}
	})
}
