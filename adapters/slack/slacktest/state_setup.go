package slacktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// This file holds what a test does to the workspace directly: set it up,
// break it, and act as its human users without telling the product. The
// Sender methods of the same names also deliver the matching event.

// AddUser adds a user, giving it an ID when u.ID is empty, and returns it.
func (st *State) AddUser(u User) User {
	_ = st.update(func() error {
		if u.ID == "" {
			u.ID = st.newIDLocked("U")
		}
		if u.Name == "" {
			u.Name = strings.ToLower(u.ID)
		}
		if u.RealName == "" {
			u.RealName = u.Name
		}
		if u.TZ == "" {
			u.TZ = "UTC"
		}
		if u.Locale == "" {
			u.Locale = "en-US"
		}
		if _, ok := st.users[u.ID]; !ok {
			st.userOrder = append(st.userOrder, u.ID)
		}
		st.users[u.ID] = &u
		return nil
	})
	return u
}

// AddChannel adds a conversation, giving it an ID when c.ID is empty, and
// returns it. The bot is made a member; use Leave to take it out.
func (st *State) AddChannel(c Channel) Channel {
	_ = st.update(func() error {
		if c.ID == "" {
			c.ID = st.newIDLocked("C")
		}
		if c.Created.IsZero() {
			c.Created = st.now()
		}
		c.Members = slices.Clone(c.Members)
		if !slices.Contains(c.Members, st.cfg.BotUserID) {
			c.Members = append(c.Members, st.cfg.BotUserID)
		}
		st.addChannelLocked(c)
		return nil
	})
	c, _ = st.Channel(c.ID)
	return c
}

func (st *State) addChannelLocked(c Channel) *channelState {
	if !slices.Contains(st.chanOrder, c.ID) {
		st.chanOrder = append(st.chanOrder, c.ID)
	}
	cs := &channelState{info: c, byTS: map[string]*Message{}, deletedThreads: map[string]bool{}}
	st.channels[c.ID] = cs
	return cs
}

// OpenDM returns the bot's DM with user, opening it as conversations.open
// would, so that the user can write to the bot.
func (st *State) OpenDM(user string) (Channel, error) {
	var id string
	err := st.update(func() error {
		cs, _, err := st.openDMLocked([]string{user})
		if err == nil {
			id = cs.info.ID
		}
		return err
	})
	if err != nil {
		return Channel{}, err
	}
	c, _ := st.Channel(id)
	return c, nil
}

// Join makes user a member of channel.
func (st *State) Join(channel, user string) error {
	return st.update(func() error {
		cs, err := st.channelLocked(channel)
		if err != nil {
			return err
		}
		if !cs.isMember(user) {
			cs.info.Members = append(cs.info.Members, user)
		}
		return nil
	})
}

// Leave takes user, possibly the bot, out of channel.
func (st *State) Leave(channel, user string) error {
	return st.update(func() error {
		cs, err := st.channelLocked(channel)
		if err != nil {
			return err
		}
		cs.info.Members = slices.DeleteFunc(cs.info.Members, func(m string) bool { return m == user })
		return nil
	})
}

// DeleteUser deactivates a user: users.info reports deleted, the user leaves
// every channel but its DMs, and conversations.open answers user_disabled.
func (st *State) DeleteUser(id string) error {
	return st.update(func() error {
		u, ok := st.users[id]
		if !ok {
			return slackError("user_not_found")
		}
		u.Deleted = true
		for _, cs := range st.channels {
			if !cs.info.IsIM {
				cs.info.Members = slices.DeleteFunc(cs.info.Members, func(m string) bool { return m == id })
			}
		}
		return nil
	})
}

// SetUserLocale changes the language a user chose in Slack ("fr-FR"),
// as users.info reports it from then on.
func (st *State) SetUserLocale(id, locale string) error {
	return st.update(func() error {
		u, ok := st.users[id]
		if !ok {
			return slackError("user_not_found")
		}
		u.Locale = locale
		return nil
	})
}

// DeleteChannel removes a conversation and its messages: every later call
// naming it answers channel_not_found.
func (st *State) DeleteChannel(id string) error {
	return st.update(func() error {
		if _, err := st.channelLocked(id); err != nil {
			return err
		}
		delete(st.channels, id)
		for k, v := range st.dms {
			if v == id {
				delete(st.dms, k)
			}
		}
		return nil
	})
}

