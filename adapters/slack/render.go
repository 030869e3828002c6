package slack

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// Neutral UI (bot.Reply, bot.Form) → Block Kit, and modal state back.
//
// Conventions: text is Slack mrkdwn written by the bot (*bold*, `code`);
// &, < and > are escaped, Markdown links [label](https://…) become
// Slack links and channel references (bot.ChannelRef) channel links. A section's colour is shown as the nearest coloured square
// emoji before its title (blocks have no colour bars); consecutive sections
// with only a title and a colour (interest "chips") share one context line.

// Block Kit limits the renderer keeps to.
const (
	maxMsgBlocks     = 50
	maxSectionText   = 3000
	maxFieldText     = 2000
	maxFields        = 10
	maxActions       = 25
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxContextElems  = 10
	maxModalTitle    = 24
	maxOptionText    = 75
	maxOptionValue   = 150
	maxModalOptions  = 100
	maxInputLabel    = 2000
	maxPrivateMeta   = 3000
	urlActionPrefix  = "url."
	actionIDSuffixOf = "#"
)

// colorEmoji returns the coloured square emoji nearest to a #RRGGBB
// colour (by hue, with greys as black or white and dark oranges as brown),
// or "" for anything else.
func colorEmoji(hex string) string {
	if len(hex) != 7 || hex[0] != '#' {
		return ""
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return ""
	}
	r, g, b := float64(v>>16&0xff)/255, float64(v>>8&0xff)/255, float64(v&0xff)/255
	hi, lo := max(r, g, b), min(r, g, b)
	l, d := (hi+lo)/2, hi-lo
	sat := 0.0
	if d > 0 {
		sat = d / (1 - math.Abs(2*l-1))
	}
	switch {
	case l < 0.12 || (sat < 0.2 && l < 0.5):
		return "⬛"
	case l > 0.92 || sat < 0.2:
		return "⬜"
	}
	var h float64
	switch hi {
	case r:
		h = math.Mod((g-b)/d+6, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	h *= 60
	switch {
	case h < 15 || h >= 330:
		return "🟥"
	case h < 45:
		if l < 0.4 {
			return "🟫"
		}
		return "🟧"
	case h < 70:
		if l < 0.3 {
			return "🟫"
		}
		return "🟨"
	case h < 170:
		return "🟩"
	case h < 260:
		return "🟦"
	}
	return "🟪"
}

var mdLink = regexp.MustCompile(`\[([^\[\]]+)\]\((https?://[^\s()]+)\)`)

// channelRef is a bot.ChannelRef once escaped: only a channel ID, so it
// can link to a channel and nothing else (no ping, no label).
var channelRef = regexp.MustCompile(`&lt;#([CG][A-Z0-9]{2,20})&gt;`)

// mrkdwn escapes the bot's text for Slack and turns Markdown links into
// Slack links, channel references into channel links.
func mrkdwn(s string) string {
	s = mdLink.ReplaceAllStringFunc(escapeText(s), func(m string) string {
		sub := mdLink.FindStringSubmatch(m)
		return "<" + strings.ReplaceAll(sub[2], "|", "%7C") + "|" + sub[1] + ">"
	})
	return channelRef.ReplaceAllString(s, "<#$1>")
}

// linkTarget makes a URL safe as the target of a Slack link <url|label>
// the adapter composes: &, < and > escaped, and | (which would end the
// target) percent-encoded, so a web address typed as
// "https://x.example/>|<!channel>" stays one link and pings nobody.
func linkTarget(u string) string {
	return strings.ReplaceAll(escapeText(u), "|", "%7C")
}

// isChip reports a section that is only a coloured label.
func isChip(s bot.Section) bool {
	return s.Title != "" && s.Color != "" && s.Text == "" && s.Link == "" && len(s.Fields) == 0 && len(s.Buttons) == 0
}

// renderReply turns a reply into Block Kit blocks (at most 50).
func renderReply(r bot.Reply) []slack.Block {
	var blocks []slack.Block
	if r.Text != "" {
		// Escaping can lengthen text: split with room to spare.
		for _, part := range splitText(r.Text, maxSectionText*4/5) {
			blocks = append(blocks, slack.NewSectionBlock(mdText(clip(mrkdwn(part), maxSectionText)), nil, nil))
		}
	}
	var chips []slack.MixedElement
	flush := func() {
		for len(chips) > 0 {
			n := min(len(chips), maxContextElems)
			blocks = append(blocks, slack.NewContextBlock("", chips[:n]...))
			chips = chips[n:]
		}
	}
	for i, s := range r.Sections {
		if isChip(s) {
			chips = append(chips, mdText(colorEmoji(s.Color)+" "+escapeText(s.Title)))
			continue
		}
		flush()
		blocks = append(blocks, renderSection(i, s)...)
	}
	flush()
	if len(blocks) > maxMsgBlocks {
		blocks = append(blocks[:maxMsgBlocks-1], slack.NewContextBlock("", mdText(i18n.T(r.Lang, "adapters.slack.more"))))
	}
	return blocks
}

// renderSection renders one section: a section block (title, text, fields;
// a single button as its accessory) and an actions block for several
// buttons.
func renderSection(i int, s bot.Section) []slack.Block {
	var text []string
	if s.Title != "" {
		title := "*" + escapeText(s.Title) + "*"
		if s.Link != "" {
			title = "*<" + linkTarget(s.Link) + "|" + escapeText(s.Title) + ">*"
		}
		if e := colorEmoji(s.Color); e != "" {
			title = e + " " + title
		}
		text = append(text, title)
	}
	if s.Text != "" {
		text = append(text, mrkdwn(s.Text))
	}
	var fields []*slack.TextBlockObject
	for j, f := range s.Fields {
		if j == maxFields {
			break
		}
		fields = append(fields, mdText(clip("*"+escapeText(f.Label)+"*\n"+mrkdwn(f.Value), maxFieldText)))
	}
	buttons := renderButtons(i, s.Buttons)
	var out []slack.Block
	body := strings.Join(text, "\n")
	if body == "" && len(fields) == 0 {
		if len(buttons) > 0 {
			out = append(out, slack.NewActionBlock(fmt.Sprintf("actions_%d", i), buttons...))
		}
		return out
	}
	var textObj *slack.TextBlockObject
	if body != "" {
		parts := splitText(body, maxSectionText)
		for _, p := range parts[:len(parts)-1] {
			out = append(out, slack.NewSectionBlock(mdText(p), nil, nil))
		}
		textObj = mdText(parts[len(parts)-1])
	}
	var acc *slack.Accessory
	if len(buttons) == 1 && textObj != nil {
		acc = slack.NewAccessory(buttons[0])
		buttons = nil
	}
	out = append(out, slack.NewSectionBlock(textObj, fields, acc, slack.SectionBlockOptionBlockID(fmt.Sprintf("section_%d", i))))
	if len(buttons) > 0 {
		out = append(out, slack.NewActionBlock(fmt.Sprintf("actions_%d", i), buttons...))
	}
	return out
}

// renderButtons makes button elements. Action IDs must be unique in a
// block: a repeated action gets a "#n" suffix that actionName removes. A
// link button gets a "url." action ID, which interactions ignore.
func renderButtons(section int, bs []bot.Button) []slack.BlockElement {
	var out []slack.BlockElement
	seen := map[string]int{}
	for j, b := range bs {
		if j == maxActions {
			break
		}
		id := b.Action
		if b.URL != "" {
			id = fmt.Sprintf("%s%d.%d", urlActionPrefix, section, j)
		}
		if n := seen[id]; n > 0 {
			id = fmt.Sprintf("%s%s%d", b.Action, actionIDSuffixOf, n)
		}
		seen[b.Action]++
		btn := slack.NewButtonBlockElement(id, clip(b.Value, maxButtonValue), slack.NewTextBlockObject(slack.PlainTextType, clip(b.Label, maxButtonText), true, false))
		if b.URL != "" {
			btn.URL = b.URL
			btn.Value = ""
		}
		switch b.Style {
		case bot.StylePrimary:
			btn.Style = slack.StylePrimary
		case bot.StyleDanger:
			btn.Style = slack.StyleDanger
		}
		out = append(out, btn)
	}
	return out
}

// actionName is the bot action a Block Kit action ID stands for.
func actionName(actionID string) string {
	name, _, _ := strings.Cut(actionID, actionIDSuffixOf)
	return name
}

// fallbackText is the notification text of a reply. Slack parses it as
// mrkdwn, so it is escaped like the blocks: what users typed (a subject,
// a company name) never becomes a mention or a link there either.
func fallbackText(r bot.Reply) string {
	if r.Text != "" {
		return mrkdwn(clip(r.Text, 3000))
	}
	for _, s := range r.Sections {
		if s.Title != "" {
			return escapeText(clip(s.Title, 3000))
		}
		if s.Text != "" {
			return mrkdwn(clip(s.Text, 3000))
		}
	}
	return "JayayaCRM"
}

func mdText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, clip(s, n), true, false)
}

