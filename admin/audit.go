package admin

import (
	"net/http"

	"github.com/jayaya/jayayacrm/core"
)

// auditKind is one of the audit page's filter choices: an action prefix
// and the catalog ID of its label.
type auditKind struct{ Value, Label string }

// auditKinds are the audit page's filter choices.
var auditKinds = []auditKind{
	{"", "panel.audit.kind.everything"},
	{"user.", "panel.audit.kind.users"},
	{"interest.", "panel.audit.kind.interests"},
	{"login.failed", "panel.audit.kind.failed_logins"},
	{"login.", "panel.audit.kind.logins"},
	{"delivery.", "panel.audit.kind.deliveries"},
	{"setup.", "panel.audit.kind.setup"},
}

type auditData struct {
	Entries []*core.AuditEntry
	Kind    string
	Kinds   []auditKind
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
	s.render(w, r, http.StatusOK, "audit.html", &page{Title: s.printer(r).T("panel.nav.audit"), Nav: "audit",
		Data: auditData{Entries: list, Kind: kind, Kinds: auditKinds}})
}
