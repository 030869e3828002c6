package slack

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
)

func TestColorEmoji(t *testing.T) {
	cases := map[string]string{"#E53935": "🟥", "#1E88E5": "🟦", "#43A047": "🟩", "#FDD835": "🟨", "#FB8C00": "🟧",
		"#8E24AA": "🟪", "#6D4C41": "🟫", "#8E244D": "🟥", "#7CB342": "🟩", "#808080": "⬜", "#333333": "⬛", "#000000": "⬛", "#FFFFFF": "⬜", "red": "", "#12345": "", "": ""}
	for in, want := range cases {
		if got := colorEmoji(in); got != want {
			t.Errorf("colorEmoji(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMrkdwn(t *testing.T) {
	got := mrkdwn("<!channel> Dupont & Fils: [#4 Help](https://slack.com/archives/C1/p1) [x](javascript:alert)")
	want := "&lt;!channel&gt; Dupont &amp; Fils: <https://slack.com/archives/C1/p1|#4 Help> [x](javascript:alert)"
	if got != want {
		t.Errorf("mrkdwn = %q\nwant %q", got, want)
	}
}

// TestRenderReplyLimits: whatever the bot says, the blocks stay within
// Block Kit's limits.
func TestRenderReplyLimits(t *testing.T) {
	var r bot.Reply
	r.Text = strings.Repeat("a&b ", 2000) // 8,000 characters, longer once escaped
	for i := 0; i < 14; i++ {
		r.Sections = append(r.Sections, bot.Section{Title: "Interest", Color: "#1E88E5"})
	}
	r.Sections = append(r.Sections, bot.Section{Title: "Dup", Fields: make([]bot.Field, 12), Buttons: []bot.Button{
		{Label: strings.Repeat("L", 100), Action: "company.show", Value: "1"},
		{Label: "Again", Action: "company.show", Value: "2"},
		{Label: "Thread", URL: "https://slack.com/archives/C1/p1"},
	}})
	for i := 0; i < 60; i++ {
		r.Sections = append(r.Sections, bot.Section{Text: "line"})
	}
	blocks := renderReply(r)
	if len(blocks) != maxMsgBlocks {
		t.Fatalf("%d blocks", len(blocks))
	}
	raw, _ := json.Marshal(blocks)
	if err := json.Unmarshal(raw, &slack.Blocks{}); err != nil {
		t.Fatalf("blocks do not round-trip: %v", err)
	}
	var ids []string
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > maxSectionText {
				t.Errorf("section of %d characters", utf8.RuneCountInString(b.Text.Text))
			}
			if len(b.Fields) > maxFields {
				t.Errorf("%d fields", len(b.Fields))
			}
		case *slack.ContextBlock:
			if len(b.ContextElements.Elements) > maxContextElems {
				t.Errorf("context of %d elements", len(b.ContextElements.Elements))
			}
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				btn := e.(*slack.ButtonBlockElement)
				ids = append(ids, btn.ActionID)
				if utf8.RuneCountInString(btn.Text.Text) > maxButtonText {
					t.Errorf("button label of %d characters", utf8.RuneCountInString(btn.Text.Text))
				}
			}
		}
	}
	if want := []string{"company.show", "company.show#1", "url.14.2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("action IDs = %q, want %q", ids, want)
	}
	if actionName("company.show#1") != "company.show" || actionName("ticket.close") != "ticket.close" {
		t.Error("actionName does not undo the suffix")
	}
}

func TestRenderFormAndValues(t *testing.T) {
	f := bot.Form{ID: "company.form", Title: "A very long modal title indeed", Meta: "42", Inputs: []bot.Input{
		{Name: "name", Label: "Name", Kind: bot.InputText, Value: "Acme"},
		{Name: "interests", Label: "Interests", Kind: bot.InputMultiSelect, Optional: true, Values: []string{"2"},
			Options: []bot.Option{{Value: "1", Label: "Wine", Color: "#8E244D"}, {Value: "2", Label: "Logistics", Color: "#1E88E5"}}},
		{Name: "kind", Label: "Kind", Kind: bot.InputSelect, Value: "b", Options: []bot.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}},
		{Name: "due", Label: "Due", Kind: bot.InputDate, Value: "2026-12-01"},
		{Name: "at", Label: "At", Kind: bot.InputTime},
		{Name: "notes", Label: "Notes", Kind: bot.InputTextarea, Optional: true},
	}}
	m := renderForm(f)
	if m.CallbackID != "company.form" || m.PrivateMetadata != "42" || utf8.RuneCountInString(m.Title.Text) > maxModalTitle {
		t.Errorf("modal = %+v", m)
	}
	raw, _ := json.Marshal(m)
	for _, want := range []string{`"block_id":"interests"`, `"initial_options":[{"text":{"type":"plain_text","text":"🟦 Logistics"`,
		`"type":"static_select"`, `"initial_option":{"text":{"type":"plain_text","text":"B"`, `"type":"datepicker"`,
		`"initial_date":"2026-12-01"`, `"type":"timepicker"`, `"multiline":true`, `"optional":true`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("modal lacks %s:\n%s", want, raw)
		}
	}

	state := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		"name":      {"name": {Type: "plain_text_input", Value: "Acme Corp"}},
		"interests": {"interests": {Type: "multi_static_select", SelectedOptions: []slack.OptionBlockObject{{Value: "1"}, {Value: "2"}}}},
		"kind":      {"kind": {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "a"}}},
		"due":       {"due": {Type: "datepicker", SelectedDate: "2026-12-02"}},
		"at":        {"at": {Type: "timepicker", SelectedTime: "09:30"}},
		"empty":     {"empty": {Type: "multi_static_select"}},
	}}
	want := map[string][]string{"name": {"Acme Corp"}, "interests": {"1", "2"}, "kind": {"a"}, "due": {"2026-12-02"}, "at": {"09:30"}, "empty": {}}
	if got := viewValues(state); !reflect.DeepEqual(got, want) {
		t.Errorf("viewValues = %q\nwant %q", got, want)
	}

	meta, err := wrapMeta("C1", "42")
	if err != nil || unwrapMeta(meta) != (formEnvelope{Channel: "C1", Meta: "42"}) || unwrapMeta("plain") != (formEnvelope{Meta: "plain"}) {
		t.Errorf("meta round trip: %q %v", meta, err)
	}
	if _, err := wrapMeta("C1", strings.Repeat("x", 4000)); err == nil {
		t.Error("oversized metadata accepted")
	}
}