// ArchiveChannel archives a channel: posting into it answers is_archived.
func (st *State) ArchiveChannel(id string) error {
	return st.update(func() error {
		cs, err := st.channelLocked(id)
		if err != nil {
			return err
		}
		cs.info.Archived = true
		return nil
	})
}

// DeleteThread removes a thread's parent and replies, as an admin would:
// conversations.replies and replies posted into it answer thread_not_found.
func (st *State) DeleteThread(channel, ts string) error {
	return st.update(func() error {
		cs, err := st.channelLocked(channel)
		if err != nil {
			return err
		}
		if cs.byTS[ts] == nil {
			return slackError("thread_not_found")
		}
		for _, m := range cs.replies(ts) {
			cs.remove(m.TS)
		}
		cs.remove(ts)
		cs.deletedThreads[ts] = true
		return nil
	})
}

// SetNextTS makes the next message posted in channel, by a user or the
// bot, take ts ("1700000000.000100"), as two channels of a real
// workspace may give one ts to messages posted in the same microsecond.
// ts must be greater than every ts the channel gave before, since a
// channel's timestamps only grow. Errors carry Slack codes
// (channel_not_found) or say what is wrong with ts.
func (st *State) SetNextTS(channel, ts string) error {
	us, ok := parseTS(ts)
	if !ok {
		return fmt.Errorf("slacktest: %q is not a message ts", ts)
	}
	return st.update(func() error {
		cs, err := st.channelLocked(channel)
		if err != nil {
			return err
		}
		if us <= cs.lastTS {
			return fmt.Errorf("slacktest: ts %s is not after %s, the last one of channel %s", ts, formatTS(cs.lastTS), channel)
		}
		cs.forcedTS = us
		return nil
	})
}

// ShareNextTS makes the next message posted in each of channels take one
// same ts, the first one valid in all of them (one microsecond after the
// latest ts any of them gave, or the fake's time if that is later), and
// returns it. Errors carry Slack codes (channel_not_found); nothing
// changes on error.
func (st *State) ShareNextTS(channels ...string) (string, error) {
	var ts string
	err := st.update(func() error {
		us := st.now().UnixMicro()
		var css []*channelState
		for _, id := range channels {
			cs, err := st.channelLocked(id)
			if err != nil {
				return err
			}
			us = max(us, cs.lastTS+1, cs.forcedTS)
			css = append(css, cs)
		}
		for _, cs := range css {
			cs.forcedTS = us
		}
		ts = formatTS(us)
		return nil
	})
	return ts, err
}

// IssueTrigger hands out a trigger_id for user, as Slack does with each slash
// command and interaction. views.open accepts it for Config.TriggerTTL.
func (st *State) IssueTrigger(user string) string {
	var id string
	_ = st.update(func() error {
		id = st.issueTriggerLocked(user, "")
		return nil
	})
	return id
}

func (st *State) issueTriggerLocked(user, viewID string) string {
	now := st.now()
	st.seq["trigger"]++
	id := fmt.Sprintf("%d.%d.%s", now.Unix(), st.seq["trigger"], randomHex(10))
	st.triggers[id] = &trigger{id: id, user: user, viewID: viewID, issued: now}
	return id
}

// UserPost is a message a human user types.
type UserPost struct {
	User     string
	Channel  string
	ThreadTS string // reply in this thread
	Text     string
	Blocks   json.RawMessage // default: one rich_text block holding Text
	Files    []UserFile
}

// UserFile is a file a user attaches to a message.
type UserFile struct {
	Name     string
	Title    string
	Mimetype string
	Content  []byte
}

// PostAsUser stores a message typed by a user without telling the product,
// as if it arrived while the product was away. Errors carry Slack codes.
func (st *State) PostAsUser(p UserPost) (Message, error) {
	m, _, err := st.postAsUser(p)
	return m, err
}

