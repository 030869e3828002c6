package slacktest

import (
	"slices"
	"strconv"
	"strings"
)

// openDMLocked returns the bot's DM with one user, or its group DM with
// several, creating it the first time; existed says it was there before.
func (st *State) openDMLocked(users []string) (*channelState, bool, error) {
	var others []string
	for _, u := range users {
		if u = strings.TrimSpace(u); u != "" && u != st.cfg.BotUserID && !slices.Contains(others, u) {
			others = append(others, u)
		}
	}
	switch {
	case len(others) == 0:
		return nil, false, slackError("users_list_not_supplied")
	case len(others) > 8:
		return nil, false, slackError("too_many_users")
	}
	for _, id := range others {
		u := st.users[id]
		if u == nil {
			return nil, false, slackError("user_not_found")
		}
		if u.Deleted {
			return nil, false, slackError("user_disabled")
		}
	}
	slices.Sort(others)
	key := strings.Join(others, ",")
	if cs := st.channels[st.dms[key]]; cs != nil {
		return cs, true, nil
	}
	c := Channel{Created: st.now(), Members: append(slices.Clone(others), st.cfg.BotUserID)}
	if len(others) == 1 {
		c.ID, c.IsIM, c.User = st.newIDLocked("D"), true, others[0]
	} else {
		var names []string
		for _, id := range others {
			names = append(names, st.users[id].Name)
		}
		c.ID, c.IsMPIM, c.IsPrivate = st.newIDLocked("G"), true, true
		c.Name = "mpdm-" + strings.Join(names, "--") + "-1"
	}
	st.dms[key] = c.ID
	return st.addChannelLocked(c), false, nil
}

// readableLocked finds a conversation whose messages the bot may read.
func (st *State) readableLocked(id string) (*channelState, error) {
	cs, err := st.channelLocked(id)
	if err != nil {
		return nil, err
	}
	if !cs.isMember(st.cfg.BotUserID) {
		if cs.info.IsPrivate || cs.info.IsIM || cs.info.IsMPIM {
			return nil, slackError("channel_not_found")
		}
		return nil, slackError("not_in_channel")
	}
	return cs, nil
}

// conversations.open: a stable DM per user (group DM for several).
func (s *Server) conversationsOpen(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	err := st.update(func() error {
		var cs *channelState
		existed := true
		var err error
		if id := r.str("channel"); id != "" {
			if cs, err = st.channelLocked(id); err != nil {
				return err
			}
			if !cs.info.IsIM && !cs.info.IsMPIM {
				return slackError("method_not_supported_for_channel_type")
			}
		} else if cs, existed, err = st.openDMLocked(strings.Split(r.str("users"), ",")); err != nil {
			return err
		}
		ch := obj{"id": cs.info.ID}
		if r.boolean("return_im") {
			ch = st.wireChannelLocked(cs)
		}
		out = obj{"channel": ch, "no_op": existed, "already_open": existed}
		return nil
	})
	return out, err
}

// conversations.info: one conversation.
func (s *Server) conversationsInfo(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	var err error
	st.read(func() {
		var cs *channelState
		if cs, err = st.channelLocked(r.str("channel")); err != nil {
			return
		}
		if cs.info.IsPrivate && !cs.isMember(st.cfg.BotUserID) {
			err = slackError("channel_not_found")
			return
		}
		out = obj{"channel": st.wireChannelLocked(cs)}
	})
	return out, err
}

// conversations.members: member IDs, cursor-paginated.
func (s *Server) conversationsMembers(r *apiRequest) (obj, error) {
	start := 0
	if c := r.str("cursor"); c != "" {
		v, err := decodeCursor(c, "offset")
		if err != nil {
			return nil, err
		}
		if start = atoiOr(v, -1); start < 0 {
			return nil, slackError("invalid_cursor")
		}
	}
	limit := r.limit(100, 1000)
	st := s.state
	var out obj
	var err error
	st.read(func() {
		var cs *channelState
		if cs, err = st.channelLocked(r.str("channel")); err != nil {
			return
		}
		all := cs.info.Members
		page, next := []string{}, ""
		if start < len(all) {
			page = slices.Clone(all[start:min(start+limit, len(all))])
		}
		if start+limit < len(all) {
			next = encodeCursor("offset", strconv.Itoa(start+limit))
		}
		out = obj{"members": page, "response_metadata": obj{"next_cursor": next}}
	})
	return out, err
}

