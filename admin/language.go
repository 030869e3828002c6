package admin

import (
	"net/http"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// langCookie remembers the language chosen in this browser, for the
// pages seen before logging in and by users with no language setting.
const langCookie = "jayaya_lang"

// langCookieAge is how long the browser keeps that choice.
const langCookieAge = 365 * 24 * time.Hour

// locale returns the language the viewer reads the panel in: their user
// setting, else the language chosen with the switch in this browser, else
// what the browser prefers (Accept-Language), else JAYAYA_LOCALE.
func (s *Server) locale(r *http.Request) i18n.Locale {
	var setting, chosen string
	if u := currentUser(r); u != nil {
		setting = u.Locale
	}
	if c, err := r.Cookie(langCookie); err == nil {
		chosen = c.Value
	}
	browser, _ := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	return i18n.Pick(s.defaultLocale, setting, chosen, string(browser))
}

// printer speaks the viewer's language.
func (s *Server) printer(r *http.Request) i18n.Printer { return i18n.For(s.locale(r)) }

// languageSwitch changes the panel's language (POST, from the switch on
// every page): a logged-in user's setting, and this browser's cookie, so
// that the login page keeps it too. An unsupported language is refused
// and changes nothing.
func (s *Server) languageSwitch(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	choice := r.PostForm.Get("locale")
	l, ok := i18n.Parse(choice)
	if !ok {
		s.fail(w, r, core.InvalidE("locale", "panel.language.unknown", i18n.Args{"Value": choice}))
		return
	}
	if u := currentUser(r); u != nil && u.Locale != l.String() {
		setting := l.String()
		if _, err := s.store.UpdateUserAs(r.Context(), actor(r), u.ID, core.UserUpdate{Locale: &setting}); err != nil {
			s.fail(w, r, err)
			return
		}
		s.log.Info("admin: language changed", "user", u.ID, "locale", setting)
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: l.String(), Path: "/admin",
		MaxAge: int(langCookieAge.Seconds()), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
	redirect(w, r, safeNext(r.PostForm.Get("next")))
}

// errUnreadableForm is the answer to a request body that is not a form.
func errUnreadableForm() error { return core.E(core.EINVALID, "panel.error.form_unreadable") }
