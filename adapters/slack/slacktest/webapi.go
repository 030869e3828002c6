package slacktest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// tokenKind says which token a Web API method wants.
type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

// apiMethod is one Web API method the fake implements.
type apiMethod struct {
	handle func(s *Server, r *apiRequest) (obj, error)
	token  tokenKind
	scope  string // required bot scope, "" for none
}

// methods lists the Web API the fake speaks; the handlers live in api_*.go.
var methods = map[string]apiMethod{
	"auth.test":                    {handle: (*Server).authTest},
	"apps.connections.open":        {handle: (*Server).appsConnectionsOpen, token: appToken},
	"chat.postMessage":             {handle: (*Server).chatPostMessage, scope: "chat:write"},
	"chat.update":                  {handle: (*Server).chatUpdate, scope: "chat:write"},
	"chat.delete":                  {handle: (*Server).chatDelete, scope: "chat:write"},
	"chat.postEphemeral":           {handle: (*Server).chatPostEphemeral, scope: "chat:write"},
	"chat.getPermalink":            {handle: (*Server).chatGetPermalink},
	"reactions.add":                {handle: (*Server).reactionsAdd, scope: "reactions:write"},
	"reactions.remove":             {handle: (*Server).reactionsRemove, scope: "reactions:write"},
	"conversations.open":           {handle: (*Server).conversationsOpen, scope: "im:write"},
	"conversations.info":           {handle: (*Server).conversationsInfo, scope: "channels:read"},
	"conversations.members":        {handle: (*Server).conversationsMembers, scope: "channels:read"},
	"conversations.history":        {handle: (*Server).conversationsHistory, scope: "channels:history"},
	"conversations.replies":        {handle: (*Server).conversationsReplies, scope: "channels:history"},
	"users.info":                   {handle: (*Server).usersInfo, scope: "users:read"},
	"users.list":                   {handle: (*Server).usersList, scope: "users:read"},
	"views.open":                   {handle: (*Server).viewsOpen},
	"views.update":                 {handle: (*Server).viewsUpdate},
	"views.push":                   {handle: (*Server).viewsPush},
	"files.getUploadURLExternal":   {handle: (*Server).filesGetUploadURLExternal, scope: "files:write"},
	"files.completeUploadExternal": {handle: (*Server).filesCompleteUploadExternal, scope: "files:write"},
	"files.delete":                 {handle: (*Server).filesDelete, scope: "files:write"},
	"conversations.join":           {handle: (*Server).conversationsJoin, scope: "channels:join"},
}

// maxBody caps request bodies, as Slack does.
const maxBody = 8 << 20

// apiRequest is one decoded Web API call: form fields, or a JSON body.
type apiRequest struct {
	method string
	form   url.Values
	json   map[string]json.RawMessage
	body   []byte
	token  string
}

// str returns a parameter as text: a form field, a JSON string, or the JSON
// text of any other JSON value.
func (r *apiRequest) str(key string) string {
	if v, ok := r.json[key]; ok {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		if string(v) == "null" {
			return ""
		}
		return string(v)
	}
	return r.form.Get(key)
}

// raw returns a JSON-valued parameter (blocks, view, files…), which form
// callers send as JSON text and JSON callers as an object or a string.
func (r *apiRequest) raw(key string) json.RawMessage {
	s := strings.TrimSpace(r.str(key))
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func (r *apiRequest) has(key string) bool {
	if _, ok := r.json[key]; ok {
		return true
	}
	return r.form.Has(key)
}

func (r *apiRequest) boolean(key string) bool {
	b, _ := strconv.ParseBool(r.str(key))
	return b
}

// params flattens the request for Call.Params, without the token.
func (r *apiRequest) params() url.Values {
	out := url.Values{}
	for k, v := range r.form {
		out[k] = slices.Clone(v)
	}
	for k := range r.json {
		out.Set(k, r.str(k))
	}
	out.Del("token")
	return out
}

func parseAPIRequest(method string, hr *http.Request) (*apiRequest, error) {
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	if err != nil {
		return nil, err
	}
	r := &apiRequest{method: method, body: body, form: hr.URL.Query()}
	ctype, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	switch {
	case ctype == "application/json" && len(bytes.TrimSpace(body)) > 0:
		if err := json.Unmarshal(body, &r.json); err != nil {
			return nil, slackError("invalid_json")
		}
	case len(body) > 0:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, slackError("invalid_form_data")
		}
		for k, v := range form {
			r.form[k] = append(r.form[k], v...)
		}
	}
	if tok, ok := strings.CutPrefix(hr.Header.Get("Authorization"), "Bearer "); ok {
		r.token = tok
	} else {
		r.token = r.str("token")
	}
	return r, nil
}