// conversations.join: the bot joins a public channel.
func (s *Server) conversationsJoin(r *apiRequest) (obj, error) {
	st := s.state
	var out obj
	err := st.update(func() error {
		cs, err := st.channelLocked(r.str("channel"))
		if err != nil {
			return err
		}
		if cs.info.IsIM || cs.info.IsMPIM || cs.info.IsPrivate {
			return slackError("method_not_supported_for_channel_type")
		}
		if cs.info.Archived {
			return slackError("is_archived")
		}
		out = obj{}
		if cs.isMember(st.cfg.BotUserID) {
			out["warning"] = "already_in_channel"
		} else {
			cs.info.Members = append(cs.info.Members, st.cfg.BotUserID)
		}
		out["channel"] = st.wireChannelLocked(cs)
		return nil
	})
	return out, err
}

// tsRange is the oldest/latest/inclusive window of history and replies.
type tsRange struct {
	oldest, latest int64
	hasOldest      bool
	hasLatest      bool
	inclusive      bool
}

func (r *apiRequest) tsRange() (tsRange, error) {
	tr := tsRange{inclusive: r.boolean("inclusive")}
	var ok bool
	if v := r.str("oldest"); v != "" {
		if tr.oldest, ok = parseTS(v); !ok {
			return tr, slackError("invalid_ts_oldest")
		}
		tr.hasOldest = true
	}
	if v := r.str("latest"); v != "" {
		if tr.latest, ok = parseTS(v); !ok {
			return tr, slackError("invalid_ts_latest")
		}
		tr.hasLatest = true
	}
	return tr, nil
}

func (tr tsRange) contains(ts string) bool {
	us, _ := parseTS(ts)
	if tr.hasOldest && (us < tr.oldest || (us == tr.oldest && !tr.inclusive)) {
		return false
	}
	if tr.hasLatest && (us > tr.latest || (us == tr.latest && !tr.inclusive)) {
		return false
	}
	return true
}

// cursorTS reads a "next_ts" cursor; zero means the first page.
func (r *apiRequest) cursorTS() (int64, error) {
	c := r.str("cursor")
	if c == "" {
		return 0, nil
	}
	v, err := decodeCursor(c, "next_ts")
	if err != nil {
		return 0, err
	}
	us, ok := parseTS(v)
	if !ok {
		return 0, slackError("invalid_cursor")
	}
	return us, nil
}

// conversations.history: top-level messages (and broadcast replies), newest
// first.
func (s *Server) conversationsHistory(r *apiRequest) (obj, error) {
	tr, err := r.tsRange()
	if err != nil {
		return nil, err
	}
	from, err := r.cursorTS()
	if err != nil {
		return nil, err
	}
	limit := r.limit(100, 999)
	st := s.state
	var out obj
	st.read(func() {
		var cs *channelState
		if cs, err = st.readableLocked(r.str("channel")); err != nil {
			return
		}
		var cand []*Message
		for _, m := range slices.Backward(cs.msgs) {
			us, _ := parseTS(m.TS)
			if (!m.IsReply() || m.SubType == "thread_broadcast") && tr.contains(m.TS) && (from == 0 || us <= from) {
				cand = append(cand, m)
			}
		}
		out = st.pageLocked(cs, nil, cand, limit)
		out["pin_count"] = 0
	})
	return out, err
}

// conversations.replies: a thread's parent, then its replies, oldest first.
// The first page always starts with the parent, whatever oldest says;
// later pages leave it out.
func (s *Server) conversationsReplies(r *apiRequest) (obj, error) {
	tr, err := r.tsRange()
	if err != nil {
		return nil, err
	}
	from, err := r.cursorTS()
	if err != nil {
		return nil, err
	}
	limit := r.limit(1000, 1000)
	st := s.state
	var out obj
	st.read(func() {
		var cs *channelState
		if cs, err = st.readableLocked(r.str("channel")); err != nil {
			return
		}
		ts := r.str("ts")
		parent := cs.byTS[ts]
		if parent == nil || cs.deletedThreads[ts] {
			err = slackError("thread_not_found")
			return
		}
		var cand []*Message
		if !parent.IsReply() {
			for _, m := range cs.replies(ts) {
				us, _ := parseTS(m.TS)
				if tr.contains(m.TS) && us >= from {
					cand = append(cand, m)
				}
			}
		}
		var first *Message
		if from == 0 {
			first = parent
		}
		out = st.pageLocked(cs, first, cand, limit)
	})
	return out, err
}

// pageLocked renders up to limit messages, first (if any) before cand, with
// has_more and a cursor pointing at the first message left out.
func (st *State) pageLocked(cs *channelState, first *Message, cand []*Message, limit int) obj {
	msgs := []obj{}
	if first != nil {
		msgs = append(msgs, st.wireMessageLocked(cs, first))
	}
	n := min(max(limit-len(msgs), 0), len(cand))
	for _, m := range cand[:n] {
		msgs = append(msgs, st.wireMessageLocked(cs, m))
	}
	next := ""
	if n < len(cand) {
		next = encodeCursor("next_ts", cand[n].TS)
	}
	return obj{"messages": msgs, "has_more": next != "", "response_metadata": obj{"next_cursor": next}}
}
