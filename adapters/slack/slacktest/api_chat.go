package slacktest

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// Slack's limits on message content.
const (
	maxTextRunes    = 40000
	maxBlocks       = 50
	maxSectionRunes = 3000
	maxHeaderRunes  = 150
)

// checkContent applies Slack's limits to a message's text, blocks and
// attachments; needSome asks for at least one of them.
func checkContent(text string, blocks, attachments json.RawMessage, needSome bool) error {
	if utf8.RuneCountInString(text) > maxTextRunes {
		return slackError("msg_too_long")
	}
	if len(attachments) > 0 {
		var as []json.RawMessage
		if json.Unmarshal(attachments, &as) != nil {
			return slackError("invalid_attachments")
		}
		if len(as) > 100 {
			return slackError("too_many_attachments")
		}
	}
	var bs []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if len(blocks) > 0 {
		if json.Unmarshal(blocks, &bs) != nil {
			return slackError("invalid_blocks_format")
		}
		if len(bs) > maxBlocks {
			return slackError("invalid_blocks")
		}
		for _, b := range bs {
			if b.Type == "" {
				return slackError("invalid_blocks")
			}
			if b.Text == nil {
				continue
			}
			n := utf8.RuneCountInString(b.Text.Text)
			if (b.Type == "section" && n > maxSectionRunes) || (b.Type == "header" && n > maxHeaderRunes) {
				return slackError("invalid_blocks")
			}
		}
	}
	if needSome && text == "" && len(bs) == 0 && len(attachments) == 0 {
		return slackError("no_text")
	}
	return nil
}

// postChannelLocked resolves where chat.postMessage posts: a conversation ID,
// or a user ID, which Slack takes as the bot's DM with that user.
func (st *State) postChannelLocked(id string) (*channelState, error) {
	if u := st.users[id]; u != nil {
		cs, _, err := st.openDMLocked([]string{id})
		return cs, err
	}
	cs, err := st.channelLocked(id)
	if err != nil {
		return nil, err
	}
	if !cs.isMember(st.cfg.BotUserID) {
		return nil, slackError("not_in_channel")
	}
	if cs.info.Archived {
		return nil, slackError("is_archived")
	}
	return cs, nil
}

// chat.postMessage: a bot message, top-level or in a thread.
func (s *Server) chatPostMessage(r *apiRequest) (obj, error) {
	text, blocks, attachments := r.str("text"), r.raw("blocks"), r.raw("attachments")
	if err := checkContent(text, blocks, attachments, true); err != nil {
		return nil, err
	}
	st := s.state
	var out obj
	err := st.update(func() error {
		cs, err := st.postChannelLocked(r.str("channel"))
		if err != nil {
			return err
		}
		m := &Message{Channel: cs.info.ID, User: st.cfg.BotUserID, BotID: st.cfg.BotID,
			Username: r.str("username"), IconURL: r.str("icon_url"),
			Text: text, Blocks: blocks, Attachments: attachments, Metadata: r.raw("metadata")}
		if m.Username != "" || m.IconURL != "" {
			// Slack shows a customised bot post as a bot_message without user.
			m.SubType, m.User = "bot_message", ""
		}
		if ts := r.str("thread_ts"); ts != "" {
			if m.ThreadTS, err = cs.threadRoot(ts); err != nil {
				return err
			}
			if r.boolean("reply_broadcast") {
				m.SubType = "thread_broadcast"
			}
		}
		m.TS, m.Posted = st.messageTSLocked(cs), st.now()
		cs.add(m)
		out = obj{"channel": cs.info.ID, "ts": m.TS, "message": st.wireMessageLocked(cs, m)}
		return nil
	})
	return out, err
}

// botMessageLocked finds a message the bot may change.
func (st *State) botMessageLocked(channel, ts, refusal string) (*channelState, *Message, error) {
	cs, err := st.channelLocked(channel)
	if err != nil {
		return nil, nil, err
	}
	m := cs.byTS[ts]
	if m == nil || m.SubType == "tombstone" {
		return nil, nil, slackError("message_not_found")
	}
	if m.BotID != st.cfg.BotID {
		return nil, nil, slackError(refusal)
	}
	return cs, m, nil
}

