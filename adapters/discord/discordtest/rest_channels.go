package discordtest

import (
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// GET /channels/{channel}
func (s *Server) getChannel(c *call) (any, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	return s.st.channelObjLocked(ch), nil
}

// PATCH /channels/{channel}: a thread's name, archived, locked, invitable
// and auto_archive_duration; a channel's name and topic (MANAGE_CHANNELS).
func (s *Server) patchChannel(c *call) (any, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	var p threadPatch
	if err := c.decode(&p); err != nil {
		return nil, err
	}
	bot := s.st.botID
	if ch.isThread() {
		if err := s.patchThreadLocked(ch, bot, p); err != nil {
			return nil, err
		}
		return s.st.channelObjLocked(ch), nil
	}
	if ch.isDM() {
		return nil, errWrongChannelType()
	}
	if !s.hasPermLocked(bot, ch, discordgo.PermissionManageChannels) {
		return nil, errMissingPermissions()
	}
	if p.Name != nil {
		if n := utf8.RuneCountInString(*p.Name); n < 1 || n > 100 {
			return nil, formError("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		ch.name = *p.Name
	}
	if p.Topic != nil {
		ch.topic = *p.Topic
	}
	obj := s.st.channelObjLocked(ch)
	s.emitLocked(event{typ: "CHANNEL_UPDATE", intent: discordgo.IntentGuilds, in: ch, data: obj})
	return obj, nil
}

// DELETE /channels/{channel}: threads need MANAGE_THREADS, channels
// MANAGE_CHANNELS. Answers the deleted channel.
func (s *Server) deleteChannel(c *call) (any, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	obj := s.st.channelObjLocked(ch)
	if ch.isDM() {
		return obj, nil
	}
	need := int64(discordgo.PermissionManageChannels)
	if ch.isThread() {
		need = discordgo.PermissionManageThreads
	}
	if !s.hasPermLocked(s.st.botID, ch, need) {
		return nil, errMissingPermissions()
	}
	s.deleteChannelLocked(ch)
	return obj, nil
}

// threadStartBody is POST /channels/{channel}/threads and
// /channels/{channel}/messages/{message}/threads.
type threadStartBody struct {
	Name                string                `json:"name"`
	AutoArchiveDuration int                   `json:"auto_archive_duration"`
	Type                discordgo.ChannelType `json:"type"`
	Invitable           *bool                 `json:"invitable"`
}

// POST /channels/{channel}/threads: a thread without a starter message
// (type defaults to private in API v9).
func (s *Server) startThread(c *call) (any, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	var b threadStartBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	invitable := b.Invitable == nil || *b.Invitable
	th, err := s.createThreadLocked(threadSpec{parent: ch, ownerID: s.st.botID, name: b.Name, typ: b.Type, autoArchive: b.AutoArchiveDuration, invitable: invitable})
	if err != nil {
		return nil, err
	}
	c.status = 201
	return s.st.channelObjLocked(th), nil
}

// POST /channels/{channel}/messages/{message}/threads: a public thread
// whose ID is the message's.
func (s *Server) startMessageThread(c *call) (any, error) {
	ch, m, err := s.messageForBotLocked(c)
	if err != nil {
		return nil, err
	}
	var b threadStartBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	th, err := s.createThreadLocked(threadSpec{parent: ch, ownerID: s.st.botID, name: b.Name, autoArchive: b.AutoArchiveDuration, from: m})
	if err != nil {
		return nil, err
	}
	c.status = 201
	return s.st.channelObjLocked(th), nil
}

// threadUserParam resolves "@me" in thread-member paths.
func (s *Server) threadUserParam(c *call) string {
	if u := c.param("user"); u != "@me" {
		return u
	}
	return s.st.botID
}

// PUT /channels/{thread}/thread-members/{user}
func (s *Server) putThreadMember(c *call) (any, error) {
	th, ok := s.st.channels[c.param("channel")]
	if !ok {
		return nil, errUnknownChannel()
	}
	if err := s.threadAddMemberLocked(th, s.st.botID, s.threadUserParam(c)); err != nil {
		return nil, err
	}
	c.status = 204
	return nil, nil
}

// DELETE /channels/{thread}/thread-members/{user}
func (s *Server) deleteThreadMember(c *call) (any, error) {
	th, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	if err := s.threadRemoveMemberLocked(th, s.st.botID, s.threadUserParam(c)); err != nil {
		return nil, err
	}
	c.status = 204
	return nil, nil
}

// GET /channels/{thread}/thread-members and .../{user}
func (s *Server) getThreadMembers(c *call) (any, error) {
	th, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	if !th.isThread() {
		return nil, errWrongChannelType()
	}
	out := []*discordgo.ThreadMember{}
	for _, uid := range th.threadMemberOrder {
		out = append(out, &discordgo.ThreadMember{ID: th.id, UserID: uid, JoinTimestamp: th.threadMembers[uid]})
	}
	if c.param("user") == "" {
		return out, nil
	}
	uid := s.threadUserParam(c)
	for _, tm := range out {
		if tm.UserID == uid {
			return tm, nil
		}
	}
	return nil, errUnknownMember()
}

// POST /users/@me/channels: open (or reopen) a DM with recipient_id.
func (s *Server) createDM(c *call) (any, error) {
	var b struct {
		RecipientID string `json:"recipient_id"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	if _, ok := s.st.users[b.RecipientID]; !ok || b.RecipientID == s.st.botID {
		return nil, errUnknownUser()
	}
	return s.st.channelObjLocked(s.dmChannelLocked(b.RecipientID)), nil
}

// dmChannelLocked returns the DM channel between the bot and userID,
// creating it if needed.
func (s *Server) dmChannelLocked(userID string) *channel {
	for _, ch := range s.st.channels {
		if ch.isDM() && len(ch.recipients) == 1 && ch.recipients[0] == userID {
			return ch
		}
	}
	ch := &channel{id: s.newIDLocked(), typ: discordgo.ChannelTypeDM, recipients: []string{userID}, byID: map[string]*message{}}
	s.st.channels[ch.id] = ch
	return ch
}
