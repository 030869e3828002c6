package discordtest

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// channelForBotLocked finds a channel the bot can see.
func (s *Server) channelForBotLocked(id string) (*channel, error) {
	ch, ok := s.st.channels[id]
	if !ok {
		return nil, errUnknownChannel()
	}
	if !s.canViewLocked(s.st.botID, ch) {
		return nil, errMissingAccess()
	}
	return ch, nil
}

// messageForBotLocked finds a live message in a channel the bot can see.
func (s *Server) messageForBotLocked(c *call) (*channel, *message, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, nil, err
	}
	m, ok := ch.byID[c.param("message")]
	if !ok || m.info.Deleted {
		return nil, nil, errUnknownMessage()
	}
	return ch, m, nil
}

// GET /channels/{channel}/messages: newest first, with before/after/around
// and limit (1-100, default 50). Without READ_MESSAGE_HISTORY: [].
func (s *Server) listMessages(c *call) (any, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	limit := 50
	if v := c.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, formError("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
		}
		limit = n
	}
	out := []wireMessage{}
	if !s.hasPermLocked(s.st.botID, ch, discordgo.PermissionReadMessageHistory) {
		return out, nil
	}
	var live []*message // ascending
	for _, m := range ch.messages {
		if !m.info.Deleted {
			live = append(live, m)
		}
	}
	var pick []*message // ascending
	switch after, before, around := c.query.Get("after"), c.query.Get("before"), c.query.Get("around"); {
	case after != "":
		for _, m := range live {
			if idLess(after, m.m.ID) && len(pick) < limit {
				pick = append(pick, m)
			}
		}
	case before != "":
		for _, m := range live {
			if idLess(m.m.ID, before) {
				pick = append(pick, m)
			}
		}
		pick = pick[max(0, len(pick)-limit):]
	case around != "":
		i := slices.IndexFunc(live, func(m *message) bool { return !idLess(m.m.ID, around) })
		if i < 0 {
			i = len(live)
		}
		lo := max(0, i-limit/2)
		pick = live[lo:min(len(live), lo+limit)]
	default:
		pick = live[max(0, len(live)-limit):]
	}
	for i := len(pick) - 1; i >= 0; i-- {
		out = append(out, restMessage(pick[i]))
	}
	return out, nil
}

// GET /channels/{channel}/messages/{message}
func (s *Server) getMessage(c *call) (any, error) {
	ch, m, err := s.messageForBotLocked(c)
	if err != nil {
		return nil, err
	}
	if !s.hasPermLocked(s.st.botID, ch, discordgo.PermissionReadMessageHistory) {
		return nil, errMissingAccess()
	}
	return restMessage(m), nil
}

// POST /channels/{channel}/messages: JSON or multipart with files[n];
// nonce with enforce_nonce returns the earlier message instead of posting
// twice.
func (s *Server) createMessage(c *call) (any, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	var b messageBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	bot := s.st.botID
	unarchive, err := s.postableLocked(bot, ch)
	if err != nil {
		return nil, err
	}
	if len(c.files) > 0 && !s.hasPermLocked(bot, ch, discordgo.PermissionAttachFiles) {
		return nil, errMissingPermissions()
	}
	if b.EnforceNonce {
		if nonce := nonceString(b.Nonce); nonce != "" {
			if prev := s.findNonceLocked(ch, bot, nonce); prev != nil {
				return restMessage(prev), nil
			}
		}
	}
	m, info, err := s.buildMessageLocked(c, ch, &b, s.st.userLocked(bot))
	if err != nil {
		return nil, err
	}
	return restMessage(s.postLocked(ch, m, info, unarchive)), nil
}

// PATCH /channels/{channel}/messages/{message}: only the bot's own messages.
func (s *Server) editMessage(c *call) (any, error) {
	ch, m, err := s.messageForBotLocked(c)
	if err != nil {
		return nil, err
	}
	var b messageBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	if authorID(m.m) != s.st.botID || m.m.WebhookID != "" {
		return nil, errEditOthers()
	}
	if ch.isThread() && ch.archived {
		return nil, errThreadArchived(400)
	}
	if err := s.editMessageLocked(c, ch, m, &b, true); err != nil {
		return nil, err
	}
	return restMessage(m), nil
}

