package discordtest

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// threadSpec is what creating a thread needs, whoever creates it.
type threadSpec struct {
	parent      *channel
	ownerID     string
	name        string
	typ         discordgo.ChannelType
	autoArchive int
	invitable   bool
	from        *message // the starter message, for threads started on one
}

// createThreadLocked checks and creates a thread as ownerID, dispatching
// THREAD_CREATE and, for a public thread without a starter message, the
// THREAD_CREATED system message in the parent.
func (s *Server) createThreadLocked(sp threadSpec) (*channel, error) {
	p := sp.parent
	if p.typ != discordgo.ChannelTypeGuildText && p.typ != discordgo.ChannelTypeGuildNews {
		return nil, errWrongChannelType()
	}
	if n := utf8.RuneCountInString(sp.name); n < 1 || n > 100 {
		return nil, formError("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	switch sp.autoArchive {
	case 0:
		sp.autoArchive = 4320
	case 60, 1440, 4320, 10080:
	default:
		return nil, formError("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
	}
	if sp.typ == 0 {
		sp.typ = discordgo.ChannelTypeGuildPrivateThread // API v9's default
		if sp.from != nil {
			sp.typ = discordgo.ChannelTypeGuildPublicThread
		}
		if p.typ == discordgo.ChannelTypeGuildNews {
			sp.typ = discordgo.ChannelTypeGuildNewsThread
		}
	}
	need := int64(discordgo.PermissionCreatePublicThreads)
	switch {
	case sp.typ == discordgo.ChannelTypeGuildPrivateThread && p.typ == discordgo.ChannelTypeGuildText:
		need = discordgo.PermissionCreatePrivateThreads
	case sp.typ == discordgo.ChannelTypeGuildPublicThread && p.typ == discordgo.ChannelTypeGuildText:
	case sp.typ == discordgo.ChannelTypeGuildNewsThread && p.typ == discordgo.ChannelTypeGuildNews:
	default:
		return nil, formError("type", "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.")
	}
	if sp.from != nil {
		need |= discordgo.PermissionReadMessageHistory
		if sp.from.m.Thread != nil {
			return nil, errThreadExists()
		}
	}
	if !s.canViewLocked(sp.ownerID, p) {
		return nil, errMissingAccess()
	}
	if !s.hasPermLocked(sp.ownerID, p, need) {
		return nil, errMissingPermissions()
	}
	id := ""
	if sp.from != nil {
		id = sp.from.m.ID // a thread started on a message shares its ID
	} else {
		id = s.newIDLocked()
	}
	now := s.now()
	th := &channel{
		id: id, guildID: p.guildID, typ: sp.typ, name: sp.name, parentID: p.id, ownerID: sp.ownerID,
		autoArchive: sp.autoArchive, archiveTS: now, invitable: sp.invitable || sp.typ != discordgo.ChannelTypeGuildPrivateThread,
		threadMembers: map[string]time.Time{}, byID: map[string]*message{},
	}
	th.threadMembers[sp.ownerID] = now
	th.threadMemberOrder = []string{sp.ownerID}
	s.st.channels[id] = th
	s.emitThreadLocked("THREAD_CREATE", th, true)
	if sp.from != nil {
		sp.from.m.Thread = s.st.channelObjLocked(th)
		sp.from.m.Flags |= discordgo.MessageFlagsHasThread
		s.emitMessageUpdateLocked(p, sp.from)
	} else if sp.typ != discordgo.ChannelTypeGuildPrivateThread {
		sys := &discordgo.Message{
			Type: discordgo.MessageTypeThreadCreated, Content: sp.name, Author: s.st.userLocked(sp.ownerID),
			MessageReference: &discordgo.MessageReference{ChannelID: th.id, GuildID: th.guildID},
		}
		s.postLocked(p, sys, MessageInfo{}, false)
	}
	return th, nil
}

// threadAddMemberLocked adds userID to a thread on behalf of actorID,
// posting the RECIPIENT_ADD system message when someone else is added.
func (s *Server) threadAddMemberLocked(th *channel, actorID, userID string) error {
	if !th.isThread() {
		return errWrongChannelType()
	}
	if th.archived {
		return errThreadArchived(400)
	}
	g := s.st.guilds[th.guildID]
	if _, ok := g.members[userID]; !ok {
		return errUnknownMember()
	}
	if !s.canViewLocked(actorID, th) && actorID != userID {
		return errMissingAccess()
	}
	if actorID != userID {
		if !s.hasPermLocked(actorID, th, discordgo.PermissionSendMessagesInThreads) {
			return errMissingPermissions()
		}
		manage := s.hasPermLocked(actorID, th, discordgo.PermissionManageThreads)
		if th.typ == discordgo.ChannelTypeGuildPrivateThread && !th.invitable && !manage {
			return errMissingPermissions()
		}
	} else if !s.canViewLocked(userID, th) && th.typ == discordgo.ChannelTypeGuildPrivateThread {
		return errMissingAccess()
	}
	if _, ok := th.threadMembers[userID]; ok {
		return nil
	}
	th.threadMembers[userID] = s.now()
	th.threadMemberOrder = append(th.threadMemberOrder, userID)
	if userID == s.st.botID && th.typ == discordgo.ChannelTypeGuildPrivateThread {
		s.emitThreadLocked("THREAD_CREATE", th, false) // the thread became visible
	}
	s.emitThreadMembersLocked(th, []string{userID}, nil)
	if actorID != userID {
		sys := &discordgo.Message{Type: discordgo.MessageTypeRecipientAdd, Author: s.st.userLocked(actorID),
			Mentions: []*discordgo.User{s.st.userLocked(userID)}}
		s.postLocked(th, sys, MessageInfo{}, false)
	}
	return nil
}

// threadRemoveMemberLocked removes userID from a thread on behalf of actorID.
func (s *Server) threadRemoveMemberLocked(th *channel, actorID, userID string) error {
	if !th.isThread() {
		return errWrongChannelType()
	}
	if th.archived {
		return errThreadArchived(400)
	}
	if actorID != userID {
		manage := s.hasPermLocked(actorID, th, discordgo.PermissionManageThreads)
		owner := th.ownerID == actorID && th.typ == discordgo.ChannelTypeGuildPrivateThread
		if !manage && !owner {
			return errMissingPermissions()
		}
	}
	if _, ok := th.threadMembers[userID]; !ok {
		return nil
	}
	delete(th.threadMembers, userID)
	th.threadMemberOrder = slices.DeleteFunc(th.threadMemberOrder, func(id string) bool { return id == userID })
	s.emitThreadMembersLocked(th, nil, []string{userID})
	if actorID != userID {
		sys := &discordgo.Message{Type: discordgo.MessageTypeRecipientRemove, Author: s.st.userLocked(actorID),
			Mentions: []*discordgo.User{s.st.userLocked(userID)}}
		s.postLocked(th, sys, MessageInfo{}, false)
	}
	return nil
}

// threadPatch is a change to a thread's name or flags; nil fields stay.
type threadPatch struct {
	Name                *string `json:"name"`
	Topic               *string `json:"topic"`
	Archived            *bool   `json:"archived"`
	Locked              *bool   `json:"locked"`
	Invitable           *bool   `json:"invitable"`
	AutoArchiveDuration *int    `json:"auto_archive_duration"`
}

// patchThreadLocked applies p as actorID with Discord's rules and
// dispatches THREAD_UPDATE.
func (s *Server) patchThreadLocked(th *channel, actorID string, p threadPatch) error {
	manage := s.hasPermLocked(actorID, th, discordgo.PermissionManageThreads)
	owner := th.ownerID == actorID
	unarchiving := p.Archived != nil && !*p.Archived && th.archived
	others := p.Name != nil || p.Locked != nil || p.Invitable != nil || p.AutoArchiveDuration != nil
	if th.archived && !unarchiving && others {
		return errThreadArchived(400)
	}
	locked := th.locked
	if p.Locked != nil {
		locked = *p.Locked
	}
	switch {
	case unarchiving && !s.hasPermLocked(actorID, th, discordgo.PermissionSendMessagesInThreads):
		return errMissingPermissions()
	case unarchiving && locked && !manage:
		return errMissingPermissions()
	case (p.Locked != nil || p.Invitable != nil) && !manage:
		return errMissingPermissions()
	case (p.Name != nil || p.AutoArchiveDuration != nil || (p.Archived != nil && *p.Archived)) && !manage && !owner:
		return errMissingPermissions()
	}
	if p.Name != nil {
		if n := utf8.RuneCountInString(*p.Name); n < 1 || n > 100 {
			return formError("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		th.name = *p.Name
	}
	if p.AutoArchiveDuration != nil {
		switch *p.AutoArchiveDuration {
		case 60, 1440, 4320, 10080:
			th.autoArchive = *p.AutoArchiveDuration
		default:
			return formError("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
		}
	}
	if p.Locked != nil {
		th.locked = *p.Locked
	}
	if p.Invitable != nil && th.typ == discordgo.ChannelTypeGuildPrivateThread {
		th.invitable = *p.Invitable
	}
	if p.Archived != nil && *p.Archived != th.archived {
		th.archived = *p.Archived
		th.archiveTS = s.now()
	}
	s.emitThreadLocked("THREAD_UPDATE", th, false)
	return nil
}

// deleteChannelLocked removes a channel (and a parent's threads),
// dispatching THREAD_DELETE or CHANNEL_DELETE.
func (s *Server) deleteChannelLocked(ch *channel) {
	if ch.isThread() {
		s.emitThreadDeleteLocked(ch)
		delete(s.st.channels, ch.id)
		return
	}
	obj := s.st.channelObjLocked(ch)
	s.emitLocked(event{typ: "CHANNEL_DELETE", intent: discordgo.IntentGuilds, in: ch, data: obj})
	for id, c := range s.st.channels {
		if c.parentID == ch.id {
			delete(s.st.channels, id)
		}
	}
	delete(s.st.channels, ch.id)
	if g, ok := s.st.guilds[ch.guildID]; ok {
		g.channelOrder = slices.DeleteFunc(g.channelOrder, func(id string) bool { return id == ch.id })
	}
}
