package bot

import (
	"strconv"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
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

// FormatDue shows a deadline in loc relative to now's local day, in p's
// language: "today 14:00", "tomorrow 09:30", "Mon 6 Apr, 14:00" (French
// "aujourd’hui à 14 h 00", "lun. 6 avr., 14 h 00"), with the year when it
// is not now's.
func FormatDue(p i18n.Printer, due time.Time, loc *time.Location, now time.Time) string {
	d, n := due.In(loc), now.In(loc)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	at := i18n.Args{"Time": p.Clock(d)}
	switch day(d) {
	case day(n):
		return p.T("tasks.when.today", at)
	case day(n.AddDate(0, 0, 1)):
		return p.T("tasks.when.tomorrow", at)
	case day(n.AddDate(0, 0, -1)):
		return p.T("tasks.when.yesterday", at)
	}
	if d.Year() != n.Year() {
		return p.DateTime(d)
	}
	return p.WeekdayTime(d)
}

// FormatIn says how far ahead a duration reaches: "in 45 min", "in 2 h",
// "in 1 h 30 min", "in 3 days".
func FormatIn(p i18n.Printer, d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case d < time.Minute:
		return p.T("tasks.in.now")
	case h == 0:
		return p.N("tasks.in.minutes", m)
	case h >= 48:
		return p.N("tasks.in.days", h/24)
	case m == 0:
		return p.N("tasks.in.hours", h)
	}
	return p.T("tasks.in.hours_minutes", i18n.Args{"Hours": h, "Minutes": m})
}

// LeadLabel describes a lead time: "1 h before", "at the deadline only".
func LeadLabel(p i18n.Printer, minutes int) string {
	switch {
	case minutes == 0:
		return p.T("tasks.lead.none")
	case minutes%(24*60) == 0:
		return p.N("tasks.lead.days", minutes/(24*60))
	case minutes%60 == 0:
		return p.N("tasks.lead.hours", minutes/60)
	case minutes > 60:
		return p.T("tasks.lead.hours_minutes", i18n.Args{"Hours": minutes / 60, "Minutes": minutes % 60})
	}
	return p.N("tasks.lead.minutes", minutes)
}

// taskTitle is "#12 Call Dupont".
func taskTitle(t *core.Task) string { return "#" + strconv.FormatInt(t.ID, 10) + " " + t.Title }

// taskSection shows one task as a list line in p's language: deadline,
// place and, unless done, the Done and Edit buttons (plus snoozes in
// reminders).
func taskSection(p i18n.Printer, t *core.Task, loc *time.Location, now time.Time, snooze bool) Section {
	id := strconv.FormatInt(t.ID, 10)
	due := i18n.Args{"Due": FormatDue(p, t.DueAt, loc, now)}
	var line string
	switch {
	case t.DoneAt != nil:
		line = p.T("tasks.line.done", due)
	case !t.DueAt.After(now):
		line = p.T("tasks.line.overdue", due)
	default:
		line = p.T("tasks.line.due", due)
	}
	if t.Place != "" {
		line += " · 📍 " + t.Place
	}
	if t.Description != "" {
		line += "\n" + taskClip(t.Description, 300)
	}
	s := Section{Title: taskTitle(t), Text: line}
	if t.DoneAt == nil {
		s.Buttons = []Button{{Label: p.T("tasks.button.done"), Action: ActionTaskDone, Value: id, Style: StylePrimary}}
		if snooze {
			tomorrowAt := time.Date(2000, 1, 1, SnoozeTomorrowAt/60, SnoozeTomorrowAt%60, 0, 0, time.UTC)
			s.Buttons = append(s.Buttons,
				Button{Label: p.T("tasks.button.snooze_hour"), Action: ActionTaskSnooze, Value: id + ":" + SnoozeHour},
				Button{Label: p.T("tasks.button.snooze_tomorrow", i18n.Args{"Time": p.Clock(tomorrowAt)}), Action: ActionTaskSnooze, Value: id + ":" + SnoozeTomorrow})
		} else {
			s.Buttons = append(s.Buttons, Button{Label: p.T("crm.edit"), Action: ActionTaskEdit, Value: id})
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
// core.DueReminder) at now, with Done and Snooze buttons, in the owner's
// language (their setting, else Slack's, else def) and time zone.
func ReminderDM(t *core.Task, owner *core.User, kind core.ReminderKind, now time.Time, def i18n.Locale) DMPayload {
	p := i18n.For(owner.Language(core.PlatformSlack, "", "", def))
	loc := owner.Location()
	args := i18n.Args{"Title": t.Title, "Due": FormatDue(p, t.DueAt, loc, now), "In": FormatIn(p, t.DueAt.Sub(now)), "Time": p.Clock(t.DueAt.In(loc))}
	var text string
	switch {
	case kind == core.ReminderBefore:
		text = p.T("tasks.reminder.before", args)
	case kind == core.ReminderDeadline && now.Sub(t.DueAt) < 5*time.Minute:
		text = p.T("tasks.reminder.now", args)
	default:
		text = p.T("tasks.reminder.late", args)
	}
	dm := DMPayload{UserID: owner.ID, Text: text, Lang: p.Locale(), Purpose: DMReminder, TaskID: t.ID, DueAt: t.DueAt, Kind: kind,
		Sections: []Section{taskSection(p, t, loc, now, true)}}
	if owner.SlackID != nil {
		dm.SlackUserID = *owner.SlackID
	}
	return dm
}

// digestMax caps the tasks a digest lists.
const digestMax = 20

// DigestDM builds the morning digest DM of d at now, in the owner's
// language (their setting, else Slack's, else def) and time zone.
func DigestDM(d core.Digest, now time.Time, def i18n.Locale) DMPayload {
	p := i18n.For(d.Owner.Language(core.PlatformSlack, "", "", def))
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
		parts = append(parts, p.N("tasks.digest.today", today))
	}
	if overdue > 0 {
		parts = append(parts, p.N("tasks.digest.overdue", overdue))
	}
	text := p.T("tasks.digest.text", i18n.Args{"Day": p.Day(now.In(loc)), "Tasks": strings.Join(parts, ", ")})
	dm := DMPayload{UserID: d.Owner.ID, Text: text, Lang: p.Locale(), Purpose: DMDigest}
	if d.Owner.SlackID != nil {
		dm.SlackUserID = *d.Owner.SlackID
	}
	for i, t := range d.Tasks {
		if i == digestMax {
			dm.Sections = append(dm.Sections, Section{Text: p.N("tasks.digest.more", len(d.Tasks)-digestMax)})
			break
		}
		dm.Sections = append(dm.Sections, taskSection(p, t, loc, now, false))
	}
	return dm
}
