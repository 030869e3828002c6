package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketHub is the fake's Socket Mode side: it accepts the product's
// websocket connections (an app may hold several, one per replica) and,
// as Slack does, sends each envelope over one of them, in turn. It keeps
// every envelope until it is acknowledged: one whose connection is lost
// goes again over another at once, and an Events API envelope left
// unacknowledged for AckTimeout goes again too (retry_reason "timeout"),
// up to three retries, the second and third a minute and five minutes
// later, as Slack retries events.
type socketHub struct {
	srv      *Server
	upgrader websocket.Upgrader

	mu      sync.Mutex
	closed  bool
	tickets map[string]bool // issued by apps.connections.open; true once used
	conns   []*socketConn   // open, oldest first
	pending []*envelope     // not yet acknowledged, in send order
	turn    int             // envelopes sent so far: the next goes over conns[turn % len]
	sent    map[*socketConn]int
}

type socketConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex // gorilla allows one writer at a time
	done chan struct{}
}

type envelope struct {
	id           string
	typ          string
	payload      json.RawMessage
	acceptsReply bool
	retryAttempt int
	retryReason  string
	attempts     int
	timeouts     int         // retries because it was not acknowledged in time
	conn         *socketConn // the connection it went out on; nil when it must be (re)sent
	acked        chan json.RawMessage
}

func newSocketHub(s *Server) *socketHub {
	return &socketHub{
		srv:      s,
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		tickets:  map[string]bool{},
	}
}

func (h *socketHub) issueTicket() string {
	t := randomHex(16)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tickets[t] = false
	return t
}

func (c *socketConn) write(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// serveSocket runs one Socket Mode connection: hello, pings, envelopes out
// and acks in, until either side drops it.
func (s *Server) serveSocket(w http.ResponseWriter, hr *http.Request) {
	h := s.hub
	ticket := hr.URL.Query().Get("ticket")
	h.mu.Lock()
	used, ok := h.tickets[ticket]
	if ok {
		h.tickets[ticket] = true
	}
	closed := h.closed
	h.mu.Unlock()
	if !ok || used || closed {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := h.upgrader.Upgrade(w, hr, nil)
	if err != nil {
		return
	}
	c := &socketConn{ws: ws, done: make(chan struct{})}
	h.mu.Lock()
	n := len(h.conns) + 1
	h.mu.Unlock()
	hello := mustJSON(obj{"type": "hello", "num_connections": n,
		"debug_info":      obj{"host": "applink-slacktest", "approximate_connection_time": 18060},
		"connection_info": obj{"app_id": s.cfg.AppID}})
	if c.write(hello) != nil {
		_ = ws.Close()
		return
	}
	h.mu.Lock()
	h.conns = append(h.conns, c)
	h.mu.Unlock()
	s.state.socketChanged(1, 1)
	go h.ping(c)
	h.flush()

	h.readAcks(c)

	h.mu.Lock()
	h.conns = slices.DeleteFunc(h.conns, func(o *socketConn) bool { return o == c })
	delete(h.sent, c)
	for _, env := range h.pending {
		if env.conn == c {
			env.conn = nil
		}
	}
	h.mu.Unlock()
	close(c.done)
	_ = ws.Close()
	s.state.socketChanged(0, -1)
	h.flush()
}

// ping sends a websocket ping at once and then every Config.PingInterval;
// slack-go reconnects when it hears none for 30 seconds.
func (h *socketHub) ping(c *socketConn) {
	t := time.NewTicker(h.srv.cfg.PingInterval)
	defer t.Stop()
	for i := 0; ; i++ {
		if c.ws.WriteControl(websocket.PingMessage, []byte(strconv.Itoa(i)), time.Now().Add(5*time.Second)) != nil {
			return
		}
		select {
		case <-c.done:
			return
		case <-t.C:
		}
	}
}

// readAcks reads {"envelope_id", "payload"} acks until the connection fails.
// Reading also answers the client's pings.
func (h *socketHub) readAcks(c *socketConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) == nil && ack.EnvelopeID != "" {
			h.ack(ack.EnvelopeID, ack.Payload)
		}
	}
}

func (h *socketHub) ack(id string, payload json.RawMessage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, env := range h.pending {
		if env.id == id {
			h.pending = slices.Delete(h.pending, i, i+1)
			env.acked <- payload
			return
		}
	}
}

// flush sends every envelope not on a live connection, each over the
// next connection in turn.
func (h *socketHub) flush() {
	type out struct {
		c   *socketConn
		env *envelope
		msg []byte
	}
	h.mu.Lock()
	if len(h.conns) == 0 {
		h.mu.Unlock()
		return
	}
	if h.sent == nil {
		h.sent = map[*socketConn]int{}
	}
	var outs []out
	for _, env := range h.pending {
		if env.conn == nil {
			c := h.conns[h.turn%len(h.conns)]
			h.turn++
			h.sent[c]++
			env.conn = c
			env.attempts++
			outs = append(outs, out{c, env, env.message()})
		}
	}
	h.mu.Unlock()
	failed := map[*socketConn]bool{}
	for _, o := range outs {
		if failed[o.c] || o.c.write(o.msg) != nil {
			failed[o.c] = true
			h.mu.Lock()
			if o.env.conn == o.c {
				o.env.conn = nil
			}
			h.mu.Unlock()
		}
	}
}

