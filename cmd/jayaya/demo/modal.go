package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// A modal the product opened (views.open) is shown as a form over the
// Slack side; submitting it delivers a view_submission, and errors the
// product sends back appear beside their fields, as in Slack.

// viewInput is what the visitor typed into a modal that came back with
// errors, to show it again.
type viewInput struct {
	Values url.Values
	Errors map[string]string // by block ID
}

// modal is the open modal, ready for the template.
type modal struct {
	ID, Title, Submit, Close, For string
	Body                          template.HTML
}

// modalJSON is the part of a view the page reads.
type modalJSON struct {
	Title  *textObj `json:"title"`
	Submit *textObj `json:"submit"`
	Close  *textObj `json:"close"`
	Blocks []block  `json:"blocks"`
}

// openModal returns the most recent modal still open, or nil.
func (p *Page) openModal(n slackNames) *modal {
	views := p.cfg.Slack.State().Views()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range slices.Backward(views) {
		if v.Closed || p.dismissed[v.ID] {
			continue
		}
		var mj modalJSON
		if json.Unmarshal(v.JSON, &mj) != nil {
			continue
		}
		m := &modal{ID: v.ID, For: n.userName(v.UserID), Title: textOr(mj.Title, "Form"), Submit: textOr(mj.Submit, "Submit"), Close: textOr(mj.Close, "Cancel")}
		m.Body = modalBody(mj.Blocks, p.viewState[v.ID], n, v.UserID)
		return m
	}
	return nil
}

func textOr(t *textObj, def string) string {
	if t == nil || t.Text == "" {
		return def
	}
	return t.Text
}

// modalBody renders a modal's blocks: inputs as form fields (with what was
// typed and the errors, if the product refused it), others as in messages.
func modalBody(blocks []block, in *viewInput, n names, user string) template.HTML {
	esc := template.HTMLEscapeString
	var b strings.Builder
	for _, bl := range blocks {
		if bl.Type != "input" || bl.Element == nil {
			raw, _ := json.Marshal([]block{bl})
			h, _ := blocksHTML(raw, n, clickTarget{User: user})
			b.WriteString(string(h))
			continue
		}
		e := bl.Element
		name := "f." + bl.BlockID + "." + e.ActionID
		id := "field-" + bl.BlockID
		typed, hasTyped := url.Values(nil), false
		if in != nil {
			typed, hasTyped = in.Values, true
		}
		value := func(initial string) string {
			if hasTyped {
				return typed.Get(name)
			}
			return initial
		}
		b.WriteString(`<div class="field"><label for="` + esc(id) + `">` + esc(textOr(bl.Label, bl.BlockID)))
		if bl.Optional {
			b.WriteString(` <span class="optional">(optional)</span>`)
		}
		b.WriteString(`</label>`)
		switch e.Type {
		case "plain_text_input", "email_text_input", "url_text_input", "number_input":
			if e.Multiline {
				b.WriteString(`<textarea id="` + esc(id) + `" name="` + esc(name) + `" rows="3">` + esc(value(e.InitialValue)) + `</textarea>`)
				break
			}
			typ := map[string]string{"email_text_input": "email", "url_text_input": "url", "number_input": "number"}[e.Type]
			b.WriteString(`<input id="` + esc(id) + `" name="` + esc(name) + `" type="` + cmp.Or(typ, "text") + `" value="` + esc(value(e.InitialValue)) + `">`)
		case "datepicker":
			b.WriteString(`<input id="` + esc(id) + `" name="` + esc(name) + `" type="date" value="` + esc(value(e.InitialDate)) + `">`)
		case "timepicker":
			b.WriteString(`<input id="` + esc(id) + `" name="` + esc(name) + `" type="time" value="` + esc(value(e.InitialTime)) + `">`)
		case "static_select", "multi_static_select":
			multi := e.Type == "multi_static_select"
			selected := map[string]bool{}
			switch {
			case hasTyped:
				for _, s := range typed[name] {
					selected[s] = true
				}
			case multi:
				for _, o := range e.InitialOptions {
					selected[o.Value] = true
				}
			case e.InitialOption != nil:
				selected[e.InitialOption.Value] = true
			}
			b.WriteString(`<select id="` + esc(id) + `" name="` + esc(name) + `"`)
			if multi {
				b.WriteString(` multiple size="` + strconv.Itoa(min(len(e.Options), 6)) + `"`)
			} else {
				b.WriteString(`><option value="">—</option`)
			}
			b.WriteString(`>`)
			for _, o := range e.Options {
				sel := ""
				if selected[o.Value] {
					sel = " selected"
				}
				b.WriteString(`<option value="` + esc(o.Value) + `"` + sel + `>` + esc(o.Text.Text) + `</option>`)
			}
			b.WriteString(`</select>`)
		default:
			b.WriteString(`<p class="hint">(a ` + esc(e.Type) + ` field the demo cannot show)</p>`)
		}
		if in != nil && in.Errors[bl.BlockID] != "" {
			b.WriteString(`<p class="error">` + esc(in.Errors[bl.BlockID]) + `</p>`)
		}
		if bl.Hint != nil {
			b.WriteString(`<p class="hint">` + esc(bl.Hint.Text) + `</p>`)
		}
		b.WriteString(`</div>`)
	}
	return template.HTML(b.String())
}

// slackSubmit submits the open modal with what the visitor filled in.
func (p *Page) slackSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.done(w, r, problemOf("bad-form"))
		return
	}
	id := r.FormValue("view")
	v, ok := p.cfg.Slack.State().View(id)
	var mj modalJSON
	if !ok || v.Closed || json.Unmarshal(v.JSON, &mj) != nil {
		p.done(w, r, problemOf("form-closed"))
		return
	}
	values := map[string]map[string]slacktest.InputValue{}
	for _, bl := range mj.Blocks {
		if bl.Type != "input" || bl.Element == nil {
			continue
		}
		e := bl.Element
		got := r.Form["f."+bl.BlockID+"."+e.ActionID]
		first := ""
		if len(got) > 0 {
			first = got[0]
		}
		in := slacktest.InputValue{Type: e.Type}
		switch e.Type {
		case "datepicker":
			in.SelectedDate = first
		case "timepicker":
			in.SelectedTime = first
		case "static_select":
			in.SelectedOption = first
		case "multi_static_select":
			in.SelectedOptions = slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s == "" })
			if in.SelectedOptions == nil {
				in.SelectedOptions = []string{}
			}
		default:
			in.Value = first
		}
		values[bl.BlockID] = map[string]slacktest.InputValue{e.ActionID: in}
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	d, err := p.cfg.Slack.HTTP().SubmitView(ctx, slacktest.ViewSubmission{ViewID: id, Values: values})
	if problem := deliveryProblem(d, err); problem != nil {
		p.done(w, r, problem)
		return
	}
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(d.Body, &resp)
	p.mu.Lock()
	if resp.ResponseAction == "errors" {
		p.viewState[id] = &viewInput{Values: r.Form, Errors: resp.Errors}
	} else {
		delete(p.viewState, id)
	}
	p.mu.Unlock()
	p.bump()
	p.done(w, r, nil)
}

// slackCloseModal closes the open modal without submitting it.
func (p *Page) slackCloseModal(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.dismissed[r.FormValue("view")] = true
	delete(p.viewState, r.FormValue("view"))
	p.mu.Unlock()
	p.bump()
	p.done(w, r, nil)
}
