package i18n

import (
	"strconv"
	"time"
)

// Spaces French typography asks for. NNBSP goes before : ; ! ? » and after
// «; NBSP keeps "14 h 00" and "7 déc." together.
const (
	NNBSP = "\u202f"
	NBSP  = "\u00a0"
)

var (
	frDays       = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frDaysShort  = [...]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."}
	frMonths     = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	frMonthShort = [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
)

// The date and time styles below format t as it is: convert it to the
// reader's time zone first (t.In(loc)).

// Clock formats the time of day, 24-hour: "14:05" / "14 h 05".
func (p Printer) Clock(t time.Time) string {
	if p.Locale() == FR {
		return strconv.Itoa(t.Hour()) + NBSP + "h" + NBSP + twoDigits(t.Minute())
	}
	return t.Format("15:04")
}

// Day formats a day without its year, weekday and month in full:
// "Monday 7 December" / "lundi 7 décembre" ("1er" on the first).
func (p Printer) Day(t time.Time) string {
	if p.Locale() == FR {
		return frDays[t.Weekday()] + " " + frDayOfMonth(t) + " " + frMonths[t.Month()-1]
	}
	return t.Format("Monday 2 January")
}

// Date formats a day with its year, month abbreviated: "7 Dec 2026" /
// "7 déc. 2026".
func (p Printer) Date(t time.Time) string {
	if p.Locale() == FR {
		return frDayOfMonth(t) + NBSP + frMonthShort[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
	return t.Format("2 Jan 2006")
}

// DateTime formats an instant with its year: "7 Dec 2026, 14:00" /
// "7 déc. 2026, 14 h 00".
func (p Printer) DateTime(t time.Time) string {
	return p.Date(t) + ", " + p.Clock(t)
}

// WeekdayTime formats an instant of the coming days, without its year:
// "Mon 7 Dec, 14:00" / "lun. 7 déc., 14 h 00".
func (p Printer) WeekdayTime(t time.Time) string {
	if p.Locale() == FR {
		return frDaysShort[t.Weekday()] + " " + frDayOfMonth(t) + NBSP + frMonthShort[t.Month()-1] + ", " + p.Clock(t)
	}
	return t.Format("Mon 2 Jan") + ", " + p.Clock(t)
}

func frDayOfMonth(t time.Time) string {
	if t.Day() == 1 {
		return "1er"
	}
	return strconv.Itoa(t.Day())
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
