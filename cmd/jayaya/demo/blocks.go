package demo

import (
	"encoding/json"
	"html/template"
	"strings"
)

// Block Kit (the JSON of a Slack message or modal) rendered as HTML that
// reads like Slack: sections, fields, headers, context lines, dividers and
// buttons. Each button is a small form posting to /demo/slack/click, so it
// works without JavaScript.

// block is the subset of a Slack block the page shows.
type block struct {
	Type      string    `json:"type"`
	BlockID   string    `json:"block_id"`
	Text      *textObj  `json:"text"`
	Fields    []textObj `json:"fields"`
	Accessory *element  `json:"accessory"`
	// Elements are buttons in "actions" and texts in "context" blocks,
	// whose "text" is a string: each is decoded by the block's type.
	Elements []json.RawMessage `json:"elements"`
	Element  *element          `json:"element"`
	Label    *textObj          `json:"label"`
	Hint     *textObj          `json:"hint"`
	Optional bool              `json:"optional"`
}

// textObj is a plain_text or mrkdwn text object.
type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// element is a button, a select, an input or a context element.
type element struct {
	Type           string   `json:"type"`
	Text           *textObj `json:"text"` // a context element's text lives in Text.Text
	ActionID       string   `json:"action_id"`
	Value          string   `json:"value"`
	URL            string   `json:"url"`
	Style          string   `json:"style"`
	Placeholder    *textObj `json:"placeholder"`
	InitialValue   string   `json:"initial_value"`
	InitialDate    string   `json:"initial_date"`
	InitialTime    string   `json:"initial_time"`
	Multiline      bool     `json:"multiline"`
	Options        []option `json:"options"`
	InitialOption  *option  `json:"initial_option"`
	InitialOptions []option `json:"initial_options"`
	MinValue       string   `json:"min_value"`
	MaxValue       string   `json:"max_value"`
	IsDecimal      bool     `json:"is_decimal_allowed"`
}

// option is one choice of a select.
type option struct {
	Text  textObj `json:"text"`
	Value string  `json:"value"`
}

// textHTML renders a text object by its type.
func textHTML(t *textObj, n names) template.HTML {
	if t == nil {
		return ""
	}
	if t.Type == "mrkdwn" {
		return mrkdwn(t.Text, n)
	}
	return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(t.Text), "\n", "<br>"))
}

// clickTarget is what a button press needs to be delivered: the message
// it sits on and who sees it.
type clickTarget struct {
	Channel   string
	TS        string // the message's ts; empty for an ephemeral message
	User      string // the only viewer of an ephemeral message or DM; empty: whoever acts
	Ephemeral bool
}

// blocksHTML renders a message's blocks; ok is false when there were none
// the page can show (the caller shows the text instead).
func blocksHTML(raw json.RawMessage, n names, at clickTarget) (template.HTML, bool) {
	var blocks []block
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil || len(blocks) == 0 {
		return "", false
	}
	var b strings.Builder
	shown := false
	for _, bl := range blocks {
		switch bl.Type {
		case "header":
			b.WriteString(`<div class="bk-header">` + string(textHTML(bl.Text, n)) + `</div>`)
		case "section":
			b.WriteString(`<div class="bk-section"><div class="bk-main">`)
			if bl.Text != nil {
				b.WriteString(`<div>` + string(textHTML(bl.Text, n)) + `</div>`)
			}
			if len(bl.Fields) > 0 {
				b.WriteString(`<div class="bk-fields">`)
				for i := range bl.Fields {
					b.WriteString(`<div>` + string(textHTML(&bl.Fields[i], n)) + `</div>`)
				}
				b.WriteString(`</div>`)
			}
			b.WriteString(`</div>`)
			if bl.Accessory != nil {
				b.WriteString(elementHTML(*bl.Accessory, bl.BlockID, at))
			}
			b.WriteString(`</div>`)
		case "context":
			b.WriteString(`<div class="bk-context">`)
			for _, raw := range bl.Elements {
				var t textObj
				if json.Unmarshal(raw, &t) != nil || t.Type == "image" {
					continue
				}
				b.WriteString(`<span>` + string(textHTML(&t, n)) + `</span>`)
			}
			b.WriteString(`</div>`)
		case "divider":
			b.WriteString(`<hr class="bk-divider">`)
		case "actions":
			b.WriteString(`<div class="bk-actions">`)
			for _, raw := range bl.Elements {
				var e element
				if json.Unmarshal(raw, &e) == nil {
					b.WriteString(elementHTML(e, bl.BlockID, at))
				}
			}
			b.WriteString(`</div>`)
		case "rich_text":
			continue // the message's text says the same
		default:
			continue
		}
		shown = true
	}
	return template.HTML(b.String()), shown
}

// elementHTML renders an interactive element of a message: a button as a
// form, a link button as a link, a select as a form with a select.
func elementHTML(e element, blockID string, at clickTarget) string {
	label := ""
	if e.Text != nil {
		label = e.Text.Text
	}
	esc := template.HTMLEscapeString
	switch e.Type {
	case "button":
		if e.URL != "" {
			if href, ok := safeHref(e.URL); ok {
				return `<a class="bk-button" href="` + esc(href) + `">` + esc(label) + `</a>`
			}
			return ""
		}
		return clickForm(at, blockID, e.ActionID, `<input type="hidden" name="value" value="`+esc(e.Value)+`">`,
			`<button class="bk-button `+esc(e.Style)+`">`+esc(label)+`</button>`)
	case "static_select", "overflow":
		var opts strings.Builder
		for _, o := range e.Options {
			opts.WriteString(`<option value="` + esc(o.Value) + `">` + esc(o.Text.Text) + `</option>`)
		}
		return clickForm(at, blockID, e.ActionID, `<input type="hidden" name="select" value="1"><select name="value">`+opts.String()+`</select>`,
			`<button class="bk-button">Choose</button>`)
	}
	return ""
}

// clickForm is the form that delivers a press on one element.
func clickForm(at clickTarget, blockID, actionID, value, button string) string {
	esc := template.HTMLEscapeString
	eph := ""
	if at.Ephemeral {
		eph = "1"
	}
	return `<form class="bk-click" method="post" action="/demo/slack/click">` +
		`<input type="hidden" name="channel" value="` + esc(at.Channel) + `">` +
		`<input type="hidden" name="ts" value="` + esc(at.TS) + `">` +
		`<input type="hidden" name="user" value="` + esc(at.User) + `">` +
		`<input type="hidden" name="ephemeral" value="` + eph + `">` +
		`<input type="hidden" name="as" value="" class="as-staff">` +
		`<input type="hidden" name="block_id" value="` + esc(blockID) + `">` +
		`<input type="hidden" name="action_id" value="` + esc(actionID) + `">` +
		value + button + `</form>`
}
