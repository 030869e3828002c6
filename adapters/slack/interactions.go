package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	v, err := formValues(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(v.Get("payload")), &cb); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	writeJSON(w, a.onInteraction(r.Context(), cb))
}

// onInteraction answers a button press or a modal submission; the result
// is the immediate response body (nil for an empty 200). It is
// transport-free (HTTP and Socket Mode call it) and generic: every block
// action goes to Interactive.Action (ticket.*, task.*, company.* …), every
// view submission to Interactive.Submit; the bot checks who may do what.
func (a *Adapter) onInteraction(ctx context.Context, cb slack.InteractionCallback) any {
	ctx = context.WithoutCancel(ctx)
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		a.onBlockActions(ctx, cb)
		return nil
	case slack.InteractionTypeViewSubmission:
		return a.onViewSubmission(ctx, cb)
	}
	return nil
}

// interactionActor is who acted, and where.
func interactionActor(cb slack.InteractionCallback) bot.Actor {
	actor := bot.Actor{Platform: core.PlatformSlack, UserID: cb.User.ID, ChannelID: cb.Channel.ID, ThreadID: cb.Container.ThreadTs}
	if actor.ChannelID == "" {
		actor.ChannelID = cb.Container.ChannelID
	}
	if actor.ThreadID == "" {
		actor.ThreadID = cb.Message.ThreadTimestamp
	}
	if actor.ChannelID == "" && cb.View.PrivateMetadata != "" {
		actor.ChannelID = unwrapMeta(cb.View.PrivateMetadata).Channel
	}
	return actor
}

// onBlockActions hands each pressed button to the bot and shows its reply:
// a form opens as a modal (trigger_id), anything else goes to the
// response_url (replacing the message when asked), or as a DM for buttons
// inside a modal. Link buttons need nothing.
func (a *Adapter) onBlockActions(ctx context.Context, cb slack.InteractionCallback) {
	actor := interactionActor(cb)
	for _, act := range cb.ActionCallback.BlockActions {
		if act == nil || strings.HasPrefix(act.ActionID, urlActionPrefix) {
			continue
		}
		name, value := actionName(act.ActionID), act.Value
		if value == "" && act.SelectedOption.Value != "" {
			value = act.SelectedOption.Value
		}
		show := func(rep bot.Reply) { a.showActionReply(ctx, actor, cb, rep) }
		rep, ok := a.within(func() bot.Reply { return a.ui.Action(ctx, actor, name, value) }, show)
		if !ok {
			a.log.Info("slow button answered later", "action", name, "user", actor.UserID)
			continue
		}
		show(rep)
	}
}

// showActionReply delivers a button's reply.
func (a *Adapter) showActionReply(ctx context.Context, actor bot.Actor, cb slack.InteractionCallback, rep bot.Reply) {
	if rep.Form != nil {
		err := a.openForm(ctx, cb.TriggerID, actor.ChannelID, *rep.Form)
		if err == nil {
			return
		}
		rep = bot.Reply{Text: i18n.T(rep.Form.Lang, "adapters.slack.form_failed"), Lang: rep.Form.Lang}
	}
	if isEmpty(rep) {
		return
	}
	if cb.ResponseURL != "" {
		if err := a.respond(ctx, cb.ResponseURL, rep); err != nil {
			a.log.Warn("button answer not delivered", "user", actor.UserID, "err", err)
		}
		return
	}
	a.tell(ctx, actor.UserID, actor.ChannelID, rep)
}

// onViewSubmission hands a submitted modal to the bot. Errors are shown
// beside their inputs (response_action errors, keyed by block ID = input
// name); otherwise the modal closes and the outcome is told in the channel
// the user started from (ephemeral unless public), or by DM.
func (a *Adapter) onViewSubmission(ctx context.Context, cb slack.InteractionCallback) any {
	env := unwrapMeta(cb.View.PrivateMetadata)
	actor := bot.Actor{Platform: core.PlatformSlack, UserID: cb.User.ID, ChannelID: env.Channel}
	values := viewValues(cb.View.State)
	var res bot.FormResult
	_, ok := a.within(func() bot.Reply {
		res = a.ui.Submit(ctx, actor, cb.View.CallbackID, env.Meta, values)
		return bot.Reply{}
	}, func(bot.Reply) {
		// Too slow for errors beside the fields: the modal has closed, so
		// say what went wrong instead.
		if len(res.Errors) > 0 {
			lang := a.ui.LocaleOf(ctx, actor)
			a.tell(ctx, actor.UserID, env.Channel, bot.Reply{Text: i18n.T(lang, "adapters.slack.not_saved", i18n.Args{"Errors": joinErrors(res.Errors)}), Lang: lang})
			return
		}
		if res.Reply != nil {
			a.tell(ctx, actor.UserID, env.Channel, *res.Reply)
		}
	})
	if !ok {
		a.log.Info("slow form answered later", "form", cb.View.CallbackID, "user", actor.UserID)
		return nil
	}
	if len(res.Errors) > 0 {
		return slack.NewErrorsViewSubmissionResponse(res.Errors)
	}
	if res.Reply != nil && !isEmpty(*res.Reply) {
		rep := *res.Reply
		go a.tell(ctx, actor.UserID, env.Channel, rep)
	}
	return nil
}

func joinErrors(errs map[string]string) string {
	var out []string
	for _, m := range errs {
		out = append(out, m)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// tell shows a reply to a user outside a response_url: in channel (public
// replies for everyone, others ephemeral), falling back to a DM when the
// channel is unknown or refuses (the bot is not in it).
func (a *Adapter) tell(ctx context.Context, userID, channel string, rep bot.Reply) {
	opts := []slack.MsgOption{slack.MsgOptionText(fallbackText(rep), false), slack.MsgOptionBlocks(renderReply(rep)...)}
	if channel != "" {
		var err error
		if rep.Public {
			_, _, err = a.api.PostMessageContext(ctx, channel, opts...)
		} else {
			_, err = a.api.PostEphemeralContext(ctx, channel, userID, opts...)
		}
		if err == nil {
			return
		}
		a.log.Info("could not answer in channel; sending a DM", "channel", channel, "err", err)
	}
	if _, _, err := a.api.PostMessageContext(ctx, userID, opts...); err != nil {
		a.log.Warn("answer not delivered", "user", userID, "err", err)
	}
}
