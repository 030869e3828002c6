package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// Command is a slash command a user types in a channel.
type Command struct {
	UserID    string
	ChannelID string
	Command   string // e.g. "/crm"
	Text      string
}

// Command delivers a slash command with a fresh trigger_id and a response_url
// pointing back at the fake. The Delivery carries both.
func (snd *Sender) Command(ctx context.Context, c Command, opts ...SendOption) (*Delivery, error) {
	st := snd.srv.state
	cfg := st.cfg
	var form url.Values
	var trig, hook string
	err := st.update(func() error {
		u, cs, err := st.actorLocked(c.UserID, c.ChannelID)
		if err != nil {
			return err
		}
		trig = st.issueTriggerLocked(u.ID, "")
		hook = st.newHookLocked("command", cs.info.ID, u.ID, "")
		name := cs.info.Name
		switch {
		case cs.info.IsIM:
			name = "directmessage"
		case cs.info.IsMPIM:
			name = "privategroup"
		}
		form = url.Values{
			"token": {cfg.VerificationToken}, "team_id": {cfg.TeamID}, "team_domain": {cfg.TeamDomain},
			"channel_id": {cs.info.ID}, "channel_name": {name}, "user_id": {u.ID}, "user_name": {u.Name},
			"command": {c.Command}, "text": {c.Text}, "api_app_id": {cfg.AppID},
			"is_enterprise_install": {"false"}, "response_url": {hook}, "trigger_id": {trig},
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d, err := snd.deliver(ctx, callback{kind: "command", form: form}, opts)
	if d != nil {
		d.TriggerID, d.ResponseURL = trig, hook
	}
	return d, err
}

// actorLocked finds the user acting and, unless channel is "", where.
func (st *State) actorLocked(user, channel string) (*User, *channelState, error) {
	u := st.users[user]
	if u == nil {
		return nil, nil, fmt.Errorf("slacktest: unknown user %q", user)
	}
	if channel == "" {
		return u, nil, nil
	}
	cs := st.channels[channel]
	if cs == nil {
		return nil, nil, fmt.Errorf("slacktest: unknown channel %q", channel)
	}
	return u, cs, nil
}

func (st *State) wireActor(u *User) obj {
	return obj{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": st.cfg.TeamID}
}

// interactionBase holds the fields every interaction payload has.
func (st *State) interactionBase(kind string, u *User, trig string) obj {
	return obj{
		"type": kind, "user": st.wireActor(u), "api_app_id": st.cfg.AppID,
		"token": st.cfg.VerificationToken, "trigger_id": trig,
		"team":       obj{"id": st.cfg.TeamID, "domain": st.cfg.TeamDomain},
		"enterprise": nil, "is_enterprise_install": false,
	}
}

// BlockAction is a click on an interactive element: in a message
// (ChannelID and MessageTS) or in an open view (ViewID).
type BlockAction struct {
	UserID    string
	ChannelID string
	MessageTS string
	ViewID    string
	ActionID  string
	BlockID   string // slack-go needs it to see a block action at all
	Value     string
	Type      string          // "button" when empty
	Action    json.RawMessage // replaces the whole action object when set
}

// BlockAction delivers a block_actions interaction with a fresh trigger_id
// and, for a message, a response_url that can replace or delete it.
func (snd *Sender) BlockAction(ctx context.Context, a BlockAction, opts ...SendOption) (*Delivery, error) {
	st := snd.srv.state
	var payload json.RawMessage
	var trig, hook string
	err := st.update(func() error {
		u, cs, err := st.actorLocked(a.UserID, a.ChannelID)
		if err != nil {
			return err
		}
		action := a.Action
		if action == nil {
			typ := a.Type
			if typ == "" {
				typ = "button"
			}
			action = mustJSON(obj{"action_id": a.ActionID, "block_id": a.BlockID, "type": typ,
				"value": a.Value, "action_ts": st.nextTSLocked(),
				"text": obj{"type": "plain_text", "text": a.Value, "emoji": true}})
		}
		var p obj
		switch {
		case a.ViewID != "":
			v := st.views[a.ViewID]
			if v == nil || v.Closed {
				return fmt.Errorf("slacktest: no open view %q", a.ViewID)
			}
			trig = st.issueTriggerLocked(u.ID, v.ID)
			p = st.interactionBase("block_actions", u, trig)
			p["container"] = obj{"type": "view", "view_id": v.ID}
			p["view"] = st.wireViewLocked(v, nil)
		case cs != nil:
			m := cs.byTS[a.MessageTS]
			if m == nil {
				return fmt.Errorf("slacktest: no message %s in %s", a.MessageTS, cs.info.ID)
			}
			trig = st.issueTriggerLocked(u.ID, "")
			hook = st.newHookLocked("interaction", cs.info.ID, u.ID, m.TS)
			p = st.interactionBase("block_actions", u, trig)
			p["container"] = obj{"type": "message", "message_ts": m.TS, "channel_id": cs.info.ID,
				"is_ephemeral": false, "thread_ts": m.ThreadTS}
			p["channel"] = obj{"id": cs.info.ID, "name": cs.info.Name}
			p["message"] = st.wireMessageLocked(cs, m)
			p["response_url"] = hook
		default:
			return fmt.Errorf("slacktest: a block action needs ChannelID and MessageTS, or ViewID")
		}
		p["actions"] = []json.RawMessage{action}
		p["state"] = obj{"values": obj{}}
		payload = mustJSON(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d, err := snd.deliver(ctx, callback{kind: "interaction", json: payload}, opts)
	if d != nil {
		d.TriggerID, d.ResponseURL = trig, hook
	}
	return d, err
}

// ViewSubmission is a user pressing a modal's submit button.
type ViewSubmission struct {
	ViewID string
	UserID string // the view's user when empty
	// Values are the inputs, by block_id then action_id.
	Values map[string]map[string]InputValue
}

// InputValue is what one input element holds when a view is submitted. Set
// the field that matches Type.
type InputValue struct {
	Type                 string // "plain_text_input" when empty
	Value                string // plain_text_input, number_input, email/url inputs
	SelectedOption       string // static_select / radio_buttons: the option's value
	SelectedOptions      []string
	SelectedUser         string
	SelectedConversation string
	SelectedChannel      string
	SelectedDate         string // "2024-01-31"
	SelectedTime         string // "14:30"
}

func (v InputValue) wire() obj {
	option := func(val string) obj {
		return obj{"text": obj{"type": "plain_text", "text": val}, "value": val}
	}
	w := obj{"type": v.Type}
	switch {
	case v.Type == "" || v.Value != "":
		if v.Type == "" {
			w["type"] = "plain_text_input"
		}
		w["value"] = v.Value
	case v.SelectedOption != "":
		w["selected_option"] = option(v.SelectedOption)
	case v.SelectedOptions != nil:
		var opts []obj
		for _, o := range v.SelectedOptions {
			opts = append(opts, option(o))
		}
		w["selected_options"] = opts
	}
	for k, s := range map[string]string{"selected_user": v.SelectedUser,
		"selected_conversation": v.SelectedConversation, "selected_channel": v.SelectedChannel,
		"selected_date": v.SelectedDate, "selected_time": v.SelectedTime} {
		if s != "" {
			w[k] = s
		}
	}
	return w
}

// SubmitView delivers a view_submission for an open view. When the product
// answers (2xx), the fake does what Slack would: close the view, keep it
// with errors, update it, push another, or clear the stack.
func (snd *Sender) SubmitView(ctx context.Context, vs ViewSubmission, opts ...SendOption) (*Delivery, error) {
	st := snd.srv.state
	var payload json.RawMessage
	var trig string
	err := st.update(func() error {
		v := st.views[vs.ViewID]
		if v == nil || v.Closed {
			return fmt.Errorf("slacktest: no open view %q", vs.ViewID)
		}
		user := vs.UserID
		if user == "" {
			user = v.UserID
		}
		u, _, err := st.actorLocked(user, "")
		if err != nil {
			return err
		}
		values := obj{}
		for block, actions := range vs.Values {
			as := obj{}
			for action, val := range actions {
				as[action] = val.wire()
			}
			values[block] = as
		}
		trig = st.issueTriggerLocked(u.ID, v.ID)
		p := st.interactionBase("view_submission", u, trig)
		p["view"] = st.wireViewLocked(v, mustJSON(obj{"values": values}))
		p["response_urls"] = []obj{}
		payload = mustJSON(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d, err := snd.deliver(ctx, callback{kind: "interaction", json: payload}, opts)
	if err != nil {
		return nil, err
	}
	d.TriggerID = trig
	if d.OK() {
		_ = st.update(func() error {
			if v := st.views[vs.ViewID]; v != nil {
				st.applyViewResponseLocked(v, d.Body)
			}
			return nil
		})
	}
	return d, nil
}

// Interaction delivers any interaction payload as it is, for shapes the
// helpers above do not build (shortcuts, view_closed, …).
func (snd *Sender) Interaction(ctx context.Context, payload json.RawMessage, opts ...SendOption) (*Delivery, error) {
	return snd.deliver(ctx, callback{kind: "interaction", json: payload}, opts)
}
