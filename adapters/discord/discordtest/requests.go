package discordtest

import (
	"net/url"
	"strings"
	"time"
)

// Request is one REST request the server received.
type Request struct {
	Method string // HTTP method
	// Path is the unescaped path after /api/v9, e.g. "/channels/1/messages".
	Path  string
	Query url.Values // the URL's query parameters
	// Route is the matched endpoint, e.g. "POST /channels/{channel}/messages";
	// "" when no endpoint matched or a fault answered first.
	Route string
	// Status is the HTTP status answered (0 while in flight, or when a
	// Fault dropped the connection unanswered).
	Status int
	// Body is the raw request body.
	Body []byte
	At   time.Time // when it arrived, by Config.Now
}

// Requests returns every REST request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.reqs))
	for i, r := range s.reqs {
		out[i] = *r
	}
	return out
}

// CountRequests counts requests matching method ("" for any) and path, a
// pattern as in Fault.Path ("/channels/{id}/messages" or a concrete path).
func (s *Server) CountRequests(method, path string) int {
	segs := splitPath(path)
	n := 0
	for _, r := range s.Requests() {
		if method != "" && !strings.EqualFold(method, r.Method) {
			continue
		}
		if _, ok := matchSegs(segs, splitPath(r.Path)); ok {
			n++
		}
	}
	return n
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.unlock()
	s.reqs = nil
}
