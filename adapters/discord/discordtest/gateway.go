package discordtest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opPresence       = 3
	opVoiceState     = 4
	opResume         = 6
	opReconnect      = 7
	opRequestMembers = 8
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatAck   = 11
)

// gateway is the websocket side of the server, guarded by Server.mu.
type gateway struct {
	sessions map[string]*gwSession
	conns    map[*gwConn]struct{}
	noAcks   bool
	stats    GatewayStats
	sent     []Dispatch
}

func newGateway() *gateway {
	return &gateway{sessions: map[string]*gwSession{}, conns: map[*gwConn]struct{}{}}
}

// gwSession is a Discord gateway session: it outlives connections and keeps
// every dispatch for RESUME.
type gwSession struct {
	id       string
	intents  discordgo.Intent
	compress bool
	seq      int64
	log      []loggedDispatch
	conn     *gwConn
	invalid  bool
}

type loggedDispatch struct {
	seq   int64
	typ   string
	frame []byte
}

// GatewayStats counts gateway traffic.
type GatewayStats struct {
	// Connections is how many websocket connections were accepted.
	Connections int
	// Identifies counts IDENTIFYs answered with READY.
	Identifies int
	// RejectedIdentifies counts IDENTIFYs closed with 4004 or 4014.
	RejectedIdentifies int
	// Resumes counts RESUMEs that resumed a session.
	Resumes int
	// ResumeAttempts counts every RESUME, including those answered with op 9.
	ResumeAttempts int
	// Heartbeats counts op 1 frames received.
	Heartbeats int
	// Intents are those of the last accepted IDENTIFY.
	Intents discordgo.Intent
	// Connected reports whether some session has a live connection.
	Connected bool
}

// Dispatch is one op 0 frame queued on a connection (a frame queued just
// before a drop may never arrive; RESUME replays it).
type Dispatch struct {
	SessionID string // the gateway session it belongs to
	Seq       int64  // its sequence number, "s"
	Type      string // its event name, "t", e.g. "MESSAGE_CREATE"
	// Replayed marks frames sent again in answer to RESUME.
	Replayed bool
	At       time.Time // when it was queued
}

// GatewayStats returns the gateway counters.
func (s *Server) GatewayStats() GatewayStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.gw.stats
	for _, sess := range s.gw.sessions {
		if sess.conn != nil && !sess.invalid {
			st.Connected = true
		}
	}
	return st
}

// Dispatched returns every dispatch queued on a connection, in order.
func (s *Server) Dispatched() []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Dispatch(nil), s.gw.sent...)
}

// serveGateway upgrades to a websocket, says HELLO and reads frames.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{s: s, ws: ws, out: make(chan outFrame, 1024), done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.wg.Add(2)
	s.gw.conns[c] = struct{}{}
	s.gw.stats.Connections++
	switch v := r.URL.Query().Get("v"); {
	case v != "9" && v != "10":
		c.closeWith(4012, "Invalid API version.")
	case r.URL.Query().Get("encoding") != "" && r.URL.Query().Get("encoding") != "json":
		c.closeWith(4002, "Error while decoding payload.")
	default:
		hello := map[string]any{"op": opHello, "d": map[string]any{"heartbeat_interval": s.cfg.HeartbeatInterval.Milliseconds()}, "s": nil, "t": nil}
		c.send(mustJSON(hello), false)
	}
	s.unlock()

	go c.writeLoop()
	defer s.wg.Done()
	var closeCode int
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				closeCode = ce.Code
			}
			break
		}
		s.mu.Lock()
		s.handleFrameLocked(c, data)
		s.unlock()
	}
	s.mu.Lock()
	delete(s.gw.conns, c)
	if sess := c.sess; sess != nil && sess.conn == c {
		sess.conn = nil
		// A clean close by the client ends the session on Discord; the
		// client's answer to a close the server started does not.
		if !c.closing && (closeCode == websocket.CloseNormalClosure || closeCode == websocket.CloseGoingAway) {
			sess.invalid = true
		}
	}
	close(c.done)
	s.unlock()
	ws.NetConn().Close()
	s.log.Debug("discordtest gateway connection closed", "code", closeCode)
}

// handleFrameLocked answers one client frame.
func (s *Server) handleFrameLocked(c *gwConn, data []byte) {
	var p struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return
	}
	switch p.Op {
	case opHeartbeat:
		s.gw.stats.Heartbeats++
		if !s.gw.noAcks {
			c.send([]byte(`{"op":11,"d":null,"s":null,"t":null}`), false)
		}
	case opIdentify:
		s.identifyLocked(c, p.D)
	case opResume:
		s.resumeLocked(c, p.D)
	case opPresence, opVoiceState, opRequestMembers:
		if c.sess == nil {
			c.closeWith(4003, "Not authenticated.")
		}
	default:
		c.closeWith(4001, "Unknown opcode.")
	}
}

func (s *Server) tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == s.cfg.Token
}

