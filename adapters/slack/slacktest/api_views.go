package slacktest

import (
	"encoding/json"
	"fmt"
)

// Slack's limits on modals.
const (
	maxViewBytes = 250 << 10
	maxViewStack = 3
)

// takeTriggerLocked spends a trigger_id: it must have been issued by the
// fake, not used before, and be younger than Config.TriggerTTL.
func (st *State) takeTriggerLocked(id string) (*trigger, error) {
	t := st.triggers[id]
	switch {
	case t == nil:
		return nil, slackError("invalid_arguments")
	case t.used:
		return nil, slackError("exchanged_trigger_id")
	case st.now().Sub(t.issued) > st.cfg.TriggerTTL:
		return nil, slackError("expired_trigger_id")
	}
	t.used = true
	return t, nil
}

// viewFields are the parts of a view the fake looks at.
type viewFields struct {
	Type            string            `json:"type"`
	CallbackID      string            `json:"callback_id"`
	PrivateMetadata string            `json:"private_metadata"`
	ExternalID      string            `json:"external_id"`
	Blocks          []json.RawMessage `json:"blocks"`
}

func parseView(raw json.RawMessage) (viewFields, error) {
	var f viewFields
	if len(raw) > maxViewBytes {
		return f, slackError("view_too_large")
	}
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || f.Type != "modal" || len(f.Blocks) > 100 {
		return f, slackError("invalid_arguments")
	}
	return f, nil
}

func (st *State) newHashLocked() string {
	return fmt.Sprintf("%d.%s", st.now().Unix(), randomHex(4))
}

// setViewLocked gives v the content of raw.
func (st *State) setViewLocked(v *View, raw json.RawMessage) error {
	f, err := parseView(raw)
	if err != nil {
		return err
	}
	if f.ExternalID != "" && f.ExternalID != v.ExternalID {
		for _, o := range st.views {
			if o.ExternalID == f.ExternalID && o != v {
				return slackError("duplicate_external_id")
			}
		}
	}
	v.Type, v.CallbackID, v.PrivateMetadata, v.ExternalID = f.Type, f.CallbackID, f.PrivateMetadata, f.ExternalID
	v.JSON = append(json.RawMessage(nil), raw...)
	v.Hash = st.newHashLocked()
	return nil
}

// newViewLocked opens a view on user's screen; root and prev are empty for
// a new stack.
func (st *State) newViewLocked(raw json.RawMessage, user, triggerID, root, prev string) (*View, error) {
	v := &View{ID: st.newIDLocked("V"), UserID: user, TriggerID: triggerID, RootViewID: root, PreviousViewID: prev}
	if err := st.setViewLocked(v, raw); err != nil {
		return nil, err
	}
	if v.RootViewID == "" {
		v.RootViewID = v.ID
	}
	st.views[v.ID] = v
	st.viewOrder = append(st.viewOrder, v.ID)
	return v, nil
}

// wireViewLocked renders v as views.* answers and view payloads show it:
// the product's view plus Slack's fields. state is its state.values, or nil.
func (st *State) wireViewLocked(v *View, state json.RawMessage) map[string]json.RawMessage {
	w := map[string]json.RawMessage{}
	_ = json.Unmarshal(v.JSON, &w)
	if state == nil {
		state = json.RawMessage(`{"values":{}}`)
	}
	var prev any
	if v.PreviousViewID != "" {
		prev = v.PreviousViewID
	}
	for k, val := range map[string]any{
		"id": v.ID, "team_id": st.cfg.TeamID, "app_id": st.cfg.AppID, "bot_id": st.cfg.BotID,
		"app_installed_team_id": st.cfg.TeamID, "hash": v.Hash, "root_view_id": v.RootViewID,
		"previous_view_id": prev, "callback_id": v.CallbackID, "private_metadata": v.PrivateMetadata,
		"external_id": v.ExternalID, "state": state,
	} {
		w[k] = mustJSON(val)
	}
	return w
}

// views.open: a modal, for a fresh trigger_id.
func (s *Server) viewsOpen(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	err := st.update(func() error {
		t, err := st.takeTriggerLocked(r.str("trigger_id"))
		if err != nil {
			return err
		}
		v, err := st.newViewLocked(r.raw("view"), t.user, t.id, "", "")
		if err != nil {
			return err
		}
		out = obj{"view": st.wireViewLocked(v, nil)}
		return nil
	})
	return out, err
}

// views.update: replaces an open view, found by view_id or external_id; a
// hash that is not the current one answers hash_conflict.
func (s *Server) viewsUpdate(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	err := st.update(func() error {
		var v *View
		if id := r.str("view_id"); id != "" {
			v = st.views[id]
		} else if ext := r.str("external_id"); ext != "" {
			for _, o := range st.views {
				if o.ExternalID == ext {
					v = o
				}
			}
		}
		if v == nil || v.Closed {
			return slackError("not_found")
		}
		if h := r.str("hash"); h != "" && h != v.Hash {
			return slackError("hash_conflict")
		}
		if err := st.setViewLocked(v, r.raw("view")); err != nil {
			return err
		}
		v.Updates++
		out = obj{"view": st.wireViewLocked(v, nil)}
		return nil
	})
	return out, err
}

// views.push: a view on top of the stack the trigger came from (or the
// user's latest open one), at most three deep.
func (s *Server) viewsPush(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	err := st.update(func() error {
		t, err := st.takeTriggerLocked(r.str("trigger_id"))
		if err != nil {
			return err
		}
		top := st.views[t.viewID]
		if top == nil || top.Closed {
			top = st.topViewLocked(t.user)
		}
		if top == nil {
			return slackError("invalid_arguments")
		}
		v, err := st.pushViewLocked(top, r.raw("view"), t.id)
		if err != nil {
			return err
		}
		out = obj{"view": st.wireViewLocked(v, nil)}
		return nil
	})
	return out, err
}

func (st *State) pushViewLocked(on *View, raw json.RawMessage, triggerID string) (*View, error) {
	depth := 0
	for _, o := range st.views {
		if o.RootViewID == on.RootViewID && !o.Closed {
			depth++
		}
	}
	if depth >= maxViewStack {
		return nil, slackError("push_limit_reached")
	}
	return st.newViewLocked(raw, on.UserID, triggerID, on.RootViewID, on.ID)
}

// topViewLocked is the newest open view on user's screen.
func (st *State) topViewLocked(user string) *View {
	for i := len(st.viewOrder) - 1; i >= 0; i-- {
		if v := st.views[st.viewOrder[i]]; v.UserID == user && !v.Closed {
			return v
		}
	}
	return nil
}

// applyViewResponseLocked does what Slack does with the product's answer to
// a view_submission: close the view (empty answer), keep it open (errors),
// replace it (update), stack another (push) or close them all (clear).
func (st *State) applyViewResponseLocked(v *View, body []byte) {
	var resp struct {
		ResponseAction string          `json:"response_action"`
		View           json.RawMessage `json:"view"`
	}
	_ = json.Unmarshal(body, &resp)
	switch resp.ResponseAction {
	case "errors":
	case "update":
		if st.setViewLocked(v, resp.View) == nil {
			v.Updates++
		}
	case "push":
		_, _ = st.pushViewLocked(v, resp.View, "")
	case "clear":
		for _, o := range st.views {
			if o.RootViewID == v.RootViewID {
				o.Closed = true
			}
		}
	default:
		v.Closed = true
	}
}