// retryDelays are the waits, after AckTimeout, before Slack retries an
// unacknowledged event: at once, a minute later, five minutes later.
var retryDelays = []time.Duration{0, time.Minute, 5 * time.Minute}

// timedOut sends env again over the next connection, if it is still not
// acknowledged (and has retries left).
func (h *socketHub) timedOut(env *envelope) bool {
	h.mu.Lock()
	if !slices.Contains(h.pending, env) || env.timeouts >= len(retryDelays) {
		h.mu.Unlock()
		return false
	}
	env.timeouts++
	env.conn = nil
	h.mu.Unlock()
	h.flush()
	return true
}

// message is the envelope as sent; a resent one counts as a retry.
func (env *envelope) message() []byte {
	attempt, reason := env.retryAttempt+env.attempts-1, env.retryReason
	if env.attempts > 1 && reason == "" {
		reason = "timeout"
	}
	return mustJSON(obj{"envelope_id": env.id, "type": env.typ, "payload": env.payload,
		"accepts_response_payload": env.acceptsReply, "retry_attempt": attempt, "retry_reason": reason})
}

// deliver sends a callback as an envelope and waits for its ack.
func (h *socketHub) deliver(ctx context.Context, cb callback, o sendOptions) (*Delivery, error) {
	env := &envelope{id: uuidLike(), payload: cb.json, retryAttempt: o.retryNum,
		retryReason: o.retryReason, acked: make(chan json.RawMessage, 1)}
	switch cb.kind {
	case "command":
		fields := map[string]string{}
		for k := range cb.form {
			fields[k] = cb.form.Get(k)
		}
		env.typ, env.payload, env.acceptsReply = "slash_commands", mustJSON(fields), true
	case "event":
		env.typ = "events_api"
	default:
		env.typ, env.acceptsReply = "interactive", true
	}
	start := time.Now()
	h.mu.Lock()
	h.pending = append(h.pending, env)
	h.mu.Unlock()
	h.flush()
	// Only the Events API retries an envelope nobody acknowledged.
	var retry <-chan time.Time
	if env.typ == "events_api" {
		retry = time.After(h.srv.cfg.AckTimeout)
	}
	for {
		select {
		case payload := <-env.acked:
			h.mu.Lock()
			attempts := env.attempts
			h.mu.Unlock()
			return &Delivery{Status: http.StatusOK, Body: payload, Duration: time.Since(start),
				EnvelopeID: env.id, Attempts: attempts}, nil
		case <-retry:
			retry = nil
			if h.timedOut(env) {
				h.mu.Lock()
				if env.timeouts < len(retryDelays) {
					retry = time.After(h.srv.cfg.AckTimeout + retryDelays[env.timeouts])
				}
				h.mu.Unlock()
			}
		case <-ctx.Done():
			h.mu.Lock()
			h.pending = slices.DeleteFunc(h.pending, func(e *envelope) bool { return e == env })
			h.mu.Unlock()
			return nil, fmt.Errorf("slacktest: envelope %s (%s) not acknowledged: %w", env.id, env.typ, ctx.Err())
		}
	}
}

// SocketSpread returns how many envelopes (retries included) went over
// each Socket Mode connection still open, oldest connection first.
func (s *Server) SocketSpread() []int {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int, len(h.conns))
	for i, c := range h.conns {
		out[i] = h.sent[c]
	}
	return out
}

func (h *socketHub) close() {
	h.mu.Lock()
	h.closed = true
	conns := slices.Clone(h.conns)
	h.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

// DisconnectSocket sends Slack's "disconnect" message (reason such as
// "refresh_requested" or "warning") on every open Socket Mode connection;
// slack-go then reconnects. It returns how many connections it told.
func (s *Server) DisconnectSocket(reason string) int {
	msg := mustJSON(obj{"type": "disconnect", "reason": reason, "debug_info": obj{"host": "applink-slacktest"}})
	n := 0
	for _, c := range s.hub.live() {
		if c.write(msg) == nil {
			n++
		}
	}
	return n
}

// DropSocket cuts every open Socket Mode connection without a close frame,
// as a network failure would. Unacknowledged envelopes are sent again over
// the next connection. It returns how many connections it cut.
func (s *Server) DropSocket() int {
	conns := s.hub.live()
	for _, c := range conns {
		_ = c.ws.NetConn().Close()
	}
	return len(conns)
}

func (h *socketHub) live() []*socketConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.conns)
}

func (st *State) socketChanged(connects, live int) {
	_ = st.update(func() error {
		st.socketConnects += connects
		st.socketLive += live
		return nil
	})
}
