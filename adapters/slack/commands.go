package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// workingText is the catalog ID of the immediate answer when the bot
// needs longer than AnswerWithin; the real answer follows through
// response_url.
const workingText = "adapters.slack.working"

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	v, err := formValues(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := slack.SlashCommand{
		TeamID: v.Get("team_id"), ChannelID: v.Get("channel_id"), UserID: v.Get("user_id"), UserName: v.Get("user_name"),
		Command: v.Get("command"), Text: v.Get("text"), ResponseURL: v.Get("response_url"), TriggerID: v.Get("trigger_id"),
	}
	writeJSON(w, a.onCommand(r.Context(), cmd))
}

// onCommand answers a slash command; the result is the immediate response
// body (nil for an empty 200). It is transport-free: the HTTP endpoint and
// Socket Mode both call it. When the bot takes longer than AnswerWithin,
// it answers "working on it" at once and the real answer goes to the
// command's response_url when ready.
func (a *Adapter) onCommand(ctx context.Context, cmd slack.SlashCommand) any {
	ctx = context.WithoutCancel(ctx)
	actor := bot.Actor{Platform: core.PlatformSlack, UserID: cmd.UserID, ChannelID: cmd.ChannelID}
	rep, ok := a.within(func() bot.Reply { return a.ui.Command(ctx, actor, cmd.Text) }, func(rep bot.Reply) {
		a.deliverLate(ctx, actor, cmd.TriggerID, cmd.ResponseURL, rep)
	})
	if !ok {
		a.log.Info("slow command answered later", "user", cmd.UserID)
		return ephemeral(i18n.T(a.ui.LocaleOf(ctx, actor), workingText))
	}
	if rep.Form != nil {
		if err := a.openForm(ctx, cmd.TriggerID, cmd.ChannelID, *rep.Form); err != nil {
			return ephemeral(i18n.T(rep.Form.Lang, "adapters.slack.form_failed"))
		}
		return nil
	}
	if isEmpty(rep) {
		return nil
	}
	return replyMsg(rep)
}

// within runs fn and waits for it up to AnswerWithin. When fn is slower,
// it returns ok false at once and later hands fn's result to late.
func (a *Adapter) within(fn func() bot.Reply, late func(bot.Reply)) (rep bot.Reply, ok bool) {
	done := make(chan bot.Reply, 1)
	go func() { done <- fn() }()
	timer := time.NewTimer(a.AnswerWithin)
	defer timer.Stop()
	select {
	case rep := <-done:
		return rep, true
	case <-timer.C:
		go func() { late(<-done) }()
		return bot.Reply{}, false
	}
}

// deliverLate sends an answer that missed the immediate response: a form
// is opened if the trigger still works, anything else goes to response_url.
func (a *Adapter) deliverLate(ctx context.Context, actor bot.Actor, triggerID, responseURL string, rep bot.Reply) {
	if rep.Form != nil {
		if err := a.openForm(ctx, triggerID, actor.ChannelID, *rep.Form); err == nil {
			return
		}
		rep = bot.Reply{Text: i18n.T(rep.Form.Lang, "adapters.slack.form_late"), Lang: rep.Form.Lang}
	}
	if isEmpty(rep) {
		return
	}
	if err := a.respond(ctx, responseURL, rep); err != nil {
		a.log.Warn("late answer not delivered", "user", actor.UserID, "err", err)
	}
}

// isEmpty reports a reply with nothing to show.
func isEmpty(r bot.Reply) bool { return r.Text == "" && len(r.Sections) == 0 && r.Form == nil }

// message is the body of an immediate answer or a response_url post: only
// the fields Slack reads there.
type message struct {
	ResponseType    string        `json:"response_type"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

// ephemeral is a plain answer only the user sees.
func ephemeral(text string) message {
	return message{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}

// replyMsg is a reply as a response body or response_url message.
func replyMsg(r bot.Reply) message {
	m := message{ResponseType: slack.ResponseTypeEphemeral, Text: fallbackText(r), ReplaceOriginal: r.ReplaceOriginal, Blocks: renderReply(r)}
	if r.Public {
		m.ResponseType = slack.ResponseTypeInChannel
	}
	return m
}

// respond posts a reply to a response_url. The URL is a credential (it
// lets anyone answer in the channel for half an hour), so an error quoting
// it (a network failure) has it cut down to its origin.
func (a *Adapter) respond(ctx context.Context, responseURL string, r bot.Reply) error {
	m := replyMsg(r)
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, &slack.WebhookMessage{
		Text: m.Text, Blocks: &slack.Blocks{BlockSet: m.Blocks}, ResponseType: m.ResponseType, ReplaceOriginal: m.ReplaceOriginal,
	})
	if responseURL == "" {
		return err
	}
	return bot.Redact(err, func(s string) string { return strings.ReplaceAll(s, responseURL, originOf(responseURL)+"/…") })
}

// originOf is the scheme and host of a URL, "" when it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// openForm opens a form as a modal with a trigger_id (valid 3 seconds),
// remembering the channel to tell the outcome in.
func (a *Adapter) openForm(ctx context.Context, triggerID, channel string, f bot.Form) error {
	view := renderForm(f)
	meta, err := wrapMeta(channel, f.Meta)
	if err != nil {
		a.log.Error("form not opened", "form", f.ID, "err", err)
		return err
	}
	view.PrivateMetadata = meta
	if _, err := a.api.OpenViewContext(ctx, triggerID, view); err != nil {
		a.log.Warn("views.open failed", "form", f.ID, "err", err)
		return err
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	if v == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
