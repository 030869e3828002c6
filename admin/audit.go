package admin

import (
	"net/http"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
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
	{"route.", "panel.audit.kind.routing"},
	{"channel.", "panel.audit.kind.channels"},
}

// auditRow is an entry of the audit log with its details in the
// reader's language: one line per message, or none for an entry stored
// before details were messages (the template shows its English Detail).
type auditRow struct {
	*core.AuditEntry
	Lines []string
}

type auditData struct {
	Entries []auditRow
	Kind    string
	Kinds   []auditKind
}

// auditLines translates an entry's details with p, times in loc.
func auditLines(p i18n.Printer, loc *time.Location, e *core.AuditEntry) []string {
	msgs := e.Details()
	lines := make([]string, 0, len(msgs))
	for _, m := range msgs {
		lines = append(lines, p.Msg(inZone(m, loc)))
	}
	return lines
}

// inZone returns m with its instants (and those of the messages inside
// it) in loc.
func inZone(m i18n.Msg, loc *time.Location) i18n.Msg {
	if len(m.Args) == 0 {
		return m
	}
	args := make(i18n.Args, len(m.Args))
	for k, v := range m.Args {
		switch a := v.(type) {
		case time.Time:
			v = a.In(loc)
		case i18n.Msg:
			v = inZone(a, loc)
		}
		args[k] = v
	}
	m.Args = args
	return m
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
	p, loc := s.printer(r), currentUser(r).Location()
	rows := make([]auditRow, len(list))
	for i, e := range list {
		rows[i] = auditRow{AuditEntry: e, Lines: auditLines(p, loc, e)}
	}
	s.render(w, r, http.StatusOK, "audit.html", &page{Title: p.T("panel.nav.audit"), Nav: "audit",
		Data: auditData{Entries: rows, Kind: kind, Kinds: auditKinds}})
}
