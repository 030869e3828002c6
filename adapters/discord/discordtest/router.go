package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// maxBody caps request bodies (Discord's own limit is lower; see maxUpload).
const maxBody = 32 << 20

// route is one REST endpoint, relative to /api/v9.
type route struct {
	method  string
	pattern string   // e.g. "/channels/{channel}/messages"
	segs    []string // pattern split on "/"
	public  bool     // no Authorization header needed (webhook and interaction tokens)
	handle  func(c *call) (any, error)
}

// call is one REST request being answered, with the lock held while handle runs.
type call struct {
	s      *Server
	r      *http.Request
	route  *route
	params map[string]string
	query  url.Values
	body   []byte
	status int // answer status; handlers set 201 or 204 when Discord does
	files  []upload
	nitro  bool // a simulated user with Nitro: larger uploads
}

// upload is one files[n] part of a multipart request.
type upload struct {
	field, name, contentType string
	data                     []byte
}

func (c *call) param(name string) string { return c.params[name] }

// decode reads the JSON body, or the payload_json part of a multipart body
// (collecting its files into c.files).
func (c *call) decode(v any) error {
	raw := c.body
	ct, params, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		raw = nil
		mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return errInvalidJSON()
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return errInvalidJSON()
			}
			if p.FormName() == "payload_json" {
				raw = data
				continue
			}
			if strings.HasPrefix(p.FormName(), "files[") || p.FileName() != "" {
				c.files = append(c.files, upload{field: p.FormName(), name: p.FileName(), contentType: p.Header.Get("Content-Type"), data: data})
			}
		}
		if raw == nil {
			raw = []byte("{}")
		}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return errInvalidJSON()
	}
	return nil
}

// rawPayload returns the JSON payload of the request (payload_json for
// multipart bodies), for recording.
func (c *call) rawPayload() json.RawMessage {
	ct, params, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return append(json.RawMessage(nil), c.body...)
	}
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil
		}
		if p.FormName() == "payload_json" {
			data, _ := io.ReadAll(p)
			return data
		}
	}
}

// splitPath splits an escaped URL path into unescaped segments.
func splitPath(escaped string) []string {
	parts := strings.Split(strings.Trim(escaped, "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	return parts
}

// matchSegs matches path segments against a pattern; "{name}" and "*"
// segments match anything and are captured when named.
func matchSegs(pattern, path []string) (map[string]string, bool) {
	if len(pattern) != len(path) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if p == "*" || (strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}")) {
			if len(p) > 2 {
				if params == nil {
					params = map[string]string{}
				}
				params[p[1:len(p)-1]] = path[i]
			}
			continue
		}
		if p != path[i] {
			return nil, false
		}
	}
	return params, true
}

// serveHTTP dispatches the gateway, attachments and REST: faults first,
// then the route, its authorization, its rate limit and its handler.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		s.serveGateway(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/attachments/") {
		s.serveAttachment(w, r)
		return
	}
	escaped := r.URL.EscapedPath()
	var rest string
	switch {
	case strings.HasPrefix(escaped, "/api/v9/"):
		rest = strings.TrimPrefix(escaped, "/api/v9")
	case strings.HasPrefix(escaped, "/api/v10/"):
		rest = strings.TrimPrefix(escaped, "/api/v10")
	default:
		writeJSON(w, 404, errNotFound(), nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeJSON(w, 400, errInvalidJSON(), nil)
		return
	}
	segs := splitPath(rest)
	path := "/" + strings.Join(segs, "/")

	s.mu.Lock()
	rec := &Request{Method: r.Method, Path: path, Query: r.URL.Query(), At: s.now(), Body: body}
	s.reqs = append(s.reqs, rec)
	f := s.takeFaultLocked(r.Method, segs)
	s.unlock()

	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.drop {
		s.finishRequest(rec, "", 0)
		panic(http.ErrAbortHandler) // net/http closes the connection, unanswered
	}
	if f.status != 0 && !f.lost {
		s.finishRequest(rec, "", f.status)
		s.writeFault(w, f, path)
		return
	}

	rt, params, allowed := s.findRoute(r.Method, segs)
	if rt == nil {
		e := errNotFound()
		if allowed {
			e = errMethodNotAllowed()
		}
		s.finishRequest(rec, "", e.Status)
		writeJSON(w, e.Status, e, nil)
		return
	}
	routeName := rt.method + " " + rt.pattern
	if !rt.public && r.Header.Get("Authorization") != "Bot "+s.cfg.Token {
		s.finishRequest(rec, routeName, 401)
		writeJSON(w, 401, errUnauthorized(), nil)
		return
	}
	hdr, ok := s.rateLimit(w, routeName, params, r.URL.Query())
	if !ok {
		s.finishRequest(rec, routeName, http.StatusTooManyRequests)
		return
	}
	c := &call{s: s, r: r, route: rt, params: params, query: r.URL.Query(), body: body, status: 200}
	s.mu.Lock()
	out, herr := rt.handle(c)
	status := c.status
	if ae, ok := herr.(*APIError); ok {
		status = ae.Status
	} else if herr != nil {
		status = 500
	}
	rec.Route, rec.Status = routeName, status
	s.unlock()

	s.log.Debug("discordtest rest", "method", r.Method, "path", path, "status", status)
	if f.lost {
		s.writeFault(w, f, path)
		return
	}
	switch e := herr.(type) {
	case nil:
	case *APIError:
		writeJSON(w, e.Status, e, nil)
		return
	default:
		writeJSON(w, 500, newAPIError(500, 0, "500: Internal Server Error"), nil)
		return
	}
	if hdr == nil {
		// A route the fake does not limit: a roomy bucket.
		hdr = http.Header{}
		setBucketHeaders(hdr, routeName, 5, 4, time.Second, s.now())
	}
	if status == http.StatusNoContent || out == nil {
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, status, out, hdr)
}

// findRoute returns the route matching method and path, and whether some
// route matches the path with another method.
func (s *Server) findRoute(method string, segs []string) (*route, map[string]string, bool) {
	allowed := false
	for _, rt := range s.routes {
		params, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		if rt.method == method {
			return rt, params, true
		}
		allowed = true
	}
	return nil, nil, allowed
}

func (s *Server) finishRequest(rec *Request, routeName string, status int) {
	s.mu.Lock()
	rec.Route, rec.Status = routeName, status
	s.unlock()
}

// setBucketHeaders writes Discord's per-route rate limit headers.
func setBucketHeaders(h http.Header, routeName string, limit, remaining int, resetAfter time.Duration, now time.Time) {
	sum := fnv.New64a()
	sum.Write([]byte(routeName))
	secs := resetAfter.Seconds()
	h.Set("X-RateLimit-Bucket", fmt.Sprintf("%016x", sum.Sum64()))
	h.Set("X-RateLimit-Limit", fmt.Sprint(limit))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(remaining))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", secs))
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(now.Add(resetAfter).UnixMilli())/1000))
}

// writeJSON writes v as JSON with status and extra headers.
func writeJSON(w http.ResponseWriter, status int, v any, hdr http.Header) {
	b, err := json.Marshal(v)
	if err != nil {
		status = 500
		b = []byte(`{"message": "500: Internal Server Error", "code": 0}`)
	}
	for k, vals := range hdr {
		w.Header()[k] = vals
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
