package slacktest

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
)

// This file renders stored objects the way Slack's JSON shows them, for Web
// API answers and event payloads alike.

// obj is a JSON object under construction.
type obj = map[string]any

// mustJSON marshals values the fake built itself, which cannot fail.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("slacktest: marshal: %v", err))
	}
	return b
}

// wireMessageLocked renders m as conversations.history shows it.
func (st *State) wireMessageLocked(cs *channelState, m *Message) obj {
	w := obj{"type": "message", "ts": m.TS, "text": m.Text}
	if m.SubType != "" {
		w["subtype"] = m.SubType
	}
	if m.SubType == "tombstone" {
		w["hidden"] = true
	}
	if m.User != "" {
		w["user"] = m.User
		w["team"] = st.cfg.TeamID
	}
	if m.BotID != "" {
		w["bot_id"] = m.BotID
		w["app_id"] = st.cfg.AppID
		w["bot_profile"] = obj{"id": m.BotID, "app_id": st.cfg.AppID, "name": st.cfg.BotName,
			"team_id": st.cfg.TeamID, "deleted": false}
	}
	if m.Username != "" {
		w["username"] = m.Username
	}
	if m.IconURL != "" {
		w["icons"] = obj{"image_48": m.IconURL}
	}
	for k, raw := range map[string]json.RawMessage{"blocks": m.Blocks, "attachments": m.Attachments, "metadata": m.Metadata} {
		if len(raw) > 0 {
			w[k] = raw
		}
	}
	if m.ClientMsgID != "" {
		w["client_msg_id"] = m.ClientMsgID
	}
	if m.IsReply() {
		w["thread_ts"] = m.ThreadTS
		if p := cs.byTS[m.ThreadTS]; p != nil {
			w["parent_user_id"] = p.User
		}
	} else if replies := cs.replies(m.TS); len(replies) > 0 {
		var users []string
		for _, r := range replies {
			if !slices.Contains(users, r.User) {
				users = append(users, r.User)
			}
		}
		w["thread_ts"] = m.TS
		w["reply_count"] = len(replies)
		w["reply_users"] = users
		w["reply_users_count"] = len(users)
		w["latest_reply"] = replies[len(replies)-1].TS
	}
	if m.Edited != nil {
		w["edited"] = obj{"user": m.Edited.User, "ts": m.Edited.TS}
	}
	if len(m.Reactions) > 0 {
		names := make([]string, 0, len(m.Reactions))
		for name := range m.Reactions {
			names = append(names, name)
		}
		slices.Sort(names)
		var rs []obj
		for _, name := range names {
			users := m.Reactions[name]
			rs = append(rs, obj{"name": name, "users": users, "count": len(users)})
		}
		w["reactions"] = rs
	}
	if len(m.Files) > 0 {
		var fs []obj
		for _, id := range m.Files {
			if f := st.files[id]; f != nil && !f.Deleted {
				fs = append(fs, st.wireFileLocked(f))
			}
		}
		w["files"] = fs
		w["upload"] = m.SubType == "file_share"
	}
	return w
}

func channelType(c Channel) string {
	switch {
	case c.IsIM:
		return "im"
	case c.IsMPIM:
		return "mpim"
	case c.IsPrivate:
		return "group"
	}
	return "channel"
}

// messageEventLocked is the Events API "message" event announcing m.
func (st *State) messageEventLocked(cs *channelState, m *Message) obj {
	w := st.wireMessageLocked(cs, m)
	w["channel"] = cs.info.ID
	w["channel_type"] = channelType(cs.info)
	w["event_ts"] = m.TS
	return w
}

// messageChangedEventLocked announces an edit; prev is the message before it.
func (st *State) messageChangedEventLocked(cs *channelState, m *Message, prev obj, eventTS string) obj {
	return obj{
		"type": "message", "subtype": "message_changed", "hidden": true,
		"channel": cs.info.ID, "channel_type": channelType(cs.info),
		"ts": eventTS, "event_ts": eventTS,
		"message":          st.wireMessageLocked(cs, m),
		"previous_message": prev,
	}
}

