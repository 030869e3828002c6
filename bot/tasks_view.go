package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// Button actions of tasks. The value is the task ID, and for snoozes
// "<id>:1h" or "<id>:tomorrow".
const (
	ActionTaskDone   = "task.done"
	ActionTaskEdit   = "task.edit"
	ActionTaskSnooze = "task.snooze"
)

// Snooze choices carried after the task ID in a task.snooze value.
const (
	SnoozeHour     = "1h"
	SnoozeTomorrow = "tomorrow"
)

// SnoozeTomorrowAt is the owner-local time "Snooze until tomorrow" means.
const SnoozeTomorrowAt = 9 * 60

// FormatDue shows a deadline in loc relative to now's local day: "today
// 14:00", "tomorrow 09:30", "Mon 6 Apr 14:00", with the year when it is
// not now's.
func FormatDue(due time.Time, loc *time.Location, now time.Time) string {
	d, n := due.In(loc), now.In(loc)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	clock := d.Format("15:04")
	switch day(d) {
	case day(n):
		return "today " + clock
	case day(n.AddDate(0, 0, 1)):
		return "tomorrow " + clock
	case day(n.AddDate(0, 0, -1)):
		return "yesterday " + clock
	}
	if d.Year() != n.Year() {
		return d.Format("Mon 2 Jan 2006 15:04")
	}
	return d.Format("Mon 2 Jan 15:04")
}

// FormatIn says how far ahead t is: "in 45 min", "in 2 h", "in 1 h 30 min".
func FormatIn(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case d < time.Minute:
		return "now"
	case h == 0:
		return fmt.Sprintf("in %d min", m)
	case h >= 48:
		return fmt.Sprintf("in %d days", h/24)
	case m == 0:
		return fmt.Sprintf("in %d h", h)
	}
	return fmt.Sprintf("in %d h %d min", h, m)
}

// LeadLabel describes a lead time: "1 h before", "at the deadline only".
func LeadLabel(minutes int) string {
	switch {
	case minutes == 0:
		return "at the deadline only"
	case minutes%(24*60) == 0:
		if minutes == 24*60 {
			return "1 day before"
		}
		return fmt.Sprintf("%d days before", minutes/(24*60))
	case minutes%60 == 0:
		return fmt.Sprintf("%d h before", minutes/60)
	case minutes > 60:
		return fmt.Sprintf("%d h %d min before", minutes/60, minutes%60)
	}
	return fmt.Sprintf("%d min before", minutes)
}

// taskTitle is "#12 Call Dupont".
func taskTitle(t *core.Task) string { return "#" + strconv.FormatInt(t.ID, 10) + " " + t.Title }

// taskSection shows one task as a list line: deadline, place and, unless
// done, the Done and Edit buttons (plus snoozes in reminders).
func taskSection(t *core.Task, loc *time.Location, now time.Time, snooze bool) Section {
	var b strings.Builder
	id := strconv.FormatInt(t.ID, 10)
	switch {
	case t.DoneAt != nil:
		fmt.Fprintf(&b, "✅ done · was due %s", FormatDue(t.DueAt, loc, now))
	case !t.DueAt.After(now):
		fmt.Fprintf(&b, "⚠️ overdue · was due %s", FormatDue(t.DueAt, loc, now))
	default:
		fmt.Fprintf(&b, "🗓 due %s", FormatDue(t.DueAt, loc, now))
	}
	if t.Place != "" {
		fmt.Fprintf(&b, " · 📍 %s", t.Place)
	}
	if t.Description != "" {
		b.WriteString("\n" + taskClip(t.Description, 300))
	}
	s := Section{Title: taskTitle(t), Text: b.String()}
	if t.DoneAt == nil {
		s.Buttons = []Button{{Label: "Done", Action: ActionTaskDone, Value: id, Style: StylePrimary}}
		if snooze {
			s.Buttons = append(s.Buttons,
				Button{Label: "Snooze 1 hour", Action: ActionTaskSnooze, Value: id + ":" + SnoozeHour},
				Button{Label: "Snooze until tomorrow 9:00", Action: ActionTaskSnooze, Value: id + ":" + SnoozeTomorrow})
		} else {
			s.Buttons = append(s.Buttons, Button{Label: "Edit", Action: ActionTaskEdit, Value: id})
		}
	}
	return s
}

func taskClip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ReminderDM builds the DM that reminds owner of task t (kind from
// core.DueReminder) at now, with Done and Snooze buttons.
func ReminderDM(t *core.Task, owner *core.User, kind core.ReminderKind, now time.Time) DMPayload {
	loc := owner.Location()
	due := FormatDue(t.DueAt, loc, now)
	var text string
	switch {
	case kind == core.ReminderBefore:
		text = fmt.Sprintf("⏰ Reminder: *%s* is due %s (%s).", t.Title, due, FormatIn(t.DueAt.Sub(now)))
	case kind == core.ReminderDeadline && now.Sub(t.DueAt) < 5*time.Minute:
		text = fmt.Sprintf("⏰ *%s* is due now (%s).", t.Title, t.DueAt.In(loc).Format("15:04"))
	default:
		text = fmt.Sprintf("⏰ Still open: *%s* was due %s.", t.Title, due)
	}
	p := DMPayload{UserID: owner.ID, Text: text, Purpose: DMReminder, TaskID: t.ID, DueAt: t.DueAt, Kind: kind,
		Sections: []Section{taskSection(t, loc, now, true)}}
	if owner.SlackID != nil {
		p.SlackUserID = *owner.SlackID
	}
	return p
}

// digestMax caps the tasks a digest lists.
const digestMax = 20

// DigestDM builds the morning digest DM of d at now.
func DigestDM(d core.Digest, now time.Time) DMPayload {
	loc := d.Owner.Location()
	overdue, today := 0, 0
	for _, t := range d.Tasks {
		if t.DueAt.After(now) {
			today++
		} else {
			overdue++
		}
	}
	var parts []string
	if today > 0 {
		parts = append(parts, plural(today, "task", "tasks")+" due today")
	}
	if overdue > 0 {
		parts = append(parts, plural(overdue, "task", "tasks")+" overdue")
	}
	text := fmt.Sprintf("☀️ Good morning! %s: %s.", now.In(loc).Format("Monday 2 January"), strings.Join(parts, ", "))
	p := DMPayload{UserID: d.Owner.ID, Text: text, Purpose: DMDigest}
	if d.Owner.SlackID != nil {
		p.SlackUserID = *d.Owner.SlackID
	}
	for i, t := range d.Tasks {
		if i == digestMax {
			p.Sections = append(p.Sections, Section{Text: fmt.Sprintf("…and %d more: `/crm tasks`", len(d.Tasks)-digestMax)})
			break
		}
		p.Sections = append(p.Sections, taskSection(t, loc, now, false))
	}
	return p
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
