package slacktest

import (
	"context"
	"encoding/json"
	"time"
)

// EventCallback is one Events API delivery: an inner event (such as a
// "message") and the ID and time Slack gives it.
type EventCallback struct {
	EventID   string          // "Ev…", Slack's key for deduplication
	EventTime time.Time       // sent as event_time, in seconds
	Event     json.RawMessage // the inner event, e.g. {"type":"message",…}
}

// NewEvent wraps an inner event (a struct, a map or raw JSON) with a fresh
// event_id.
func (s *Server) NewEvent(inner any) *EventCallback {
	raw, ok := inner.(json.RawMessage)
	if !ok {
		raw = mustJSON(inner)
	}
	var id string
	_ = s.state.update(func() error {
		id = s.state.newIDLocked("Ev")
		return nil
	})
	return &EventCallback{EventID: id, EventTime: s.Now(), Event: raw}
}

// Reissue returns the same inner event under a new event_id, as Slack
// sometimes sends one message twice.
func (s *Server) Reissue(ev *EventCallback) *EventCallback { return s.NewEvent(ev.Event) }

// envelopeJSON is the event_callback body Slack POSTs.
func (s *Server) envelopeJSON(ev *EventCallback) json.RawMessage {
	return mustJSON(obj{
		"token": s.cfg.VerificationToken, "team_id": s.cfg.TeamID, "api_app_id": s.cfg.AppID,
		"event": ev.Event, "type": "event_callback", "event_id": ev.EventID,
		"event_time": ev.EventTime.Unix(), "event_context": "4-" + randomHex(12),
		"is_ext_shared_channel": false,
		"authorizations": []obj{{"enterprise_id": nil, "team_id": s.cfg.TeamID,
			"user_id": s.cfg.BotUserID, "is_bot": true, "is_enterprise_install": false}},
	})
}

// Event delivers an Events API callback. The fake never retries by itself:
// send the same *EventCallback again (with Retry) to redeliver it under the
// same event_id, or Server.Reissue it for a new one.
func (snd *Sender) Event(ctx context.Context, ev *EventCallback, opts ...SendOption) (*Delivery, error) {
	d, err := snd.deliver(ctx, callback{kind: "event", json: snd.srv.envelopeJSON(ev)}, opts)
	if d != nil {
		d.Event = ev
	}
	return d, err
}

// URLVerification sends the url_verification handshake; the product must
// answer with the challenge. HTTP only.
func (snd *Sender) URLVerification(ctx context.Context, challenge string, opts ...SendOption) (*Delivery, error) {
	if snd.socket {
		return nil, ErrNotOverSocket
	}
	body := mustJSON(obj{"token": snd.srv.cfg.VerificationToken, "challenge": challenge, "type": "url_verification"})
	return snd.deliver(ctx, callback{kind: "event", json: body}, opts)
}

// PostAsUser stores a message typed by a user and delivers its "message"
// event (a thread reply when p.ThreadTS is set).
func (snd *Sender) PostAsUser(ctx context.Context, p UserPost, opts ...SendOption) (Message, *Delivery, error) {
	m, inner, err := snd.srv.state.postAsUser(p)
	if err != nil {
		return m, nil, err
	}
	d, err := snd.Event(ctx, snd.srv.NewEvent(inner), opts...)
	return m, d, err
}

// EditAsUser changes a user's message and delivers the message_changed event.
func (snd *Sender) EditAsUser(ctx context.Context, channel, ts, text string, opts ...SendOption) (*Delivery, error) {
	_, inner, err := snd.srv.state.editAsUser(channel, ts, text)
	if err != nil {
		return nil, err
	}
	return snd.Event(ctx, snd.srv.NewEvent(inner), opts...)
}

// DeleteAsUser deletes a user's message and delivers the message_deleted
// event.
func (snd *Sender) DeleteAsUser(ctx context.Context, channel, ts string, opts ...SendOption) (*Delivery, error) {
	inner, err := snd.srv.state.deleteAsUser(channel, ts)
	if err != nil {
		return nil, err
	}
	return snd.Event(ctx, snd.srv.NewEvent(inner), opts...)
}

// MessageEvent delivers the "message" event for a stored message, e.g. the
// echo Slack sends of the product's own post (with bot_id set).
func (snd *Sender) MessageEvent(ctx context.Context, channel, ts string, opts ...SendOption) (*Delivery, error) {
	st := snd.srv.state
	var inner json.RawMessage
	var err error
	st.read(func() {
		var cs *channelState
		if cs, err = st.channelLocked(channel); err != nil {
			return
		}
		m := cs.byTS[ts]
		if m == nil {
			err = slackError("message_not_found")
			return
		}
		inner = mustJSON(st.messageEventLocked(cs, m))
	})
	if err != nil {
		return nil, err
	}
	return snd.Event(ctx, snd.srv.NewEvent(inner), opts...)
}
