package bot

import "github.com/jayaya/jayayacrm/core/i18n"

// The neutral UI: what a command, button or form answers, described without
// any platform's vocabulary. The Slack adapter renders it as Block Kit
// (sections, buttons, modals); another adapter could render it otherwise.

// ChannelRef names a Slack channel in a reply's text: the Slack adapter
// shows it as a link to the channel (#name); it reads <#C…> elsewhere.
func ChannelRef(channelID string) string { return "<#" + channelID + ">" }

// Actor is who did something on a platform: their platform user ID and where.
type Actor struct {
	Platform  string // core.PlatformSlack or core.PlatformDiscord
	UserID    string // the platform's user ID (Slack U…, Discord snowflake)
	ChannelID string // where the action happened, when known
	ThreadID  string // the thread (Slack thread_ts, Discord thread ID), when inside one
	// Locale is the language the platform gives the actor with this very
	// action ("fr", a Discord interaction's locale), "" when it gives none.
	Locale string
}

// Reply is an answer to a command or a button.
type Reply struct {
	// Text is the plain message (and the notification fallback).
	Text string
	// Sections are rich blocks shown after Text.
	Sections []Section
	// Public posts the reply in the channel; otherwise only the actor sees it.
	Public bool
	// ReplaceOriginal replaces the message whose button was pressed.
	ReplaceOriginal bool
	// Form, when set, opens a form (a Slack modal) instead of replying.
	Form *Form
	// Lang is the language the reply is written in: the adapter's own
	// words around it ("…more not shown") follow it.
	Lang i18n.Locale
}

// Section is one card-like block: a title, text, labelled fields, an
// optional colour bar (#RRGGBB) and buttons.
type Section struct {
	Title   string
	Text    string
	Color   string
	Fields  []Field
	Buttons []Button
	// Link makes the title a link.
	Link string
}

// Field is a label and its value inside a section.
type Field struct {
	Label string
	Value string
}

// Button styles.
const (
	StylePrimary = "primary"
	StyleDanger  = "danger"
)

// Button is a clickable action. Action names the handler (for example
// "company.edit"); Value carries its argument (for example a company ID).
// Handlers must re-check the actor's rights: Value is not trusted.
type Button struct {
	Label  string
	Action string
	Value  string
	Style  string
	URL    string
}

// Input kinds of a form.
const (
	InputText        = "text"
	InputTextarea    = "textarea"
	InputEmail       = "email"
	InputURL         = "url"
	InputNumber      = "number"
	InputDate        = "date"        // YYYY-MM-DD
	InputTime        = "time"        // HH:MM
	InputSelect      = "select"      // one of Options
	InputMultiSelect = "multiselect" // any of Options
)

// Form is a dialog with inputs (a Slack modal). ID names the handler of its
// submission; Meta is opaque state echoed back on submit (never trusted for
// permissions).
type Form struct {
	ID     string
	Title  string
	Submit string
	Meta   string
	Inputs []Input
	// Lang is the language the form is written in (its Cancel button
	// follows it).
	Lang i18n.Locale
}

// Input is one field of a form.
type Input struct {
	Name     string
	Label    string
	Kind     string
	Value    string   // initial value
	Values   []string // initial values of a multiselect
	Options  []Option
	Optional bool
	Hint     string
	// Placeholder is shown in an empty text input.
	Placeholder string
}

// Option is a choice of a select input. Color (#RRGGBB), when set, is shown
// beside the label where the platform allows (for interests).
type Option struct {
	Value string
	Label string
	Color string
}

// FormResult answers a form submission: either errors shown beside the
// named inputs (the form stays open), or the form closes and Reply, when
// set, is sent to the actor.
type FormResult struct {
	Errors map[string]string
	Reply  *Reply
}
