package discordtest

import (
	"slices"

	"github.com/bwmarrin/discordgo"
)

// allPermissions is every permission bit (discordgo.PermissionAll predates
// the thread permissions).
const allPermissions int64 = 1<<51 - 1

// permissionsLocked computes userID's permissions in channel c the way
// Discord does: @everyone and member roles, ADMINISTRATOR, then the
// channel's overwrites (a thread uses its parent's) for @everyone, roles and
// the member, and implicit denials when VIEW_CHANNEL or SEND_MESSAGES is
// missing.
func (s *Server) permissionsLocked(userID string, c *channel) int64 {
	w := s.st
	if c.isDM() {
		if userID == w.botID || slices.Contains(c.recipients, userID) {
			return discordgo.PermissionAllText | discordgo.PermissionViewChannel | discordgo.PermissionAddReactions
		}
		return 0
	}
	g, ok := w.guilds[c.guildID]
	if !ok {
		return 0
	}
	if userID == g.ownerID {
		return allPermissions
	}
	m, ok := g.members[userID]
	if !ok {
		return 0
	}
	perms := w.role(g, g.id).Permissions
	for _, rid := range m.roles {
		if r := w.role(g, rid); r != nil {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return allPermissions
	}
	target := c
	if c.isThread() {
		if p, ok := w.channels[c.parentID]; ok {
			target = p
		}
	}
	var roleAllow, roleDeny int64
	for _, o := range target.overwrites {
		switch {
		case o.Type == discordgo.PermissionOverwriteTypeRole && o.ID == g.id:
			perms &^= o.Deny
			perms |= o.Allow
		case o.Type == discordgo.PermissionOverwriteTypeRole && slices.Contains(m.roles, o.ID):
			roleAllow |= o.Allow
			roleDeny |= o.Deny
		}
	}
	perms &^= roleDeny
	perms |= roleAllow
	for _, o := range target.overwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == userID {
			perms &^= o.Deny
			perms |= o.Allow
		}
	}
	if perms&discordgo.PermissionViewChannel == 0 {
		return 0
	}
	if perms&discordgo.PermissionSendMessages == 0 {
		perms &^= discordgo.PermissionSendTTSMessages | discordgo.PermissionMentionEveryone |
			discordgo.PermissionEmbedLinks | discordgo.PermissionAttachFiles
	}
	return perms
}

// hasPermLocked reports whether userID has every bit of want in c.
func (s *Server) hasPermLocked(userID string, c *channel, want int64) bool {
	return s.permissionsLocked(userID, c)&want == want
}

// canViewLocked reports whether userID can see c: VIEW_CHANNEL, and for a
// private thread membership or MANAGE_THREADS.
func (s *Server) canViewLocked(userID string, c *channel) bool {
	p := s.permissionsLocked(userID, c)
	if p&discordgo.PermissionViewChannel == 0 {
		return false
	}
	if c.typ == discordgo.ChannelTypeGuildPrivateThread {
		if _, ok := c.threadMembers[userID]; ok {
			return true
		}
		return p&discordgo.PermissionManageThreads != 0
	}
	return true
}

// sendPermFor is the permission needed to post in c.
func sendPermFor(c *channel) int64 {
	if c.isThread() {
		return discordgo.PermissionSendMessagesInThreads
	}
	return discordgo.PermissionSendMessages
}

// postableLocked checks that userID may post a message in c and says
// whether posting un-archives it. Errors are Discord's.
func (s *Server) postableLocked(userID string, c *channel) (unarchive bool, err error) {
	if !s.canViewLocked(userID, c) {
		return false, errMissingAccess()
	}
	if !s.hasPermLocked(userID, c, sendPermFor(c)) {
		return false, errMissingPermissions()
	}
	if !c.isThread() {
		return false, nil
	}
	manage := s.hasPermLocked(userID, c, discordgo.PermissionManageThreads)
	switch {
	case c.locked && !manage && c.archived:
		return false, errThreadArchived(403)
	case c.locked && !manage:
		return false, errThreadLocked()
	}
	return c.archived, nil
}
