package discordtest

import (
	"regexp"
	"slices"
	"sort"

	"github.com/bwmarrin/discordgo"
)

// event is a dispatch to every live session whose intents allow it.
type event struct {
	typ string
	// intent must be among a session's intents (0: always sent).
	intent discordgo.Intent
	// in, when set, is the channel the event is about: the bot must be able
	// to see it.
	in *channel
	// data is the payload, unless msg is set.
	data any
	// msg makes a message payload (MESSAGE_CREATE/UPDATE) that is stripped of
	// content for sessions without IntentMessageContent, unless the message
	// is the bot's own, a DM, or mentions the bot.
	msg *message
}

// emitLocked sends ev to every session that may receive it.
func (s *Server) emitLocked(ev event) {
	if ev.in != nil && !s.canViewLocked(s.st.botID, ev.in) {
		return
	}
	var full, stripped []byte
	for _, sess := range s.sessionsLocked() {
		if sess.intents&ev.intent != ev.intent {
			continue
		}
		if ev.msg == nil {
			if full == nil {
				full = mustJSON(ev.data)
			}
			s.dispatchToLocked(sess, ev.typ, full)
			continue
		}
		if sess.intents&discordgo.IntentMessageContent == 0 && !s.contentExemptLocked(ev.msg) {
			if stripped == nil {
				stripped = mustJSON(s.gatewayMessageLocked(ev.msg, true))
			}
			s.dispatchToLocked(sess, ev.typ, stripped)
			continue
		}
		if full == nil {
			full = mustJSON(s.gatewayMessageLocked(ev.msg, false))
		}
		s.dispatchToLocked(sess, ev.typ, full)
	}
}

