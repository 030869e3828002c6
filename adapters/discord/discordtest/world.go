package discordtest

import (
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// AddUser creates a human Discord user with the given username.
func (s *Server) AddUser(name string) *discordgo.User {
	s.mu.Lock()
	defer s.unlock()
	u := s.addUserLocked(name)
	cp := *u
	return &cp
}

// AddGuild creates a guild owned by ownerID (a user from AddUser) with an
// @everyone role allowing EveryonePermissions, the bot as a member without
// other roles, and no channels. A connected bot receives GUILD_CREATE.
func (s *Server) AddGuild(name, ownerID string) (guildID string, err error) {
	s.mu.Lock()
	defer s.unlock()
	if _, ok := s.st.users[ownerID]; !ok {
		return "", fmt.Errorf("discordtest: unknown user %s", ownerID)
	}
	g := s.addGuildLocked(name, ownerID)
	for _, sess := range s.sessionsLocked() {
		if sess.intents&discordgo.IntentGuilds != 0 {
			full := s.st.guildObjLocked(s, g, true, sess.intents&discordgo.IntentGuildMembers != 0)
			s.dispatchToLocked(sess, "GUILD_CREATE", mustJSON(full))
		}
	}
	return g.id, nil
}

// SetUserLocale sets the language of a user's Discord client ("fr",
// "en-US"): their interactions carry it as locale. Messages carry none.
func (s *Server) SetUserLocale(userID string, locale discordgo.Locale) error {
	s.mu.Lock()
	defer s.unlock()
	if _, ok := s.st.users[userID]; !ok {
		return fmt.Errorf("discordtest: unknown user %s", userID)
	}
	s.st.locales[userID] = locale
	return nil
}

// SetGuildLocale sets a guild's preferred locale ("fr"), as its owner
// would in the community settings: the guild object and its
// interactions' guild_locale carry it, and connected bots receive
// GUILD_UPDATE.
func (s *Server) SetGuildLocale(guildID string, locale discordgo.Locale) error {
	s.mu.Lock()
	defer s.unlock()
	g, ok := s.st.guilds[guildID]
	if !ok {
		return fmt.Errorf("discordtest: unknown guild %s", guildID)
	}
	g.preferredLocale = locale
	for _, sess := range s.sessionsLocked() {
		if sess.intents&discordgo.IntentGuilds != 0 {
			s.dispatchToLocked(sess, "GUILD_UPDATE", mustJSON(s.st.guildObjLocked(s, g, false, false)))
		}
	}
	return nil
}

// AddMember makes userID a member of guildID with the given extra roles
// (adding roles if already a member). Dispatches GUILD_MEMBER_ADD to
// sessions with IntentGuildMembers.
func (s *Server) AddMember(guildID, userID string, roleIDs ...string) error {
	s.mu.Lock()
	defer s.unlock()
	g, ok := s.st.guilds[guildID]
	if !ok {
		return fmt.Errorf("discordtest: unknown guild %s", guildID)
	}
	if _, ok := s.st.users[userID]; !ok {
		return fmt.Errorf("discordtest: unknown user %s", userID)
	}
	for _, r := range roleIDs {
		if s.st.role(g, r) == nil {
			return fmt.Errorf("discordtest: unknown role %s", r)
		}
	}
	_, existed := g.members[userID]
	s.addMemberLocked(g, userID, roleIDs...)
	if !existed {
		s.emitLocked(event{typ: "GUILD_MEMBER_ADD", intent: discordgo.IntentGuildMembers, data: s.st.memberObjLocked(g, userID, true)})
	}
	return nil
}

// AddRole creates a role with perms in guildID.
func (s *Server) AddRole(guildID, name string, perms int64) (roleID string, err error) {
	s.mu.Lock()
	defer s.unlock()
	g, ok := s.st.guilds[guildID]
	if !ok {
		return "", fmt.Errorf("discordtest: unknown guild %s", guildID)
	}
	return s.addRoleLocked(g, name, perms).ID, nil
}

// SetRolePermissions replaces a role's permissions; the @everyone role's
// ID is the guild's.
func (s *Server) SetRolePermissions(guildID, roleID string, perms int64) error {
	s.mu.Lock()
	defer s.unlock()
	g, ok := s.st.guilds[guildID]
	if !ok {
		return fmt.Errorf("discordtest: unknown guild %s", guildID)
	}
	r := s.st.role(g, roleID)
	if r == nil {
		return fmt.Errorf("discordtest: unknown role %s", roleID)
	}
	r.Permissions = perms
	return nil
}

// AddTextChannel creates a text channel in guildID. A connected bot that
// can see it receives CHANNEL_CREATE.
func (s *Server) AddTextChannel(guildID, name string) (channelID string, err error) {
	s.mu.Lock()
	defer s.unlock()
	g, ok := s.st.guilds[guildID]
	if !ok {
		return "", fmt.Errorf("discordtest: unknown guild %s", guildID)
	}
	ch := s.addChannelLocked(g, name, discordgo.ChannelTypeGuildText)
	s.emitLocked(event{typ: "CHANNEL_CREATE", intent: discordgo.IntentGuilds, in: ch, data: s.st.channelObjLocked(ch)})
	return ch.id, nil
}

// SetPermissionOverwrite sets (replaces) the overwrite for ow.ID on a
// channel or thread's parent; an overwrite with Allow and Deny both 0 is
// removed.
func (s *Server) SetPermissionOverwrite(channelID string, ow discordgo.PermissionOverwrite) error {
	s.mu.Lock()
	defer s.unlock()
	ch, ok := s.st.channels[channelID]
	if !ok {
		return fmt.Errorf("discordtest: unknown channel %s", channelID)
	}
	if ch.isThread() {
		ch = s.st.channels[ch.parentID]
	}
	ch.overwrites = slices.DeleteFunc(ch.overwrites, func(o *discordgo.PermissionOverwrite) bool { return o.ID == ow.ID })
	if ow.Allow != 0 || ow.Deny != 0 {
		cp := ow
		ch.overwrites = append(ch.overwrites, &cp)
	}
	return nil
}

// SetBotPermissions sets a member overwrite for the bot on a channel (a
// thread's parent for threads): allow and deny are permission bits, e.g.
// SetBotPermissions(ch, 0, discordgo.PermissionManageMessages).
func (s *Server) SetBotPermissions(channelID string, allow, deny int64) error {
	return s.SetPermissionOverwrite(channelID, discordgo.PermissionOverwrite{
		ID: s.st.botID, Type: discordgo.PermissionOverwriteTypeMember, Allow: allow, Deny: deny,
	})
}

// OpenDM returns the DM channel between the bot and userID, creating it.
func (s *Server) OpenDM(userID string) (channelID string, err error) {
	s.mu.Lock()
	defer s.unlock()
	if _, ok := s.st.users[userID]; !ok || userID == s.st.botID {
		return "", fmt.Errorf("discordtest: unknown user %s", userID)
	}
	return s.dmChannelLocked(userID).id, nil
}
