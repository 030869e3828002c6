package slacktest

import (
	"strconv"
	"strings"
)

// auth.test: who the bot token belongs to. The X-OAuth-Scopes header, sent
// on every answer, lists the granted scopes.
func (s *Server) authTest(*apiRequest) (obj, error) {
	return obj{
		"url":                   "https://" + s.cfg.TeamDomain + ".slack.com/",
		"team":                  s.cfg.TeamName,
		"user":                  s.cfg.BotName,
		"team_id":               s.cfg.TeamID,
		"user_id":               s.cfg.BotUserID,
		"bot_id":                s.cfg.BotID,
		"is_enterprise_install": false,
	}, nil
}

// apps.connections.open: a single-use Socket Mode URL, wanting the app-level
// token.
func (s *Server) appsConnectionsOpen(*apiRequest) (obj, error) {
	ticket := s.hub.issueTicket()
	u := "ws" + strings.TrimPrefix(s.URL(), "http") + "/socket-mode?ticket=" + ticket
	return obj{"url": u}, nil
}

// users.info: one user, deleted ones included; its locale only with
// include_locale=true.
func (s *Server) usersInfo(r *apiRequest) (obj, error) {
	var out obj
	var err error
	s.state.read(func() {
		u := s.state.users[r.str("user")]
		if u == nil {
			err = slackError("user_not_found")
			return
		}
		out = obj{"user": s.state.wireUser(u, r.boolean("include_locale"))}
	})
	return out, err
}

// users.list: every user, cursor-paginated; locales only with
// include_locale=true.
func (s *Server) usersList(r *apiRequest) (obj, error) {
	limit := r.limit(200, 1000)
	start := 0
	if c := r.str("cursor"); c != "" {
		v, err := decodeCursor(c, "offset")
		if err != nil {
			return nil, err
		}
		start = atoiOr(v, -1)
		if start < 0 {
			return nil, slackError("invalid_cursor")
		}
	}
	var members []obj
	next := ""
	s.state.read(func() {
		ids := s.state.userOrder
		for i := start; i < len(ids) && i < start+limit; i++ {
			members = append(members, s.state.wireUser(s.state.users[ids[i]], r.boolean("include_locale")))
		}
		if start+limit < len(ids) {
			next = encodeCursor("offset", strconv.Itoa(start+limit))
		}
	})
	return obj{"members": members, "cache_ts": s.Now().Unix(),
		"response_metadata": obj{"next_cursor": next}}, nil
}
