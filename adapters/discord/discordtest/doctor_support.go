package discordtest

import (
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// RemoveMember takes userID out of guildID, as a kick or the user leaving
// would. Removing the bot leaves the guild in the world but out of the
// bot's reach: REST calls about it answer 403 Missing Access, as for a
// server the bot was never invited to. Dispatches GUILD_MEMBER_REMOVE to
// sessions with IntentGuildMembers.
func (s *Server) RemoveMember(guildID, userID string) error {
	s.mu.Lock()
	defer s.unlock()
	g, ok := s.st.guilds[guildID]
	if !ok {
		return fmt.Errorf("discordtest: unknown guild %s", guildID)
	}
	if _, ok := g.members[userID]; !ok {
		return fmt.Errorf("discordtest: %s is not a member of %s", userID, guildID)
	}
	delete(g.members, userID)
	g.memberOrder = slices.DeleteFunc(g.memberOrder, func(id string) bool { return id == userID })
	s.emitLocked(event{typ: "GUILD_MEMBER_REMOVE", intent: discordgo.IntentGuildMembers,
		data: map[string]any{"guild_id": g.id, "user": s.st.userLocked(userID)}})
	return nil
}