func (s *Server) identifyLocked(c *gwConn, raw json.RawMessage) {
	var d struct {
		Token    string  `json:"token"`
		Intents  *int64  `json:"intents"`
		Compress bool    `json:"compress"`
		Shard    *[2]int `json:"shard"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return
	}
	switch {
	case c.sess != nil:
		c.closeWith(4005, "Already authenticated.")
		return
	case !s.tokenOK(d.Token):
		s.gw.stats.RejectedIdentifies++
		c.closeWith(4004, "Authentication failed.")
		return
	case d.Intents == nil:
		c.closeWith(4013, "Invalid intent(s).")
		return
	case discordgo.Intent(*d.Intents)&s.cfg.DisallowedIntents != 0:
		s.gw.stats.RejectedIdentifies++
		c.closeWith(4014, "Disallowed intent(s).")
		return
	case d.Shard != nil && (d.Shard[1] < 1 || d.Shard[0] >= d.Shard[1]):
		c.closeWith(4010, "Invalid shard.")
		return
	}
	sess := &gwSession{id: randomHex(16), intents: discordgo.Intent(*d.Intents), compress: d.Compress, conn: c}
	s.gw.sessions[sess.id] = sess
	c.sess = sess
	s.gw.stats.Identifies++
	s.gw.stats.Intents = sess.intents

	w := s.st
	bot := w.userLocked(w.botID)
	bot.Verified = true
	var guilds []map[string]any
	for _, gid := range w.guildOrder {
		if _, ok := w.guilds[gid].members[w.botID]; ok {
			guilds = append(guilds, map[string]any{"id": gid, "unavailable": true})
		}
	}
	ready := map[string]any{
		"v": 9, "user": bot, "guilds": guilds, "session_id": sess.id,
		"resume_gateway_url": s.GatewayURL(), "session_type": "normal",
		"application":      map[string]any{"id": w.botID, "flags": s.appFlags()},
		"private_channels": []any{},
	}
	if d.Shard != nil {
		ready["shard"] = d.Shard
	}
	s.dispatchToLocked(sess, "READY", mustJSON(ready))
	for _, gid := range w.guildOrder {
		g := w.guilds[gid]
		if _, ok := g.members[w.botID]; ok && sess.intents&discordgo.IntentGuilds != 0 {
			full := w.guildObjLocked(s, g, true, sess.intents&discordgo.IntentGuildMembers != 0)
			s.dispatchToLocked(sess, "GUILD_CREATE", mustJSON(full))
		}
	}
}

func (s *Server) resumeLocked(c *gwConn, raw json.RawMessage) {
	var d struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return
	}
	s.gw.stats.ResumeAttempts++
	if c.sess != nil {
		c.closeWith(4005, "Already authenticated.")
		return
	}
	if !s.tokenOK(d.Token) {
		c.closeWith(4004, "Authentication failed.")
		return
	}
	sess, ok := s.gw.sessions[d.SessionID]
	if !ok || sess.invalid {
		c.send([]byte(`{"op":9,"d":false,"s":null,"t":null}`), false)
		return
	}
	if d.Seq > sess.seq {
		sess.invalid = true
		c.closeWith(4007, "Invalid seq.")
		return
	}
	if old := sess.conn; old != nil && old != c {
		old.sess = nil
		old.drop()
	}
	sess.conn, c.sess = c, sess
	for _, l := range sess.log {
		if l.seq > d.Seq {
			c.send(l.frame, sess.compress && compressedType(l.typ))
			s.gw.sent = append(s.gw.sent, Dispatch{SessionID: sess.id, Seq: l.seq, Type: l.typ, Replayed: true, At: s.now()})
		}
	}
	s.gw.stats.Resumes++
	s.dispatchToLocked(sess, "RESUMED", []byte(`{}`))
}

// dispatchToLocked gives a dispatch the session's next sequence number,
// keeps it for RESUME and writes it if the session is connected.
func (s *Server) dispatchToLocked(sess *gwSession, typ string, payload []byte) {
	sess.seq++
	frame := mustJSON(map[string]any{"op": opDispatch, "t": typ, "s": sess.seq, "d": json.RawMessage(payload)})
	sess.log = append(sess.log, loggedDispatch{seq: sess.seq, typ: typ, frame: frame})
	if sess.conn != nil {
		sess.conn.send(frame, sess.compress && compressedType(typ))
		s.gw.sent = append(s.gw.sent, Dispatch{SessionID: sess.id, Seq: sess.seq, Type: typ, At: s.now()})
	}
}

// compressedType says which dispatches Discord zlib-compresses for clients
// that IDENTIFY with compress: true (the large ones).
func compressedType(typ string) bool { return typ == "READY" || typ == "GUILD_CREATE" }

// resumableClose reports whether a session survives a close with code.
func resumableClose(code int) bool {
	switch code {
	case 1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014:
		return false
	}
	return true
}

// appFlags are the application's gateway intent flags as in
// GET /applications/@me.
func (s *Server) appFlags() int {
	flags := 0
	if s.cfg.DisallowedIntents&discordgo.IntentGuildPresences == 0 {
		flags |= 1 << 12
	}
	if s.cfg.DisallowedIntents&discordgo.IntentGuildMembers == 0 {
		flags |= 1 << 14
	}
	if s.cfg.DisallowedIntents&discordgo.IntentMessageContent == 0 {
		flags |= 1 << 18
	}
	return flags
}