// DELETE /channels/{channel}/messages/{message}: others' messages need
// MANAGE_MESSAGES.
func (s *Server) deleteMessage(c *call) (any, error) {
	ch, m, err := s.messageForBotLocked(c)
	if err != nil {
		return nil, err
	}
	bot := s.st.botID
	own := authorID(m.m) == bot && m.m.WebhookID == ""
	if !own && (ch.isDM() || !s.hasPermLocked(bot, ch, discordgo.PermissionManageMessages)) {
		return nil, errMissingPermissions()
	}
	if ch.isThread() && ch.archived {
		return nil, errThreadArchived(400)
	}
	s.deleteMessageLocked(ch, m)
	c.status = 204
	return nil, nil
}

// parseEmoji reads a reaction path segment: a unicode emoji or name:id.
func parseEmoji(seg string) discordgo.Emoji {
	if name, id, ok := strings.Cut(seg, ":"); ok {
		return discordgo.Emoji{Name: name, ID: id}
	}
	return discordgo.Emoji{Name: seg}
}

// PUT and DELETE /channels/{channel}/messages/{message}/reactions/{emoji}/@me
func (s *Server) reactMessage(c *call) (any, error) {
	ch, m, err := s.messageForBotLocked(c)
	if err != nil {
		return nil, err
	}
	bot := s.st.botID
	if !s.hasPermLocked(bot, ch, discordgo.PermissionReadMessageHistory) {
		return nil, errMissingPermissions()
	}
	if ch.isThread() && ch.archived {
		return nil, errThreadArchived(400)
	}
	emoji := parseEmoji(c.param("emoji"))
	if emoji.Name == "" {
		return nil, newAPIError(400, 10014, "Unknown Emoji")
	}
	i := slices.IndexFunc(m.m.Reactions, func(r *discordgo.MessageReactions) bool {
		return r.Emoji.Name == emoji.Name && r.Emoji.ID == emoji.ID
	})
	adding := c.r.Method == "PUT"
	switch {
	case adding && i < 0:
		if !s.hasPermLocked(bot, ch, discordgo.PermissionAddReactions) {
			return nil, errMissingPermissions()
		}
		e := emoji
		m.m.Reactions = append(m.m.Reactions, &discordgo.MessageReactions{Count: 1, Me: true, Emoji: &e})
	case adding && !m.m.Reactions[i].Me:
		m.m.Reactions[i].Me = true
		m.m.Reactions[i].Count++
	case adding:
		c.status = 204
		return nil, nil
	case i >= 0 && m.m.Reactions[i].Me:
		m.m.Reactions[i].Me = false
		m.m.Reactions[i].Count--
		if m.m.Reactions[i].Count == 0 {
			m.m.Reactions = slices.Delete(m.m.Reactions, i, i+1)
		}
	default:
		c.status = 204
		return nil, nil
	}
	typ, intent := "MESSAGE_REACTION_ADD", discordgo.IntentGuildMessageReactions
	if !adding {
		typ = "MESSAGE_REACTION_REMOVE"
	}
	if ch.isDM() {
		intent = discordgo.IntentDirectMessageReactions
	}
	d := discordgo.MessageReaction{UserID: bot, MessageID: m.m.ID, Emoji: emoji, ChannelID: ch.id, GuildID: ch.guildID}
	s.emitLocked(event{typ: typ, intent: intent, in: ch, data: d})
	c.status = 204
	return nil, nil
}

// POST /channels/{channel}/typing
func (s *Server) typing(c *call) (any, error) {
	if _, err := s.channelForBotLocked(c.param("channel")); err != nil {
		return nil, err
	}
	c.status = 204
	return nil, nil
}
