package bot

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// TaskAddUsage is the catalog ID of the syntax of /crm task add.
const TaskAddUsage = "tasks.add.usage"

// TaskAddArgs is what `/crm task add …` says, before it is placed in the
// owner's time zone.
type TaskAddArgs struct {
	Title       string
	Date        string // as typed: see TaskDue
	Time        string // as typed: see TaskDue
	Place       string
	Remind      *int // lead time in minutes; nil for the default
	Description string
}

// The words of /crm task add, English first: the deadline ("due
// tomorrow 14:30", "pour demain 14h", "le 7/12/2026 9h"), the place and
// the reminder.
var taskAddWords = newVocabulary(
	[]string{"due", "pour", "le", "échéance"},
	[]string{"at", "à", "lieu"},
	[]string{"remind", "rappel", "rappeler"},
)

// ParseTaskAdd reads the text after `/crm task add`: a title, the word
// "due" (French "pour", "le" or "échéance"), a date and a time, then
// optionally "at <place>" ("à", "lieu") and "remind <N>m|h" ("rappel"),
// and after "--" a free description. The last "due" followed by a date
// ends the title, so titles may contain the word. Errors: EINVALID,
// naming the field at fault.
func ParseTaskAdd(text string) (TaskAddArgs, error) {
	var a TaskAddArgs
	head := text
	if i := dashDash(text); i >= 0 {
		head, a.Description = text[:i], strings.TrimSpace(text[i+2:])
	}
	words, err := SplitArgs(head)
	if err != nil {
		return a, core.InvalidE("title", "crm.quote_unclosed")
	}
	due := -1
	for i := len(words) - 2; i >= 1; i-- {
		if taskAddWords.of(words[i]) == "due" && looksLikeDate(words[i+1]) {
			due = i
			break
		}
	}
	if due < 0 {
		if len(words) == 0 {
			return a, core.InvalidE("title", "tasks.add.title_missing")
		}
		return a, core.InvalidE("due", "tasks.add.due_missing")
	}
	a.Title = strings.Join(words[:due], " ")
	a.Date = words[due+1]
	if due+2 >= len(words) {
		return a, core.InvalidE("time", "tasks.add.time_missing", i18n.Args{"Due": words[due], "Date": a.Date})
	}
	a.Time = words[due+2]
	rest := words[due+3:]
	for len(rest) > 0 {
		switch taskAddWords.of(rest[0]) {
		case "at":
			n := 1
			for n < len(rest) && taskAddWords.of(rest[n]) != "remind" {
				n++
			}
			if n == 1 {
				return a, core.InvalidE("place", "tasks.add.place_missing", i18n.Args{"Word": rest[0]})
			}
			a.Place = strings.Join(rest[1:n], " ")
			rest = rest[n:]
		case "remind":
			if len(rest) < 2 {
				return a, core.InvalidE("remind", "tasks.add.remind_missing", i18n.Args{"Word": rest[0]})
			}
			m, err := ParseLeadTime(rest[1])
			if err != nil {
				return a, err
			}
			a.Remind = &m
			rest = rest[2:]
		default:
			return a, core.InvalidE("title", "tasks.add.stray_word", i18n.Args{"Word": rest[0]})
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

// Relative days a task date may be, English first.
var dayWords = newVocabulary(
	[]string{"today", "aujourd'hui", "auj"},
	[]string{"tomorrow", "demain"},
	[]string{"after tomorrow", "après-demain"},
)

var (
	isoDateRE = regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}$`)
	dmyDateRE = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?$`)
)

// looksLikeDate reports whether s is written as a date, readable or not
// ("2026-02-30" and "31/02" are: TaskDue then says what is wrong).
func looksLikeDate(s string) bool {
	return dayWords.of(s) != "" || isoDateRE.MatchString(s) || dmyDateRE.MatchString(s)
}

// ParseLeadTime reads a reminder lead time: "30m", "30min", "2h", "1d"
// or "1j" (jour), "90" (minutes), "0" for a reminder at the deadline only.
// Errors: EINVALID.
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
	case strings.HasSuffix(s, "j"):
		s, unit = strings.TrimSuffix(s, "j"), 24*60
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n*unit > 14*24*60 {
		return 0, core.InvalidE("remind", "tasks.lead_invalid")
	}
	return n * unit, nil
}

