package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Slack's limits on a response_url.
const (
	responseURLUses = 5
	responseURLLife = 30 * time.Minute
)

// newHookLocked issues a response_url for a command or interaction in
// channel, by user; messageTS is the message an interaction came from.
func (st *State) newHookLocked(kind, channel, user, messageTS string) string {
	id := randomHex(12)
	st.hooks[id] = &responseHook{kind: kind, channel: channel, user: user,
		messageTS: messageTS, issued: st.now()}
	return st.cfg.baseURL + "/hooks/response/" + id
}

// responseMessage is what the product POSTs to a response_url (slack-go's
// slack.Msg as JSON).
type responseMessage struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

func nonNull(raw json.RawMessage) json.RawMessage {
	if string(raw) == "null" {
		return nil
	}
	return raw
}

// serveResponseURL takes a response_url POST: it is recorded, and then shown
// as Slack would: ephemeral to the user, in the channel, or replacing or
// deleting the message an interaction came from. A URL works five times
// within thirty minutes.
func (s *Server) serveResponseURL(w http.ResponseWriter, hr *http.Request) {
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	var msg responseMessage
	if err != nil || json.Unmarshal(body, &msg) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	msg.Blocks, msg.Attachments = nonNull(msg.Blocks), nonNull(msg.Attachments)
	st := s.state
	status, answer := http.StatusOK, ""
	_ = st.update(func() error {
		h := st.hooks[hr.PathValue("hook")]
		switch {
		case h == nil:
			status, answer = http.StatusNotFound, "no_active_hooks"
			return nil
		case st.now().Sub(h.issued) > responseURLLife:
			status, answer = http.StatusNotFound, "expired_url"
		case h.uses >= responseURLUses:
			status, answer = http.StatusNotFound, "used_url"
		case checkContent(msg.Text, msg.Blocks, msg.Attachments, !msg.DeleteOriginal) != nil:
			status, answer = http.StatusBadRequest, "invalid_blocks"
		default:
			h.uses++
			st.showResponseLocked(h, msg)
		}
		st.responsePosts = append(st.responsePosts, ResponsePost{
			URL: st.cfg.baseURL + hr.URL.Path, Kind: h.kind, Channel: h.channel, User: h.user,
			Body: body, Text: msg.Text, Blocks: msg.Blocks, ResponseType: msg.ResponseType,
			ReplaceOriginal: msg.ReplaceOriginal, DeleteOriginal: msg.DeleteOriginal,
			Status: status, At: st.now()})
		return nil
	})
	if status != http.StatusOK {
		http.Error(w, answer, status)
		return
	}
	writeJSON(w, obj{"ok": true})
}

// showResponseLocked applies a response_url message to the workspace.
func (st *State) showResponseLocked(h *responseHook, msg responseMessage) {
	cs := st.channels[h.channel]
	var orig *Message
	if cs != nil && h.messageTS != "" {
		orig = cs.byTS[h.messageTS]
	}
	switch {
	case msg.DeleteOriginal && orig != nil:
		st.deleteMessageLocked(cs, orig)
	case msg.ReplaceOriginal && orig != nil:
		orig.Text, orig.Blocks, orig.Attachments = msg.Text, msg.Blocks, msg.Attachments
	case msg.ResponseType == "in_channel" && cs != nil:
		m := &Message{Channel: cs.info.ID, User: st.cfg.BotUserID, BotID: st.cfg.BotID,
			Text: msg.Text, Blocks: msg.Blocks, Attachments: msg.Attachments,
			TS: st.messageTSLocked(cs), Posted: st.now()}
		if msg.ThreadTS != "" {
			if root, err := cs.threadRoot(msg.ThreadTS); err == nil {
				m.ThreadTS = root
			}
		}
		cs.add(m)
	default:
		st.ephemerals = append(st.ephemerals, Ephemeral{Channel: h.channel, User: h.user,
			TS: st.nextTSLocked(), ThreadTS: msg.ThreadTS, Text: msg.Text, Blocks: msg.Blocks,
			Source: "response_url", At: st.now()})
	}
}
