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
	// Lang is the language the page is in (<html lang>, the switch).
	Lang i18n.Locale
	// Here is the page's own address, where the language switch comes
	// back to; render fills it in unless the handler did.
	Here string

	loc *time.Location // Loc's answer, looked up once per page
}

// Loc is the time zone the viewer reads times in.
func (p *page) Loc() *time.Location {
	if p.loc == nil {
		p.loc = p.User.Location()
	}
	return p.loc
}

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

// setError puts a core error, in l, beside its field when the form has
// one, and returns the message for the top of the page otherwise.
func (f *form) setError(err error, l i18n.Locale, fields ...string) (top string) {
	field := core.ErrorField(err)
	for _, name := range fields {
		if name == field {
			f.Errors[field] = core.ErrorMessageIn(err, l)
			return ""
		}
	}
	return core.ErrorMessageIn(err, l)
}

// notices are the confirmations a redirect can ask for (?done=…), as
// catalog IDs; only these fixed texts are ever shown, never text from the
// URL.
var notices = map[string]string{
	"user-created":      "panel.notice.user_created",
	"user-saved":        "panel.notice.user_saved",
	"user-deleted":      "panel.notice.user_deleted",
	"interest-created":  "panel.notice.interest_created",
	"interest-saved":    "panel.notice.interest_saved",
	"interest-deleted":  "panel.notice.interest_deleted",
	"delivery-retried":  "panel.notice.delivery_retried",
	"logged-out":        "panel.notice.logged_out",
	"password-changed":  "panel.notice.password_changed",
	"session-ended":     "panel.notice.session_ended",
	"admin-created":     "panel.notice.admin_created",
	"nothing-to-change": "panel.notice.nothing_to_change",
	"route-created":     "routing.page.created",
	"route-deleted":     "routing.page.deleted",
	"route-moved":       "routing.page.moved",
	"channel-language":  "panel.channels.language_saved",
}

type pageTemplate struct{ *template.Template }

// parsePages parses every page template together with the layout, once
// per language: the catalog functions of each set speak its language.
func parsePages() (map[i18n.Locale]map[string]pageTemplate, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[i18n.Locale]map[string]pageTemplate{}
	for _, l := range i18n.Locales() {
		out[l] = map[string]pageTemplate{}
		funcs := templateFuncs(i18n.For(l))
		for _, n := range names {
			base := strings.TrimPrefix(n, "templates/")
			if base == "layout.html" || base == "partials.html" {
				continue
			}
			t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
			if err != nil {
				return nil, fmt.Errorf("admin: template %s: %w", base, err)
			}
			out[l][base] = pageTemplate{t}
		}
	}
	return out, nil
}

// render writes a page with the layout, in the viewer's language, after
// rendering it fully (so a template error becomes a clean 500, not half a
// page).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.User == nil {
		p.User = currentUser(r)
	}
	p.Lang = s.locale(r)
	if p.Notice == "" {
		if id, ok := notices[r.URL.Query().Get("done")]; ok {
			p.Notice = i18n.T(p.Lang, id)
		}
	}
	if p.Here == "" {
		p.Here = here(r)
	}
	t, ok := s.pages[p.Lang][name]
	var buf bytes.Buffer
	if !ok {
		s.log.Error("admin: no such template", "template", name)
		http.Error(w, i18n.T(p.Lang, "common.internal_error"), http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("admin: render", "template", name, "err", err)
		http.Error(w, i18n.T(p.Lang, "common.internal_error"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang.String())
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// here is the address a page shown for r lives at, without a one-time
// notice (?done=…).
func here(r *http.Request) string {
	u := *r.URL
	q := u.Query()
	if q.Has("done") {
		q.Del("done")
		u.RawQuery = q.Encode()
	}
	return u.RequestURI()
}

// redirect answers a successful POST with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
