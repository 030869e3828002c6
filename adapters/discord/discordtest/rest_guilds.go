package discordtest

import (
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// GET /gateway (no authentication needed on Discord)
func (s *Server) getGateway(*call) (any, error) {
	return map[string]any{"url": s.GatewayURL()}, nil
}

// GET /gateway/bot
func (s *Server) getGatewayBot(*call) (any, error) {
	return map[string]any{
		"url": s.GatewayURL(), "shards": 1,
		"session_start_limit": map[string]any{
			"total": 1000, "remaining": max(0, 1000-s.gw.stats.Identifies),
			"reset_after": 86400000, "max_concurrency": 1,
		},
	}, nil
}

// GET /users/@me and /users/{user}
func (s *Server) getUser(c *call) (any, error) {
	id := c.param("user")
	if id == "" || id == "@me" {
		u := s.st.userLocked(s.st.botID)
		u.Verified = true
		return u, nil
	}
	u := s.st.userLocked(id)
	if u == nil {
		return nil, errUnknownUser()
	}
	return u, nil
}

// GET /applications/@me and /oauth2/applications/@me
func (s *Server) getApplication(*call) (any, error) {
	bot := s.st.userLocked(s.st.botID)
	return map[string]any{
		"id": s.st.botID, "name": bot.Username, "description": "", "icon": nil,
		"bot_public": false, "bot_require_code_grant": false, "flags": s.appFlags(),
		"bot": bot, "verify_key": "0000", "summary": "",
	}, nil
}

// guildForBotLocked finds a guild the bot is a member of.
func (s *Server) guildForBotLocked(id string) (*guild, error) {
	g, ok := s.st.guilds[id]
	if !ok {
		return nil, errUnknownGuild()
	}
	if _, ok := g.members[s.st.botID]; !ok {
		return nil, errMissingAccess()
	}
	return g, nil
}

// GET /guilds/{guild}
func (s *Server) getGuild(c *call) (any, error) {
	g, err := s.guildForBotLocked(c.param("guild"))
	if err != nil {
		return nil, err
	}
	return s.st.guildObjLocked(s, g, false, false), nil
}

// GET /guilds/{guild}/channels (threads are not included, as on Discord)
func (s *Server) getGuildChannels(c *call) (any, error) {
	g, err := s.guildForBotLocked(c.param("guild"))
	if err != nil {
		return nil, err
	}
	out := []*discordgo.Channel{}
	for _, id := range g.channelOrder {
		out = append(out, s.st.channelObjLocked(s.st.channels[id]))
	}
	return out, nil
}

// GET /guilds/{guild}/threads/active: the active threads the bot can see.
func (s *Server) getActiveThreads(c *call) (any, error) {
	g, err := s.guildForBotLocked(c.param("guild"))
	if err != nil {
		return nil, err
	}
	out := &discordgo.ThreadsList{Threads: []*discordgo.Channel{}, Members: []*discordgo.ThreadMember{}}
	for _, ch := range s.st.sortedChannels() {
		if ch.guildID != g.id || !ch.isThread() || ch.archived || !s.canViewLocked(s.st.botID, ch) {
			continue
		}
		out.Threads = append(out.Threads, s.st.channelObjLocked(ch))
		if at, ok := ch.threadMembers[s.st.botID]; ok {
			out.Members = append(out.Members, &discordgo.ThreadMember{ID: ch.id, UserID: s.st.botID, JoinTimestamp: at})
		}
	}
	return out, nil
}

// GET /guilds/{guild}/members/{user}
func (s *Server) getGuildMember(c *call) (any, error) {
	g, err := s.guildForBotLocked(c.param("guild"))
	if err != nil {
		return nil, err
	}
	m := s.st.memberObjLocked(g, c.param("user"), true)
	if m == nil {
		return nil, errUnknownMember()
	}
	return m, nil
}

// GET /guilds/{guild}/members?limit=&after= (needs the privileged
// GUILD_MEMBERS intent to be allowed for the application)
func (s *Server) listGuildMembers(c *call) (any, error) {
	g, err := s.guildForBotLocked(c.param("guild"))
	if err != nil {
		return nil, err
	}
	if s.cfg.DisallowedIntents&discordgo.IntentGuildMembers != 0 {
		return nil, errMissingAccess()
	}
	limit := 1
	if v := c.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, formError("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 1000.")
		}
		limit = n
	}
	ids := append([]string(nil), g.memberOrder...)
	sortByID(ids, func(id string) string { return id })
	out := []*discordgo.Member{}
	after := c.query.Get("after")
	for _, id := range ids {
		if (after == "" || idLess(after, id)) && len(out) < limit {
			out = append(out, s.st.memberObjLocked(g, id, true))
		}
	}
	return out, nil
}

// GET /guilds/{guild}/roles
func (s *Server) getGuildRoles(c *call) (any, error) {
	g, err := s.guildForBotLocked(c.param("guild"))
	if err != nil {
		return nil, err
	}
	out := []*discordgo.Role{}
	for _, r := range g.roles {
		cp := *r
		out = append(out, &cp)
	}
	return out, nil
}