// messageDeletedEventLocked announces a deletion; prev is the message deleted.
func (st *State) messageDeletedEventLocked(cs *channelState, ts string, prev obj, eventTS string) obj {
	return obj{
		"type": "message", "subtype": "message_deleted", "hidden": true,
		"channel": cs.info.ID, "channel_type": channelType(cs.info),
		"ts": eventTS, "event_ts": eventTS, "deleted_ts": ts,
		"previous_message": prev,
	}
}

func (st *State) wireChannelLocked(cs *channelState) obj {
	c := cs.info
	w := obj{
		"id": c.ID, "created": c.Created.Unix(), "is_archived": c.Archived,
		"is_im": c.IsIM, "is_mpim": c.IsMPIM, "is_private": c.IsPrivate || c.IsIM || c.IsMPIM,
		"is_member": cs.isMember(st.cfg.BotUserID), "context_team_id": st.cfg.TeamID,
	}
	if c.IsIM {
		w["user"] = c.User
		w["is_open"] = true
		w["is_user_deleted"] = st.users[c.User] != nil && st.users[c.User].Deleted
		return w
	}
	w["name"] = c.Name
	w["name_normalized"] = strings.ToLower(c.Name)
	w["is_channel"] = !c.IsPrivate && !c.IsMPIM
	w["is_group"] = false
	w["is_general"] = false
	w["num_members"] = len(c.Members)
	w["topic"] = obj{"value": "", "creator": "", "last_set": 0}
	w["purpose"] = obj{"value": "", "creator": "", "last_set": 0}
	return w
}

// wireUser renders a user as users.info and users.list do; locale only
// when the caller asked with include_locale=true.
func (st *State) wireUser(u *User, withLocale bool) obj {
	profile := obj{"real_name": u.RealName, "display_name": u.Name, "email": u.Email, "team": st.cfg.TeamID}
	if u.ID == st.cfg.BotUserID {
		profile["bot_id"] = st.cfg.BotID
	}
	w := obj{
		"id": u.ID, "team_id": st.cfg.TeamID, "name": u.Name, "deleted": u.Deleted,
		"real_name": u.RealName, "tz": u.TZ, "tz_label": u.TZ, "tz_offset": u.TZOffset,
		"is_bot": u.IsBot, "is_admin": u.IsAdmin, "is_app_user": false, "profile": profile,
		"updated": st.now().Unix(),
	}
	if withLocale {
		w["locale"] = u.Locale
	}
	return w
}

// fileURL is where the fake serves a file's bytes, on the API's host so that
// slack-go's GetFile agrees to send the token there.
func (st *State) fileURL(f *File, download bool) string {
	p := "/files-pri/" + st.cfg.TeamID + "-" + f.ID + "/"
	if download {
		p += "download/"
	}
	return st.cfg.baseURL + p + path.Base("/"+f.Name)
}

func (st *State) wireFileLocked(f *File) obj {
	ext := strings.TrimPrefix(path.Ext(f.Name), ".")
	return obj{
		"id": f.ID, "created": f.Created.Unix(), "timestamp": f.Created.Unix(),
		"name": f.Name, "title": f.Title, "mimetype": f.Mimetype, "filetype": ext,
		"pretty_type": strings.ToUpper(ext), "user": f.User, "size": f.Size,
		"mode": "hosted", "is_external": false, "is_public": len(f.Channels) > 0,
		"alt_txt":              f.AltTxt,
		"url_private":          st.fileURL(f, false),
		"url_private_download": st.fileURL(f, true),
		"permalink":            "https://" + st.cfg.TeamDomain + ".slack.com/files/" + f.User + "/" + f.ID + "/" + f.Name,
		"channels":             f.Channels,
	}
}