// TaskDue turns a date and a time in loc into an instant, following
// core.LocalTime on days when clocks change. The date is YYYY-MM-DD,
// DD/MM/YYYY, DD/MM/YY or DD/MM (the next such day: this year's, or next
// year's when it has passed), "today" / "aujourd'hui", "tomorrow" /
// "demain" or "après-demain"; the time is 24-hour, HH:MM, 14h or 14h30.
// now anchors the relative days. Errors: EINVALID on "date" or "time",
// saying what was expected.
func TaskDue(date, clock string, loc *time.Location, now time.Time) (time.Time, error) {
	y, m, d, ok := parseDay(strings.TrimSpace(date), now.In(loc))
	if !ok {
		return time.Time{}, core.InvalidE("date", "tasks.date_invalid", i18n.Args{"Value": date})
	}
	hh, mm, ok := parseClock(clock)
	if !ok {
		return time.Time{}, core.InvalidE("time", "tasks.time_invalid", i18n.Args{"Value": clock})
	}
	return core.LocalTime(y, m, d, hh, mm, loc), nil
}

// parseDay reads a task date (see TaskDue) relative to the local now.
func parseDay(s string, local time.Time) (y int, m time.Month, d int, ok bool) {
	switch dayWords.of(s) {
	case "today":
		y, m, d = local.Date()
		return y, m, d, true
	case "tomorrow":
		y, m, d = time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, time.UTC).Date()
		return y, m, d, true
	case "after tomorrow":
		y, m, d = time.Date(local.Year(), local.Month(), local.Day()+2, 0, 0, 0, 0, time.UTC).Date()
		return y, m, d, true
	}
	if isoDateRE.MatchString(s) {
		parts := strings.Split(s, "-")
		return validDay(atoi(parts[0]), atoi(parts[1]), atoi(parts[2]))
	}
	sub := dmyDateRE.FindStringSubmatch(s)
	if sub == nil {
		return 0, 0, 0, false
	}
	day, month := atoi(sub[1]), atoi(sub[2])
	switch {
	case len(sub[3]) == 4:
		return validDay(atoi(sub[3]), month, day)
	case len(sub[3]) == 2:
		return validDay(2000+atoi(sub[3]), month, day)
	}
	// No year: the next such day, this year's unless it has passed.
	y, m, d, ok = validDay(local.Year(), month, day)
	if ok && time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Before(time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)) {
		y, m, d, ok = validDay(local.Year()+1, month, day)
	}
	return y, m, d, ok
}

// validDay checks that year-month-day exists (no 31/02).
func validDay(year, month, day int) (int, time.Month, int, bool) {
	if year < 1 || month < 1 || month > 12 || day < 1 {
		return 0, 0, 0, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != month {
		return 0, 0, 0, false
	}
	return year, time.Month(month), day, true
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

var clockRE = regexp.MustCompile(`^(\d{1,2})(?::(\d{2})|[hH](\d{2})?)$`)

// parseClock reads a 24-hour time: "14:30", "9:05", "14h", "14h30".
func parseClock(s string) (h, m int, ok bool) {
	sub := clockRE.FindStringSubmatch(strings.TrimSpace(s))
	if sub == nil {
		return 0, 0, false
	}
	h, m = atoi(sub[1]), 0
	switch {
	case sub[2] != "":
		m = atoi(sub[2])
	case sub[3] != "":
		m = atoi(sub[3])
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
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

// tasksScopes are the words of /crm tasks, English first ("à venir" is
// two words, read as one).
var tasksScopes = newVocabulary(
	[]string{TasksToday, "aujourd'hui"},
	[]string{TasksUpcoming, "à venir", "prochaines", "futures"},
	[]string{TasksPast, "passées", "passé", "passés"},
	[]string{TasksAll, "toutes", "tous"},
)

// ParseTasksScope reads the argument of /crm tasks (or /crm tâches).
// Errors: EINVALID.
func ParseTasksScope(args []string) (string, error) {
	if len(args) == 0 {
		return TasksDefault, nil
	}
	if s := tasksScopes.of(strings.Join(args, " ")); s != "" {
		return s, nil
	}
	return "", core.InvalidE("scope", "tasks.list.scope_invalid", i18n.Args{"Value": strings.Join(args, " ")})
}