// sessionsLocked lists the sessions still valid, in a stable order.
func (s *Server) sessionsLocked() []*gwSession {
	var out []*gwSession
	for _, sess := range s.gw.sessions {
		if !sess.invalid {
			out = append(out, sess)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// contentExemptLocked reports whether a message keeps its content without
// the message content intent.
func (s *Server) contentExemptLocked(m *message) bool {
	bot := s.st.botID
	if m.m.Author != nil && m.m.Author.ID == bot {
		return true
	}
	if c, ok := s.st.channels[m.m.ChannelID]; ok && c.isDM() {
		return true
	}
	return slices.ContainsFunc(m.m.Mentions, func(u *discordgo.User) bool { return u.ID == bot })
}

// wireMessage is a message as Discord serialises it, with the fields
// discordgo.Message lacks.
type wireMessage struct {
	*discordgo.Message
	Nonce string `json:"nonce,omitempty"`
}

// restMessage renders a message for REST answers: no guild_id or
// member, nonce when one was sent.
func restMessage(m *message) wireMessage {
	cp := copyMessage(m.m)
	cp.GuildID, cp.Member = "", nil
	return wireMessage{Message: cp, Nonce: m.info.Nonce}
}

// gatewayMessageLocked renders a message for MESSAGE_CREATE/UPDATE: guild_id
// and the author's partial member in guild channels.
func (s *Server) gatewayMessageLocked(m *message, stripContent bool) wireMessage {
	cp := copyMessage(m.m)
	if c, ok := s.st.channels[cp.ChannelID]; ok && !c.isDM() {
		cp.GuildID = c.guildID
		if g, ok := s.st.guilds[c.guildID]; ok && cp.Author != nil && cp.WebhookID == "" {
			cp.Member = s.st.memberObjLocked(g, cp.Author.ID, false)
		}
	}
	if stripContent {
		cp.Content = ""
		cp.Embeds = []*discordgo.MessageEmbed{}
		cp.Attachments = []*discordgo.MessageAttachment{}
		cp.Components = nil
	}
	return wireMessage{Message: cp, Nonce: m.info.Nonce}
}

// messageIntent is the intent needed to receive message events in c.
func messageIntent(c *channel) discordgo.Intent {
	if c.isDM() {
		return discordgo.IntentDirectMessages
	}
	return discordgo.IntentGuildMessages
}

func (s *Server) emitMessageCreateLocked(c *channel, m *message) {
	s.emitLocked(event{typ: "MESSAGE_CREATE", intent: messageIntent(c), in: c, msg: m})
}

func (s *Server) emitMessageUpdateLocked(c *channel, m *message) {
	s.emitLocked(event{typ: "MESSAGE_UPDATE", intent: messageIntent(c), in: c, msg: m})
}

func (s *Server) emitMessageDeleteLocked(c *channel, id string) {
	d := map[string]any{"id": id, "channel_id": c.id}
	if c.guildID != "" {
		d["guild_id"] = c.guildID
	}
	s.emitLocked(event{typ: "MESSAGE_DELETE", intent: messageIntent(c), in: c, data: d})
}

// emitThreadLocked sends THREAD_CREATE (newly marks a new thread) or
// THREAD_UPDATE.
func (s *Server) emitThreadLocked(typ string, c *channel, newly bool) {
	obj := s.st.channelObjLocked(c)
	var data any = obj
	if typ == "THREAD_CREATE" {
		data = discordgo.ThreadCreate{Channel: obj, NewlyCreated: newly}
	}
	s.emitLocked(event{typ: typ, intent: discordgo.IntentGuilds, in: c, data: data})
}

func (s *Server) emitThreadDeleteLocked(c *channel) {
	d := map[string]any{"id": c.id, "guild_id": c.guildID, "parent_id": c.parentID, "type": c.typ}
	s.emitLocked(event{typ: "THREAD_DELETE", intent: discordgo.IntentGuilds, in: c, data: d})
}

// emitThreadMembersLocked sends THREAD_MEMBERS_UPDATE; changes about other
// users need IntentGuildMembers.
func (s *Server) emitThreadMembersLocked(c *channel, added, removed []string) {
	intent := discordgo.IntentGuilds
	if slices.ContainsFunc(append(slices.Clone(added), removed...), func(id string) bool { return id != s.st.botID }) {
		intent |= discordgo.IntentGuildMembers
	}
	d := discordgo.ThreadMembersUpdate{ID: c.id, GuildID: c.guildID, MemberCount: len(c.threadMembers), RemovedMembers: removed}
	g := s.st.guilds[c.guildID]
	for _, uid := range added {
		tm := &discordgo.ThreadMember{ID: c.id, UserID: uid, JoinTimestamp: c.threadMembers[uid]}
		d.AddedMembers = append(d.AddedMembers, discordgo.AddedThreadMember{ThreadMember: tm, Member: s.st.memberObjLocked(g, uid, true)})
	}
	s.emitLocked(event{typ: "THREAD_MEMBERS_UPDATE", intent: intent, in: c, data: d})
}

// Mention syntaxes in message content.
var (
	userMentionRe = regexp.MustCompile(`<@!?(\d+)>`)
	roleMentionRe = regexp.MustCompile(`<@&(\d+)>`)
	everyoneRe    = regexp.MustCompile(`@(everyone|here)\b`)
)

// mayMentionEveryoneLocked reports whether author's @everyone pings: in DMs,
// for webhooks (whose author is not a user), or with MENTION_EVERYONE.
func (s *Server) mayMentionEveryoneLocked(author *discordgo.User, c *channel) bool {
	if c.isDM() || author == nil {
		return true
	}
	if _, isUser := s.st.users[author.ID]; !isUser {
		return true
	}
	return s.hasPermLocked(author.ID, c, discordgo.PermissionMentionEveryone)
}

// applyMentionsLocked fills Mentions, MentionRoles and MentionEveryone the
// way Discord would for m's content under am (nil: no allowed_mentions, so
// everything parses); everyone says whether the author may ping @everyone.
func (s *Server) applyMentionsLocked(m *discordgo.Message, am *discordgo.MessageAllowedMentions, everyone bool) {
	allowed := func(kind discordgo.AllowedMentionType, id string, ids []string) bool {
		if am == nil {
			return true
		}
		return slices.Contains(am.Parse, kind) || slices.Contains(ids, id)
	}
	m.Mentions = []*discordgo.User{}
	m.MentionRoles = []string{}
	for _, sm := range userMentionRe.FindAllStringSubmatch(m.Content, -1) {
		u := s.st.userLocked(sm[1])
		if u == nil || slices.ContainsFunc(m.Mentions, func(x *discordgo.User) bool { return x.ID == u.ID }) {
			continue
		}
		var users []string
		if am != nil {
			users = am.Users
		}
		if allowed(discordgo.AllowedMentionTypeUsers, u.ID, users) {
			m.Mentions = append(m.Mentions, u)
		}
	}
	for _, sm := range roleMentionRe.FindAllStringSubmatch(m.Content, -1) {
		var roles []string
		if am != nil {
			roles = am.Roles
		}
		if allowed(discordgo.AllowedMentionTypeRoles, sm[1], roles) && !slices.Contains(m.MentionRoles, sm[1]) {
			m.MentionRoles = append(m.MentionRoles, sm[1])
		}
	}
	m.MentionEveryone = everyone && everyoneRe.MatchString(m.Content) && allowed(discordgo.AllowedMentionTypeEveryone, "", nil)
}
