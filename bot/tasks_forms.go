package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// leadChoices are the reminder lead times the task form offers, in minutes.
var leadChoices = []int{0, 5, 10, 15, 30, 60, 120, 180, 24 * 60, 2 * 24 * 60}

// form opens the task form: empty to add a task, filled in to edit t.
// Dates and times are shown in the owner's time zone.
func (tk *tasks) form(ctx context.Context, p i18n.Printer, u *core.User, t *core.Task) Reply {
	loc := tk.loc(ctx, u)
	f := &Form{ID: FormTaskAdd, Title: p.T("tasks.form.new"), Submit: p.T("crm.form.add")}
	lead := core.DefaultRemindMinutes
	var title, place, date, clock, desc string
	if t != nil {
		f.ID, f.Title, f.Submit, f.Meta = FormTaskEdit, p.T("tasks.form.edit", i18n.Args{"ID": t.ID}), p.T("crm.form.save"), strconv.FormatInt(t.ID, 10)
		local := t.DueAt.In(loc)
		title, place, desc, lead = t.Title, t.Place, t.Description, t.RemindMinutes
		date, clock = local.Format("2006-01-02"), local.Format("15:04")
	}
	choices := leadChoices
	if !slices.Contains(choices, lead) {
		choices = append(slices.Clone(choices), lead)
		slices.Sort(choices)
	}
	var opts []Option
	for _, m := range choices {
		opts = append(opts, Option{Value: strconv.Itoa(m), Label: LeadLabel(p, m)})
	}
	f.Inputs = []Input{
		{Name: "title", Label: p.T("tasks.form.title"), Kind: InputText, Value: title, Placeholder: p.T("tasks.form.title_example")},
		{Name: "place", Label: p.T("tasks.form.place"), Kind: InputText, Value: place, Optional: true},
		{Name: "date", Label: p.T("tasks.form.date"), Kind: InputDate, Value: date},
		{Name: "time", Label: p.T("tasks.form.time"), Kind: InputTime, Value: clock, Hint: p.T("tasks.form.time_hint", i18n.Args{"Zone": loc.String()})},
		{Name: "remind", Label: p.T("tasks.form.remind"), Kind: InputSelect, Value: strconv.Itoa(lead), Options: opts,
			Hint: p.T("tasks.form.remind_hint")},
		{Name: "description", Label: p.T("tasks.form.details"), Kind: InputTextarea, Value: desc, Optional: true},
	}
	return Reply{Form: f}
}

// submit saves the task form: a new task, or the edited one named by meta.
func (tk *tasks) submit(ctx context.Context, c *Call, meta string, values map[string][]string) FormResult {
	p := c.P
	val := func(name string) string {
		if v := values[name]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	loc := tk.loc(ctx, c.User)
	errs := map[string]string{}
	due, err := TaskDue(val("date"), val("time"), loc, tk.now())
	if err != nil {
		errs[core.ErrorField(err)] = core.ErrorMessageIn(err, p.Locale())
	}
	var lead *int
	if s := val("remind"); s != "" {
		m, err := ParseLeadTime(s)
		if err != nil {
			errs["remind"] = core.ErrorMessageIn(err, p.Locale())
		}
		lead = &m
	}
	if val("title") == "" {
		errs["title"] = p.T("tasks.add.title_missing")
	}
	if len(errs) > 0 {
		return FormResult{Errors: errs}
	}
	title, place, desc := val("title"), val("place"), val("description")
	var t *core.Task
	saved := false
	if meta == "" {
		t, err = tk.st.CreateTask(ctx, c.User, core.TaskInput{Title: title, Place: place, DueAt: due, RemindMinutes: lead, Description: desc})
	} else {
		id, ok := taskID(meta)
		if !ok {
			return FormResult{Reply: &Reply{Text: p.T("crm.form_gone")}}
		}
		saved = true
		up := core.TaskUpdate{Title: &title, Place: &place, Description: &desc}
		// Only a changed schedule re-arms the reminders (and drops a snooze).
		old, oerr := tk.st.Task(ctx, c.User, id)
		if oerr != nil {
			rep := tk.r.ErrorReply(p, oerr)
			return FormResult{Reply: &rep}
		}
		if !old.DueAt.Equal(due) {
			up.DueAt = &due
		}
		if lead != nil && *lead != old.RemindMinutes {
			up.RemindMinutes = lead
		}
		t, err = tk.st.UpdateTask(ctx, c.User, id, up)
	}
	if err != nil {
		if f := core.ErrorField(err); f != "" && core.ErrorCode(err) == core.EINVALID {
			if f == "due" {
				f = "date"
			}
			return FormResult{Errors: map[string]string{f: core.ErrorMessageIn(err, p.Locale())}}
		}
		rep := tk.r.ErrorReply(p, err)
		return FormResult{Reply: &rep}
	}
	rep := tk.created(p, t, loc, saved)
	return FormResult{Reply: &rep}
}
