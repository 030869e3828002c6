package discordtest

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// Fault disturbs the REST requests it matches. Inject it with InjectFault.
type Fault struct {
	// Method matches the request method; "" matches any.
	Method string
	// Path matches the path after /api/v9, segment by segment; "{name}" or
	// "*" segments match any value ("/channels/{id}/messages"), "" matches
	// every path.
	Path string
	// Times is how many matching requests the fault affects before it
	// expires; 0 means until removed.
	Times int
	// Status, when non-zero, answers the request with it instead of
	// handling it: 429 gets Discord's rate-limit body and headers, other
	// statuses a JSON error body.
	Status int
	// RetryAfter is the 429's retry_after (default 1 s).
	RetryAfter time.Duration
	// Global marks a 429 as the global rate limit.
	Global bool
	// Delay is latency added before the request is answered.
	Delay time.Duration
	// CDN makes the fault match downloads of attachments (the URLs of
	// MessageAttachment, as from Discord's CDN) instead of REST requests;
	// Path then matches the URL's path,
	// "/attachments/{channel}/{attachment}/{filename}".
	CDN bool
	// Lost makes Status an answer lost on the way back: the request is
	// handled (a message is posted, say) and only then answered with
	// Status, as when Discord's edge times out on a request that went
	// through.
	Lost bool
	// Drop closes the connection without answering and without handling
	// the request, as a network failure would: the client gets an error
	// from its HTTP transport (EOF), not a status.
	Drop bool
}

type faultEntry struct {
	f    Fault
	segs []string
	left int
}

// takenFault is what the matched faults do to one request.
type takenFault struct {
	delay      time.Duration
	status     int
	retryAfter time.Duration
	global     bool
	lost       bool
	drop       bool
}

