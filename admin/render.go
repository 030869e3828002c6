package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// page is what every template receives.
type page struct {
	Title string
	// Nav names the menu entry to highlight.
	Nav string
	// User is the logged-in user (nil on the login and setup pages).
	User *core.User
	// Notice is a confirmation shown at the top ("User created.").
	Notice string
	// Error is a message shown at the top (errors about no single field).
	Error string
	// Form holds what was typed and the errors beside each field.
	Form *form
	// Data is the page's own content.
	Data any
	// Lang is the viewer's language (Server.lang), for T.
	Lang i18n.Locale
}

// T is the catalog's message id in the viewer's language; kv are its
// parameters as name, value pairs ({{.T "routing.page.intro" "Overflow" true}}).
func (p *page) T(id string, kv ...any) string {
	args := i18n.Args{}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			args[k] = kv[i+1]
		}
	}
	return i18n.For(p.Lang).T(id, args)
}

// lang is the language a request's viewer reads the panel in: their
// user setting, else what their browser asks for, else JAYAYA_LOCALE.
func (s *Server) lang(r *http.Request) i18n.Locale {
	if u := currentUser(r); u != nil {
		if l, ok := i18n.Parse(u.Locale); ok {
			return l
		}
	}
	if l, ok := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return i18n.Pick(s.locale)
}

// Loc is the time zone the viewer reads times in.
func (p *page) Loc() *time.Location { return p.User.Location() }

// IsAdmin reports whether the viewer is an admin (to show admin menus).
func (p *page) IsAdmin() bool { return p.User.IsAdmin() }

// form keeps a submitted form's values and its errors by field name.
type form struct {
	Values url.Values
	Errors map[string]string
}

func newForm(v url.Values) *form { return &form{Values: v, Errors: map[string]string{}} }

// Get returns the value typed in a field.
func (f *form) Get(name string) string { return f.Values.Get(name) }

// Err returns the error to show beside a field.
func (f *form) Err(name string) string { return f.Errors[name] }

// Checked reports whether a checkbox was ticked.
func (f *form) Checked(name string) bool { return f.Values.Get(name) != "" }

// setError puts a core error beside its field when the form has one, and
// returns the message for the top of the page otherwise.
func (f *form) setError(err error, fields ...string) (top string) {
	return f.setErrorIn(i18n.EN, err, fields...)
}

// setErrorIn is setError with the messages in l.
func (f *form) setErrorIn(l i18n.Locale, err error, fields ...string) (top string) {
	field := core.ErrorField(err)
	for _, name := range fields {
		if name == field {
			f.Errors[field] = core.ErrorMessageIn(err, l)
			return ""
		}
	}
	return core.ErrorMessageIn(err, l)
}

// notices are the confirmations a redirect can ask for (?done=…); only
// these fixed texts are ever shown, never text from the URL.
var notices = map[string]string{
	"user-created":      "User created.",
	"user-saved":        "User saved.",
	"user-deleted":      "User deleted.",
	"interest-created":  "Interest created.",
	"interest-saved":    "Interest saved.",
	"interest-deleted":  "Interest deleted.",
	"delivery-retried":  "The delivery is back in line and will be sent again shortly.",
	"logged-out":        "You are logged out.",
	"password-changed":  "Your password was changed; your other sessions were ended.",
	"session-ended":     "Your session has ended: please log in again.",
	"admin-created":     "Welcome! Your admin account is ready.",
	"nothing-to-change": "Nothing changed.",
}

// noticeIDs are confirmations (?done=…) that come from the catalog.
var noticeIDs = map[string]string{
	"route-created": "routing.page.created",
	"route-deleted": "routing.page.deleted",
	"route-moved":   "routing.page.moved",
}

type pageTemplate struct{ *template.Template }

var funcs = template.FuncMap{
	"when": func(loc *time.Location, t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.In(loc).Format("2006-01-02 15:04 MST")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.In(loc).Format("2006-01-02 15:04 MST")
		}
		return ""
	},
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"derefID": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"roles": func() []string { return []string{core.RoleAdmin, core.RoleStaff, core.RoleClient} },
	// withPage hands a partial its data along with the page (for T).
	"withPage": func(p *page, data any) map[string]any { return map[string]any{"Page": p, "Data": data} },
}

// parsePages parses every page template together with the layout.
func parsePages() (map[string]pageTemplate, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]pageTemplate{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("admin: template %s: %w", base, err)
		}
		out[base] = pageTemplate{t}
	}
	return out, nil
}

// render writes a page with the layout, after rendering it fully (so a
// template error becomes a clean 500, not half a page).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.User == nil {
		p.User = currentUser(r)
	}
	if p.Lang == "" {
		p.Lang = s.lang(r)
	}
	if p.Notice == "" {
		p.Notice = notices[r.URL.Query().Get("done")]
		if id, ok := noticeIDs[r.URL.Query().Get("done")]; ok {
			p.Notice = p.T(id)
		}
	}
	t, ok := s.pages[name]
	var buf bytes.Buffer
	if !ok {
		s.log.Error("admin: no such template", "template", name)
		http.Error(w, "Sorry, something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("admin: render", "template", name, "err", err)
		http.Error(w, "Sorry, something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// redirect answers a successful POST with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
