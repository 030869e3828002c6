package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		if cv, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent); ok {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(cv.Challenge))
			return
		}
	}
	if err := a.onEvent(r.Context(), ev, body); err != nil {
		a.log.Error("event not stored; Slack will retry", "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Message subtypes that carry a new message to relay; every other subtype
// but message_changed and message_deleted is ignored.
var newMessageSubtypes = map[string]bool{"": true, "file_share": true, "thread_broadcast": true}

// onEvent handles one Events API callback. It returns only once whatever
// must not be lost is committed; an error makes Slack retry.
//
// Replies in ticket threads go to the relay, whichever channel holds the
// thread (routing spreads tickets over several; the relay finds a
// ticket by channel and thread, and a message by its channel and ts, a
// ts being unique only within its channel): new messages
// (Relay.Inbound), edits (Relay.Edit) and deletions (Relay.Delete). The
// bot's own posts (bot_id set, or the bot user) and subtypes the relay
// does not handle are dropped. Redeliveries change nothing: an event_id
// already handled is skipped, and the relay keys messages by channel and
// ts (Slack has been seen sending one message under several event_ids).
// Slow work (the ephemeral refusal) happens after the answer.
func (a *Adapter) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent, raw []byte) error {
	rs := a.relayState()
	if rs == nil || ev.Type != slackevents.CallbackEvent {
		return nil
	}
	msg, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || msg.Channel == "" {
		return nil
	}
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	eventID := ""
	if cb != nil {
		eventID = cb.EventID
		for _, au := range cb.Authorizations {
			if au.IsBot && au.UserID != "" {
				rs.setBotUser(au.UserID)
			}
		}
	}
	// A new message needs no event ID record: the relay keys messages by
	// channel and ts, and a refusal is explained once per channel and ts
	// (onMessageEvent). Edits and deletions do: a late redelivery of an
	// earlier edit must not undo a later one.
	track := eventID != "" && !newMessageSubtypes[msg.SubType]
	if track {
		seen, err := a.store.EventSeen(ctx, core.PlatformSlack, eventID)
		if err != nil {
			return err
		}
		if seen {
			a.log.Debug("event redelivered; ignored", "event", eventID)
			a.Metrics.Inbound(core.PlatformSlack, bot.InboundDuplicate)
			return nil
		}
	}
	if err := a.onMessageEvent(ctx, rs, msg, eventID); err != nil {
		return err
	}
	if track {
		if _, err := a.store.MarkEventSeen(ctx, core.PlatformSlack, eventID); err != nil {
			// What the event carried is committed; a redelivery is a
			// no-op through the message's channel and ts.
			a.log.Warn("could not record event ID", "event", eventID, "err", err)
		}
	}
	return nil
}

// fromBot reports whether a message is the product's own: posted by an
// app (bot_id), as a bot_message, or by the bot user.
func (rs *relayState) fromBot(m *slack.Msg) bool {
	if m == nil {
		return false
	}
	return m.BotID != "" || m.SubType == "bot_message" || (m.User != "" && m.User == rs.botUser())
}

// onMessageEvent sorts a staff-channel message event (eventID may be "").
func (a *Adapter) onMessageEvent(ctx context.Context, rs *relayState, msg *slackevents.MessageEvent, eventID string) error {
	switch {
	case msg.SubType == "message_changed":
		m := msg.Message
		if m == nil || rs.fromBot(m) || m.Timestamp == "" {
			return nil
		}
		res, err := rs.relay.Edit(ctx, bot.InboundEdit{Platform: core.PlatformSlack, ChannelID: msg.Channel, SourceID: m.Timestamp, Text: m.Text})
		a.Metrics.InboundOutcome(core.PlatformSlack, res.Outcome)
		if err == nil && res.Outcome == bot.Stored {
			a.log.Debug("edit relayed", "ticket", res.Ticket.Number, "message", res.Message.ID)
		}
		return err
	case msg.SubType == "message_deleted":
		if rs.fromBot(msg.PreviousMessage) || msg.DeletedTimeStamp == "" {
			return nil
		}
		res, err := rs.relay.Delete(ctx, core.PlatformSlack, msg.Channel, msg.DeletedTimeStamp)
		a.Metrics.InboundOutcome(core.PlatformSlack, res.Outcome)
		return err
	case !newMessageSubtypes[msg.SubType]:
		return nil
	}
	if msg.BotID != "" || rs.fromBot(msg.Message) || msg.User == "" || msg.User == rs.botUser() {
		return nil
	}
	if msg.ThreadTimeStamp == "" || msg.ThreadTimeStamp == msg.TimeStamp {
		return nil // a top-level message, not a reply in a ticket thread
	}
	in := bot.InboundMessage{
		Platform: core.PlatformSlack, SourceID: msg.TimeStamp, ChannelID: msg.Channel, ThreadID: msg.ThreadTimeStamp,
		AuthorPlatformID: msg.User, Text: msg.Text,
	}
	if msg.Message != nil {
		in.Attachments = a.attachments(msg.Message.Files)
	}
	res, err := rs.relay.Inbound(ctx, in)
	if err != nil {
		return err
	}
	a.Metrics.InboundOutcome(core.PlatformSlack, res.Outcome)
	switch res.Outcome {
	case bot.Refused:
		// Explained once per message, whichever event carried it (Slack
		// retries an event under its event_id, and has been seen sending
		// one message under several).
		key := "refused:" + msg.Channel + ":" + msg.TimeStamp
		again, err := a.store.MarkEventSeen(ctx, core.PlatformSlack, key)
		if err == nil && again {
			a.log.Debug("refused reply redelivered; already explained", "event", eventID, "ts", msg.TimeStamp)
			return nil
		}
		if err != nil {
			a.log.Warn("could not record the refusal", "ts", msg.TimeStamp, "err", err)
		}
		a.log.Info("reply not relayed", "user", msg.User, "ticket", res.Ticket.Number)
		a.explain(msg.Channel, msg.User, msg.ThreadTimeStamp, i18n.For(rs.relay.ReaderLocale(res.User, core.PlatformSlack, "")).Msg(res.Reason))
	case bot.Stored:
		a.log.Debug("reply stored", "ticket", res.Ticket.Number, "message", res.Message.ID, "note", res.Note)
	}
	return nil
}

// explain tells a Slack user, in an ephemeral message in the thread, why
// their reply was not relayed. It runs after the event is answered.
func (a *Adapter) explain(channel, user, threadTS, reason string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if _, err := a.api.PostEphemeralContext(ctx, channel, user,
			slack.MsgOptionText(escapeText(reason), false), slack.MsgOptionTS(threadTS)); err != nil {
			a.log.Warn("could not explain a refused reply", "user", user, "err", err)
		}
	}()
}