// InjectFault installs f and returns a function removing it. Faults are
// matched in the order they were injected; delays add up, the first
// matching Status wins.
func (s *Server) InjectFault(f Fault) (remove func()) {
	e := &faultEntry{f: f, left: f.Times}
	if f.Path != "" {
		e.segs = splitPath(f.Path)
	}
	s.mu.Lock()
	s.faults = append(s.faults, e)
	s.unlock()
	return func() {
		s.mu.Lock()
		defer s.unlock()
		for i, x := range s.faults {
			if x == e {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// RateLimitNext makes the next n requests matching method and path answer
// 429 with retry_after d.
func (s *Server) RateLimitNext(method, path string, n int, d time.Duration) {
	s.InjectFault(Fault{Method: method, Path: path, Times: n, Status: http.StatusTooManyRequests, RetryAfter: d})
}

// Outage makes every REST request answer status (a 5xx) until the
// returned function is called.
func (s *Server) Outage(status int) (restore func()) {
	return s.InjectFault(Fault{Status: status})
}

// Latency delays every REST request matching method and path by d until
// the returned function is called.
func (s *Server) Latency(method, path string, d time.Duration) (restore func()) {
	return s.InjectFault(Fault{Method: method, Path: path, Delay: d})
}

// takeFaultLocked applies and uses up the faults matching a REST request.
func (s *Server) takeFaultLocked(method string, segs []string) takenFault {
	return s.takeFaultsLocked(method, segs, false)
}

// takeFaultsLocked applies and uses up the faults matching a REST request,
// or with cdn an attachment download.
func (s *Server) takeFaultsLocked(method string, segs []string, cdn bool) takenFault {
	var out takenFault
	kept := s.faults[:0]
	for _, e := range s.faults {
		match := e.f.CDN == cdn && (e.f.Method == "" || strings.EqualFold(e.f.Method, method))
		if match && e.segs != nil {
			_, match = matchSegs(e.segs, segs)
		}
		if match && (e.f.Status == 0 || out.status == 0) {
			out.delay += e.f.Delay
			out.drop = out.drop || e.f.Drop
			if e.f.Status != 0 {
				out.status, out.retryAfter, out.global, out.lost = e.f.Status, e.f.RetryAfter, e.f.Global, e.f.Lost
			}
			if e.f.Times > 0 {
				e.left--
				if e.left == 0 {
					continue
				}
			}
		}
		kept = append(kept, e)
	}
	s.faults = kept
	return out
}

// writeFault answers a request with an injected status.
func (s *Server) writeFault(w http.ResponseWriter, f takenFault, path string) {
	if f.status != http.StatusTooManyRequests {
		msg := fmt.Sprintf("%d: %s", f.status, http.StatusText(f.status))
		writeJSON(w, f.status, newAPIError(f.status, 0, msg), nil)
		return
	}
	ra := f.retryAfter
	if ra <= 0 {
		ra = time.Second
	}
	hdr := http.Header{}
	hdr.Set("Retry-After", fmt.Sprint(int(math.Ceil(ra.Seconds()))))
	if f.global {
		hdr.Set("X-RateLimit-Global", "true")
		hdr.Set("X-RateLimit-Scope", "global")
		hdr.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", ra.Seconds()))
	} else {
		setBucketHeaders(hdr, path, 5, 0, ra, s.now())
		hdr.Set("X-RateLimit-Scope", "user")
	}
	body := map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": math.Round(ra.Seconds()*1000) / 1000,
		"global":      f.global,
	}
	writeJSON(w, http.StatusTooManyRequests, body, hdr)
}

// DropGateway closes every gateway connection abruptly, without a close
// frame, as a network failure would. Sessions stay resumable.
func (s *Server) DropGateway() {
	s.mu.Lock()
	defer s.unlock()
	for c := range s.gw.conns {
		c.drop()
	}
}

// CloseGateway closes every gateway connection with a close frame carrying
// code. Codes 1000, 1001, 4004, 4007 and 4009-4014 also end the sessions,
// so a RESUME gets op 9 and the client must IDENTIFY again; others, such as
// 4000, leave them resumable.
func (s *Server) CloseGateway(code int, reason string) {
	s.mu.Lock()
	defer s.unlock()
	for c := range s.gw.conns {
		if c.sess != nil && !resumableClose(code) {
			c.sess.invalid = true
		}
		c.closeWith(code, reason)
	}
}

// InvalidateSession sends op 9 INVALID_SESSION with d=resumable on every
// connected session and detaches it from its connection, which then
// accepts a fresh IDENTIFY (what discordgo sends, whatever d says). With
// resumable false the sessions end for good: a later RESUME gets op 9
// again, and nothing dispatched to them is ever replayed. Sessions not
// connected are ended too when resumable is false.
func (s *Server) InvalidateSession(resumable bool) {
	s.mu.Lock()
	defer s.unlock()
	for _, sess := range s.gw.sessions {
		if !resumable {
			sess.invalid = true
		}
		if c := sess.conn; c != nil {
			c.send([]byte(`{"op":9,"d":`+fmt.Sprint(resumable)+`,"s":null,"t":null}`), false)
			c.sess, sess.conn = nil, nil
		}
	}
}

// RequestReconnect sends op 7 RECONNECT on every connection; the client is
// expected to reconnect and RESUME.
func (s *Server) RequestReconnect() {
	s.mu.Lock()
	defer s.unlock()
	for c := range s.gw.conns {
		c.send(mustJSON(map[string]any{"op": opReconnect, "d": nil}), false)
	}
}

// SetHeartbeatAcks turns heartbeat ACKs (op 11) on or off. Without ACKs a
// discordgo client declares the connection a zombie after five intervals
// and reconnects.
func (s *Server) SetHeartbeatAcks(on bool) {
	s.mu.Lock()
	defer s.unlock()
	s.gw.noAcks = !on
}

// SetHeartbeatInterval changes the interval sent in HELLO to connections
// made from now on.
func (s *Server) SetHeartbeatInterval(d time.Duration) {
	s.mu.Lock()
	defer s.unlock()
	s.cfg.HeartbeatInterval = d
}