func (st *State) postAsUser(p UserPost) (Message, json.RawMessage, error) {
	var out Message
	var event json.RawMessage
	err := st.update(func() error {
		u, ok := st.users[p.User]
		if !ok {
			return slackError("user_not_found")
		}
		if u.Deleted {
			return slackError("account_inactive")
		}
		cs, err := st.channelLocked(p.Channel)
		if err != nil {
			return err
		}
		if cs.info.Archived {
			return slackError("is_archived")
		}
		if !cs.isMember(p.User) {
			return slackError("not_in_channel")
		}
		m := &Message{Channel: p.Channel, User: p.User, Text: p.Text, Blocks: p.Blocks,
			ClientMsgID: uuidLike()}
		if p.ThreadTS != "" {
			if m.ThreadTS, err = cs.threadRoot(p.ThreadTS); err != nil {
				return err
			}
		}
		if len(m.Blocks) == 0 && p.Text != "" {
			m.Blocks = richTextBlocks(p.Text)
		}
		m.TS = st.messageTSLocked(cs)
		m.Posted = st.now()
		for _, uf := range p.Files {
			f := &File{ID: st.newIDLocked("F"), Name: uf.Name, Title: uf.Title, Mimetype: uf.Mimetype,
				User: p.User, Size: len(uf.Content), Content: slices.Clone(uf.Content), Uploaded: true,
				Channels: []string{p.Channel}, ThreadTS: m.ThreadTS, Created: st.now()}
			st.addFileLocked(f)
			m.Files = append(m.Files, f.ID)
			m.SubType = "file_share"
		}
		cs.add(m)
		out = m.clone()
		event = mustJSON(st.messageEventLocked(cs, m))
		return nil
	})
	return out, event, err
}

// EditAsUser changes the text of a user's message without telling the
// product, and returns the message as it is now.
func (st *State) EditAsUser(channel, ts, text string) (Message, error) {
	m, _, err := st.editAsUser(channel, ts, text)
	return m, err
}

func (st *State) editAsUser(channel, ts, text string) (Message, json.RawMessage, error) {
	var out Message
	var event json.RawMessage
	err := st.update(func() error {
		cs, err := st.channelLocked(channel)
		if err != nil {
			return err
		}
		m := cs.byTS[ts]
		switch {
		case m == nil || m.SubType == "tombstone":
			return slackError("message_not_found")
		case m.BotID != "":
			return slackError("cant_update_message")
		}
		prev := st.wireMessageLocked(cs, m)
		eventTS := st.nextTSLocked()
		m.Text, m.Blocks = text, richTextBlocks(text)
		m.Edited = &Edited{User: m.User, TS: eventTS}
		out = m.clone()
		event = mustJSON(st.messageChangedEventLocked(cs, m, prev, eventTS))
		return nil
	})
	return out, event, err
}

// DeleteAsUser deletes a user's message without telling the product.
func (st *State) DeleteAsUser(channel, ts string) error {
	_, err := st.deleteAsUser(channel, ts)
	return err
}

func (st *State) deleteAsUser(channel, ts string) (json.RawMessage, error) {
	var event json.RawMessage
	err := st.update(func() error {
		cs, err := st.channelLocked(channel)
		if err != nil {
			return err
		}
		m := cs.byTS[ts]
		if m == nil || m.SubType == "tombstone" {
			return slackError("message_not_found")
		}
		prev := st.wireMessageLocked(cs, m)
		st.deleteMessageLocked(cs, m)
		event = mustJSON(st.messageDeletedEventLocked(cs, ts, prev, st.nextTSLocked()))
		return nil
	})
	return event, err
}

// deleteMessageLocked removes m, or turns it into a tombstone when it is a
// thread parent with replies, as Slack does.
func (st *State) deleteMessageLocked(cs *channelState, m *Message) {
	if !m.IsReply() && len(cs.replies(m.TS)) > 0 {
		*m = Message{Channel: m.Channel, TS: m.TS, ThreadTS: m.TS, User: "USLACKBOT",
			SubType: "tombstone", Text: "This message was deleted.", Posted: m.Posted}
		return
	}
	cs.remove(m.TS)
}

func (st *State) addFileLocked(f *File) {
	if _, ok := st.files[f.ID]; !ok {
		st.fileOrder = append(st.fileOrder, f.ID)
	}
	st.files[f.ID] = f
}

// richTextBlocks is the block Slack's clients attach to a typed message.
func richTextBlocks(text string) json.RawMessage {
	return mustJSON([]obj{{
		"type":     "rich_text",
		"block_id": randomHex(3),
		"elements": []obj{{
			"type":     "rich_text_section",
			"elements": []obj{{"type": "text", "text": text}},
		}},
	}})
}