// renderForm turns a form into a modal. Each input is an input block whose
// block ID and action ID are the input's name; Meta becomes the private
// metadata (the caller may wrap it, see formEnvelope).
func renderForm(f bot.Form) slack.ModalViewRequest {
	submit := f.Submit
	if submit == "" {
		submit = i18n.T(f.Lang, "crm.form.save")
	}
	m := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: f.ID, PrivateMetadata: f.Meta,
		Title: plain(f.Title, maxModalTitle), Submit: plain(submit, maxModalTitle), Close: plain(i18n.T(f.Lang, "adapters.slack.cancel"), maxModalTitle),
	}
	for _, in := range f.Inputs {
		var hint *slack.TextBlockObject
		if in.Hint != "" {
			hint = plain(in.Hint, maxInputLabel)
		}
		b := slack.NewInputBlock(in.Name, plain(in.Label, maxInputLabel), hint, inputElement(in))
		b.Optional = in.Optional
		m.Blocks.BlockSet = append(m.Blocks.BlockSet, b)
	}
	return m
}

// option renders a select option; a colour shows as its swatch emoji.
func option(o bot.Option) *slack.OptionBlockObject {
	label := o.Label
	if e := colorEmoji(o.Color); e != "" {
		label = e + " " + label
	}
	return slack.NewOptionBlockObject(clip(o.Value, maxOptionValue), plain(label, maxOptionText), nil)
}

