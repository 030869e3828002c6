package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jayaya/jayayacrm/core"
)

// leadChoices are the reminder lead times the task form offers, in minutes.
var leadChoices = []int{0, 5, 10, 15, 30, 60, 120, 180, 24 * 60, 2 * 24 * 60}

// form opens the task form: empty to add a task, filled in to edit t.
// Dates and times are shown in the owner's time zone.
func (tk *tasks) form(ctx context.Context, u *core.User, t *core.Task) Reply {
	loc := tk.loc(ctx, u)
	f := &Form{ID: FormTaskAdd, Title: "New task", Submit: "Add"}
	lead := core.DefaultRemindMinutes
	var title, place, date, clock, desc string
	if t != nil {
		f.ID, f.Title, f.Submit, f.Meta = FormTaskEdit, "Edit task #"+strconv.FormatInt(t.ID, 10), "Save", strconv.FormatInt(t.ID, 10)
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
		opts = append(opts, Option{Value: strconv.Itoa(m), Label: LeadLabel(m)})
	}
	f.Inputs = []Input{
		{Name: "title", Label: "Title", Kind: InputText, Value: title, Placeholder: "Call Dupont about the quote"},
		{Name: "place", Label: "Place", Kind: InputText, Value: place, Optional: true},
		{Name: "date", Label: "Date", Kind: InputDate, Value: date},
		{Name: "time", Label: "Time", Kind: InputTime, Value: clock, Hint: "In your time zone, " + loc.String() + "."},
		{Name: "remind", Label: "Remind me", Kind: InputSelect, Value: strconv.Itoa(lead), Options: opts,
			Hint: "Besides the reminder at the deadline."},
		{Name: "description", Label: "Description", Kind: InputTextarea, Value: desc, Optional: true},
	}
	return Reply{Form: f}
}

// submit saves the task form: a new task, or the edited one named by meta.
func (tk *tasks) submit(ctx context.Context, c *Call, meta string, values map[string][]string) FormResult {
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
		errs[core.ErrorField(err)] = core.ErrorMessage(err)
	}
	var lead *int
	if s := val("remind"); s != "" {
		m, err := ParseLeadTime(s)
		if err != nil {
			errs["remind"] = core.ErrorMessage(err)
		}
		lead = &m
	}
	if val("title") == "" {
		errs["title"] = "Give the task a title."
	}
	if len(errs) > 0 {
		return FormResult{Errors: errs}
	}
	title, place, desc := val("title"), val("place"), val("description")
	var t *core.Task
	verb := "Added"
	if meta == "" {
		t, err = tk.st.CreateTask(ctx, c.User, core.TaskInput{Title: title, Place: place, DueAt: due, RemindMinutes: lead, Description: desc})
	} else {
		id, ok := taskID(meta)
		if !ok {
			return FormResult{Reply: &Reply{Text: "That form no longer works here."}}
		}
		verb = "Saved"
		up := core.TaskUpdate{Title: &title, Place: &place, Description: &desc}
		// Only a changed schedule re-arms the reminders (and drops a snooze).
		old, oerr := tk.st.Task(ctx, c.User, id)
		if oerr != nil {
			rep := tk.r.ErrorReply(oerr)
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
			return FormResult{Errors: map[string]string{f: core.ErrorMessage(err)}}
		}
		rep := tk.r.ErrorReply(err)
		return FormResult{Reply: &rep}
	}
	rep := tk.created(t, loc, verb)
	return FormResult{Reply: &rep}
}
