package admin

import (
	"net/http"

	"github.com/jayaya/jayayacrm/core"
)

// auditKinds are the audit page's filter choices: action prefixes.
var auditKinds = []struct{ Value, Label string }{
	{"", "Everything"},
	{"user.", "Users"},
	{"interest.", "Interests"},
	{"login.failed", "Failed logins"},
	{"login.", "All logins"},
	{"delivery.", "Delivery retries"},
	{"setup.", "Setup"},
}

type auditData struct {
	Entries []*core.AuditEntry
	Kind    string
	Kinds   []struct{ Value, Label string }
}

// auditList shows the audit log, newest first.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	known := false
	for _, k := range auditKinds {
		known = known || k.Value == kind
	}
	if !known {
		kind = ""
	}
	list, err := s.store.ListAudit(r.Context(), core.AuditFilter{Action: &kind, Limit: 300})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit.html", &page{Title: "Audit log", Nav: "audit",
		Data: auditData{Entries: list, Kind: kind, Kinds: auditKinds}})
}