// chat.update: the bot edits its own message. Text, blocks and attachments
// left out keep their values; blocks=[] removes the blocks.
func (s *Server) chatUpdate(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	err := st.update(func() error {
		cs, m, err := st.botMessageLocked(r.str("channel"), r.str("ts"), "cant_update_message")
		if err != nil {
			return err
		}
		if cs.info.Archived {
			return slackError("is_inactive")
		}
		text, blocks, attachments := m.Text, m.Blocks, m.Attachments
		if r.has("text") {
			text = r.str("text")
		}
		if r.has("blocks") {
			blocks = r.raw("blocks")
		}
		if r.has("attachments") {
			attachments = r.raw("attachments")
		}
		if err := checkContent(text, blocks, attachments, true); err != nil {
			return err
		}
		m.Text, m.Blocks, m.Attachments = text, blocks, attachments
		if r.has("metadata") {
			m.Metadata = r.raw("metadata")
		}
		m.Edited = &Edited{User: st.cfg.BotUserID, TS: st.nextTSLocked()}
		out = obj{"channel": cs.info.ID, "ts": m.TS, "text": m.Text, "message": st.wireMessageLocked(cs, m)}
		return nil
	})
	return out, err
}

// chat.delete: the bot deletes its own message; a parent with replies stays
// as a tombstone.
func (s *Server) chatDelete(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	err := st.update(func() error {
		cs, m, err := st.botMessageLocked(r.str("channel"), r.str("ts"), "cant_delete_message")
		if err != nil {
			return err
		}
		out = obj{"channel": cs.info.ID, "ts": m.TS}
		st.deleteMessageLocked(cs, m)
		return nil
	})
	return out, err
}

// chat.postEphemeral: a message only one member of the channel sees.
func (s *Server) chatPostEphemeral(r *apiRequest) (obj, error) {
	text, blocks, attachments := r.str("text"), r.raw("blocks"), r.raw("attachments")
	if err := checkContent(text, blocks, attachments, true); err != nil {
		return nil, err
	}
	st := s.state
	var out obj
	err := st.update(func() error {
		cs, err := st.channelLocked(r.str("channel"))
		if err != nil {
			return err
		}
		user := r.str("user")
		if u := st.users[user]; u == nil {
			return slackError("user_not_found")
		}
		if !cs.isMember(user) {
			return slackError("user_not_in_channel")
		}
		e := Ephemeral{Channel: cs.info.ID, User: user, TS: st.nextTSLocked(), ThreadTS: r.str("thread_ts"),
			Text: text, Blocks: blocks, Source: "chat.postEphemeral", At: st.now()}
		st.ephemerals = append(st.ephemerals, e)
		out = obj{"message_ts": e.TS}
		return nil
	})
	return out, err
}

// chat.getPermalink: a message's URL in the Slack client.
func (s *Server) chatGetPermalink(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	var err error
	st.read(func() {
		var cs *channelState
		if cs, err = st.channelLocked(r.str("channel")); err != nil {
			return
		}
		m := cs.byTS[r.str("message_ts")]
		if m == nil {
			err = slackError("message_not_found")
			return
		}
		link := "https://" + st.cfg.TeamDomain + ".slack.com/archives/" + cs.info.ID + "/p" + strings.Replace(m.TS, ".", "", 1)
		if m.IsReply() {
			link += "?thread_ts=" + m.ThreadTS + "&cid=" + cs.info.ID
		}
		out = obj{"channel": cs.info.ID, "permalink": link}
	})
	return out, err
}

// reactionTargetLocked finds the message a reactions.* call names.
func (st *State) reactionTargetLocked(r *apiRequest) (*Message, string, error) {
	name := r.str("name")
	if name == "" || strings.Contains(name, ":") {
		return nil, "", slackError("invalid_name")
	}
	cs, err := st.channelLocked(r.str("channel"))
	if err != nil {
		return nil, "", err
	}
	m := cs.byTS[r.str("timestamp")]
	if m == nil || m.SubType == "tombstone" {
		return nil, "", slackError("message_not_found")
	}
	return m, name, nil
}

// reactions.add: the bot reacts to a message.
func (s *Server) reactionsAdd(r *apiRequest) (obj, error) {
	st := s.state
	return obj{}, st.update(func() error {
		m, name, err := st.reactionTargetLocked(r)
		if err != nil {
			return err
		}
		if slices.Contains(m.Reactions[name], st.cfg.BotUserID) {
			return slackError("already_reacted")
		}
		if m.Reactions == nil {
			m.Reactions = map[string][]string{}
		}
		m.Reactions[name] = append(m.Reactions[name], st.cfg.BotUserID)
		return nil
	})
}

// reactions.remove: the bot takes its reaction back.
func (s *Server) reactionsRemove(r *apiRequest) (obj, error) {
	st := s.state
	return obj{}, st.update(func() error {
		m, name, err := st.reactionTargetLocked(r)
		if err != nil {
			return err
		}
		users := m.Reactions[name]
		if !slices.Contains(users, st.cfg.BotUserID) {
			return slackError("no_reaction")
		}
		users = slices.DeleteFunc(slices.Clone(users), func(u string) bool { return u == st.cfg.BotUserID })
		if len(users) == 0 {
			delete(m.Reactions, name)
		} else {
			m.Reactions[name] = users
		}
		return nil
	})
}
