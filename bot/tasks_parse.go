package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// TaskAddUsage is the syntax of /crm task add.
const TaskAddUsage = "/crm task add <title> due <YYYY-MM-DD> <HH:MM> [at <place>] [remind <N>m|h] [-- <description>]"

// TaskAddArgs is what `/crm task add …` says, before it is placed in the
// owner's time zone.
type TaskAddArgs struct {
	Title       string
	Date        string // YYYY-MM-DD, "today" or "tomorrow"
	Time        string // HH:MM, 24-hour
	Place       string
	Remind      *int // lead time in minutes; nil for the default
	Description string
}

// ParseTaskAdd reads the text after `/crm task add`: a title, the word
// "due", a date and a time, then optionally "at <place>" and "remind
// <N>m|h", and after "--" a free description. The last "due" followed by a
// date ends the title, so titles may contain the word. Errors: EINVALID,
// naming the field at fault.
func ParseTaskAdd(text string) (TaskAddArgs, error) {
	var a TaskAddArgs
	head := text
	if i := dashDash(text); i >= 0 {
		head, a.Description = text[:i], strings.TrimSpace(text[i+2:])
	}
	words, err := SplitArgs(head)
	if err != nil {
		return a, core.Invalid("title", "%s", err.Error())
	}
	due := -1
	for i := len(words) - 2; i >= 1; i-- {
		if strings.EqualFold(words[i], "due") && looksLikeDate(words[i+1]) {
			due = i
			break
		}
	}
	if due < 0 {
		if len(words) == 0 {
			return a, core.Invalid("title", "Give the task a title.")
		}
		return a, core.Invalid("due", "Say when it is due, like `due 2026-04-01 14:30`.")
	}
	a.Title = strings.Join(words[:due], " ")
	a.Date = words[due+1]
	if due+2 >= len(words) {
		return a, core.Invalid("time", "Give the time too, like `due %s 14:30`.", a.Date)
	}
	a.Time = words[due+2]
	rest := words[due+3:]
	for len(rest) > 0 {
		switch strings.ToLower(rest[0]) {
		case "at":
			n := 1
			for n < len(rest) && !strings.EqualFold(rest[n], "remind") {
				n++
			}
			if n == 1 {
				return a, core.Invalid("place", "Say where after `at`.")
			}
			a.Place = strings.Join(rest[1:n], " ")
			rest = rest[n:]
		case "remind":
			if len(rest) < 2 {
				return a, core.Invalid("remind", "Say how long before, like `remind 30m` or `remind 2h`.")
			}
			m, err := ParseLeadTime(rest[1])
			if err != nil {
				return a, err
			}
			a.Remind = &m
			rest = rest[2:]
		default:
			return a, core.Invalid("title", "I don't understand %q after the time. Usage: `%s`", rest[0], TaskAddUsage)
		}
	}
	return a, nil
}

// dashDash finds a standalone "--" (the description separator).
func dashDash(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '-' && s[i+1] == '-' && (i == 0 || s[i-1] == ' ') && (i+2 == len(s) || s[i+2] == ' ') {
			return i
		}
	}
	return -1
}

func looksLikeDate(s string) bool {
	switch strings.ToLower(s) {
	case "today", "tomorrow":
		return true
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil || (len(s) == 10 && s[4] == '-' && s[7] == '-')
}

// ParseLeadTime reads a reminder lead time: "30m", "2h", "90" (minutes),
// "0" for a reminder at the deadline only. Errors: EINVALID.
func ParseLeadTime(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	unit := 1
	switch {
	case strings.HasSuffix(s, "min"):
		s = strings.TrimSuffix(s, "min")
	case strings.HasSuffix(s, "m"):
		s = strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "h"):
		s, unit = strings.TrimSuffix(s, "h"), 60
	case strings.HasSuffix(s, "d"):
		s, unit = strings.TrimSuffix(s, "d"), 24*60
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n*unit > 14*24*60 {
		return 0, core.Invalid("remind", "The reminder lead time must look like `30m`, `2h` or `1d` (at most 14 days).")
	}
	return n * unit, nil
}

// TaskDue turns a date (YYYY-MM-DD, "today", "tomorrow") and a time
// (HH:MM) in loc into an instant, following core.LocalTime on days when
// clocks change. now anchors "today". Errors: EINVALID on "date" or "time".
func TaskDue(date, clock string, loc *time.Location, now time.Time) (time.Time, error) {
	local := now.In(loc)
	var y, d int
	var m time.Month
	switch strings.ToLower(strings.TrimSpace(date)) {
	case "today":
		y, m, d = local.Date()
	case "tomorrow":
		y, m, d = time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, time.UTC).Date()
	default:
		day, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
		if err != nil {
			return time.Time{}, core.Invalid("date", "%q is not a date: use YYYY-MM-DD, like 2026-04-01.", date)
		}
		y, m, d = day.Date()
	}
	hh, mm, ok := parseClock(clock)
	if !ok {
		return time.Time{}, core.Invalid("time", "%q is not a time: use HH:MM (24-hour), like 14:30.", clock)
	}
	return core.LocalTime(y, m, d, hh, mm, loc), nil
}

func parseClock(s string) (h, m int, ok bool) {
	hs, ms, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found || len(ms) != 2 || len(hs) < 1 || len(hs) > 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// Task list scopes of /crm tasks.
const (
	TasksDefault  = ""         // today and overdue, then upcoming
	TasksToday    = "today"    // due today (open or done) and overdue open ones
	TasksUpcoming = "upcoming" // open, due after today
	TasksPast     = "past"     // deadline passed (done or not), latest first
	TasksAll      = "all"      // everything, by deadline
)

// ParseTasksScope reads the argument of /crm tasks. Errors: EINVALID.
func ParseTasksScope(args []string) (string, error) {
	if len(args) == 0 {
		return TasksDefault, nil
	}
	s := strings.ToLower(args[0])
	switch s {
	case TasksToday, TasksUpcoming, TasksPast, TasksAll:
		if len(args) == 1 {
			return s, nil
		}
	}
	return "", core.Invalid("scope", "%s", fmt.Sprintf("Usage: `/crm tasks [today|upcoming|past|all]`, not %q.", strings.Join(args, " ")))
}