// serveAPI answers one Web API call: faults first, then the rate limits,
// the token, the scope and the method itself. Every call is recorded.
func (s *Server) serveAPI(w http.ResponseWriter, hr *http.Request) {
	name := hr.PathValue("method")
	r, perr := parseAPIRequest(name, hr)
	call := Call{Method: name, At: s.Now(), Status: http.StatusOK}
	if r != nil {
		call.Params, call.Body = r.params(), r.body
	}
	defer func() { s.state.recordCall(call) }()

	w.Header().Set("X-OAuth-Scopes", strings.Join(s.cfg.Scopes, ","))
	if f := s.faults.before(hr.Context(), name); f.status != 0 {
		call.Status = f.status
		if f.retryAfter >= 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		http.Error(w, http.StatusText(f.status), f.status)
		return
	} else if f.code != "" {
		call.Error = f.code
		writeJSON(w, obj{"ok": false, "error": f.code})
		return
	}

	if !s.rateLimit(w, name, r, &call) {
		return
	}

	hold := s.faults.takeHold(name)
	res, err := s.callAPI(name, r, perr)
	if hold != nil {
		close(hold.reached)
		<-hold.release
		call.Status = http.StatusServiceUnavailable
		http.Error(w, http.StatusText(call.Status), call.Status)
		return
	}
	if err != nil {
		call.Error = err.Error()
		out := obj{"ok": false, "error": err.Error()}
		if se, ok := err.(scopeError); ok {
			out["error"], out["needed"], out["provided"] = "missing_scope", se.needed, strings.Join(s.cfg.Scopes, ",")
			call.Error = "missing_scope"
		}
		writeJSON(w, out)
		return
	}
	res["ok"] = true
	writeJSON(w, res)
}

func (s *Server) callAPI(name string, r *apiRequest, perr error) (obj, error) {
	m, ok := methods[name]
	if !ok {
		return nil, slackError("unknown_method")
	}
	if perr != nil {
		return nil, perr
	}
	want, other := s.cfg.BotToken, s.cfg.AppToken
	if m.token == appToken {
		want, other = other, want
	}
	switch r.token {
	case want:
	case "":
		return nil, slackError("not_authed")
	case other:
		return nil, slackError("not_allowed_token_type")
	default:
		return nil, slackError("invalid_auth")
	}
	if m.scope != "" && m.token == botToken && !slices.Contains(s.cfg.Scopes, m.scope) {
		return nil, scopeError{needed: m.scope}
	}
	return m.handle(s, r)
}

// scopeError is Slack's missing_scope, which also names the scope needed.
type scopeError struct{ needed string }

func (e scopeError) Error() string { return "missing_scope" }

func (st *State) recordCall(c Call) {
	_ = st.update(func() error {
		st.calls = append(st.calls, c)
		return nil
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// cursor encodes a pagination position the way Slack's cursors look:
// base64 of "next_ts:…" or "offset:…".
func encodeCursor(kind, v string) string {
	return base64.StdEncoding.EncodeToString([]byte(kind + ":" + v))
}

func decodeCursor(c, kind string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return "", slackError("invalid_cursor")
	}
	v, ok := strings.CutPrefix(string(b), kind+":")
	if !ok {
		return "", slackError("invalid_cursor")
	}
	return v, nil
}

// limit reads a limit parameter, defaulting to def and capped at max.
func (r *apiRequest) limit(def, max int) int {
	n, err := strconv.Atoi(r.str("limit"))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, max)
}

// atoiOr parses s, or returns def when it is not a number.
func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