// inputElement is the Block Kit element of one form input. Email and web
// addresses are plain text inputs so that the server's validation (which
// accepts "example.com") decides, with its message beside the field.
func inputElement(in bot.Input) slack.BlockElement {
	var ph *slack.TextBlockObject
	if in.Placeholder != "" {
		ph = plain(in.Placeholder, 150)
	}
	switch in.Kind {
	case bot.InputSelect, bot.InputMultiSelect:
		var opts []*slack.OptionBlockObject
		byValue := map[string]*slack.OptionBlockObject{}
		for i, o := range in.Options {
			if i == maxModalOptions {
				break
			}
			ob := option(o)
			opts = append(opts, ob)
			byValue[o.Value] = ob
		}
		if in.Kind == bot.InputSelect {
			el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, ph, in.Name, opts...)
			if ob := byValue[in.Value]; ob != nil {
				el.InitialOption = ob
			}
			return el
		}
		el := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, ph, in.Name, opts...)
		for _, v := range in.Values {
			if ob := byValue[v]; ob != nil {
				el.InitialOptions = append(el.InitialOptions, ob)
			}
		}
		return el
	case bot.InputDate:
		el := slack.NewDatePickerBlockElement(in.Name)
		el.InitialDate = in.Value
		return el
	case bot.InputTime:
		el := slack.NewTimePickerBlockElement(in.Name)
		el.InitialTime = in.Value
		return el
	case bot.InputNumber:
		el := slack.NewNumberInputBlockElement(ph, in.Name, false)
		el.InitialValue = in.Value
		return el
	}
	el := slack.NewPlainTextInputBlockElement(ph, in.Name)
	el.InitialValue = in.Value
	el.Multiline = in.Kind == bot.InputTextarea
	return el
}

// viewValues reads a submitted modal's state as the bot's form values:
// input name (the block ID) → what was typed or chosen.
func viewValues(state *slack.ViewState) map[string][]string {
	out := map[string][]string{}
	if state == nil {
		return out
	}
	for blockID, actions := range state.Values {
		for _, a := range actions {
			var vs []string
			switch {
			case len(a.SelectedOptions) > 0:
				for _, o := range a.SelectedOptions {
					vs = append(vs, o.Value)
				}
			case a.SelectedOption.Value != "":
				vs = []string{a.SelectedOption.Value}
			case a.SelectedDate != "":
				vs = []string{a.SelectedDate}
			case a.SelectedTime != "":
				vs = []string{a.SelectedTime}
			case a.Type == "multi_static_select" || a.Type == "static_select":
				vs = []string{}
			default:
				vs = []string{a.Value}
			}
			if out[blockID] == nil {
				out[blockID] = []string{}
			}
			out[blockID] = append(out[blockID], vs...)
		}
	}
	return out
}

// formEnvelope is the private metadata of a modal the adapter opened: the
// bot's Meta and the channel the user started from, where the outcome is
// told.
type formEnvelope struct {
	Channel string `json:"c,omitempty"`
	Meta    string `json:"m"`
}

// wrapMeta puts the bot's meta and the channel in private metadata.
func wrapMeta(channel, meta string) (string, error) {
	b, err := json.Marshal(formEnvelope{Channel: channel, Meta: meta})
	if err != nil {
		return "", err
	}
	if len(b) > maxPrivateMeta {
		return "", fmt.Errorf("form metadata too long (%d bytes)", len(b))
	}
	return string(b), nil
}

// unwrapMeta reads private metadata written by wrapMeta; anything else is
// taken as the bot's meta with no channel.
func unwrapMeta(s string) formEnvelope {
	var env formEnvelope
	if strings.HasPrefix(s, "{") && json.Unmarshal([]byte(s), &env) == nil {
		return env
	}
	return formEnvelope{Meta: s}
}

// ThreadURL links to a ticket's Slack thread, or "" before it has one:
// https://slack.com/archives/<channel>/p<ts without its dot>, which Slack
// opens in the user's workspace (no API call, so lists stay fast).
func ThreadURL(t *core.Ticket) string {
	if t == nil || t.SlackChannelID == nil || t.SlackThreadTS == nil || *t.SlackChannelID == "" || *t.SlackThreadTS == "" {
		return ""
	}
	return "https://slack.com/archives/" + *t.SlackChannelID + "/p" + strings.ReplaceAll(*t.SlackThreadTS, ".", "")
}
