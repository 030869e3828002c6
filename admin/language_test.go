package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// wantLang fails unless the page is in l: its <html lang>, its
// Content-Language, and a text only that language's page has.
func wantLang(t *testing.T, res response, l i18n.Locale, text string) {
	t.Helper()
	if !strings.Contains(res.body, `<html lang="`+l.String()+`">`) || res.header.Get("Content-Language") != l.String() {
		t.Fatalf("page not in %s (Content-Language %q):\n%s", l, res.header.Get("Content-Language"), res.body)
	}
	wantBody(t, res, text)
}

// The viewer's language: their user setting, else the language chosen in
// this browser, else Accept-Language, else JAYAYA_LOCALE.
func TestPanelLanguageOfTheViewer(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	en, fr := newPanel(t, st), newPanelIn(t, st, i18n.FR)
	ctx := context.Background()
	en.user("ada", core.RoleAdmin)
	claire := en.user("claire", core.RoleStaff)
	if _, err := st.UpdateUser(ctx, claire.ID, core.UserUpdate{Locale: ptr("fr")}); err != nil {
		t.Fatal(err)
	}
	withCookie := func(p *panel, lang string) *browser {
		b := p.browser()
		u, _ := url.Parse(p.srv.URL + "/admin/")
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "jayaya_lang", Value: lang, Path: "/admin"}})
		return b
	}
	for _, c := range []struct {
		name   string
		b      *browser
		accept string
		want   i18n.Locale
		text   string
	}{
		{"nothing says: JAYAYA_LOCALE en", en.browser(), "", i18n.EN, ">Log in</button>"},
		{"nothing says: JAYAYA_LOCALE fr", fr.browser(), "", i18n.FR, ">Se connecter</button>"},
		{"the browser asks for French", en.browser(), "fr-FR,fr;q=0.9,en;q=0.5", i18n.FR, "Pas de compte"},
		{"the browser asks for German first, then English", fr.browser(), "de-DE,de;q=0.9,en;q=0.4", i18n.EN, "No account?"},
		{"the browser asks only for German", fr.browser(), "de-DE", i18n.FR, "Pas de compte"},
		{"chosen in this browser beats Accept-Language", withCookie(en, "fr"), "en-GB", i18n.FR, "Pas de compte"},
		{"a forged cookie is ignored", withCookie(en, "xx"), "fr", i18n.FR, "Pas de compte"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantLang(t, c.b.getWith("/admin/login", map[string]string{"Accept-Language": c.accept}), c.want, c.text)
		})
	}

	// Logged in: the user setting wins over everything, else the same order.
	b := withCookie(en, "en")
	wantStatus(t, b.post("/admin/login", url.Values{"login": {"claire"}, "password": {testPassword}}), http.StatusSeeOther)
	wantLang(t, b.getWith("/admin/tickets", map[string]string{"Accept-Language": "en"}), i18n.FR, ">Billets</a>")
	ada := en.loggedIn("ada")
	wantLang(t, ada.getWith("/admin/users", map[string]string{"Accept-Language": "fr"}), i18n.FR, "Nouvel utilisateur")
	wantLang(t, ada.get("/admin/users"), i18n.EN, "New user")
}

// The switch, on every page, remembers the choice: in the user's setting
// when logged in (audited), and in a cookie, which the login page follows.
func TestLanguageSwitchRemembersTheChoice(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		sam := p.user("sam", core.RoleStaff)
		for _, b := range []*browser{p.browser(), p.loggedIn("sam")} {
			page, here := b.get("/admin/login?next=%2Fadmin%2Fpeople"), `value="/admin/login?next=%2Fadmin%2Fpeople"`
			if b.session() != "" {
				page, here = b.get("/admin/tickets?status=open&done=user-saved"), `value="/admin/tickets?status=open"`
			}
			wantBody(t, page, `action="/admin/language"`, `<input type="hidden" name="next" `+here+`>`,
				`name="locale" value="fr" lang="fr">Français</button>`, `value="en" lang="en" aria-current="true" disabled>English</button>`)
		}

		// Before login: a cookie.
		anon := p.browser()
		res := anon.post("/admin/language", url.Values{"locale": {"fr"}, "next": {"/admin/login?next=%2Fadmin%2Fpeople"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/admin/login?next=%2Fadmin%2Fpeople" {
			t.Fatalf("the switch goes back to %q", res.location)
		}
		if c := res.header.Get("Set-Cookie"); !strings.Contains(c, "jayaya_lang=fr") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
			t.Fatalf("language cookie %q", c)
		}
		wantLang(t, anon.get(res.location), i18n.FR, "Pas de compte")

		// Logged in: the user's setting, and this browser's cookie.
		b := p.loggedIn("sam")
		wantLang(t, b.get("/admin/people"), i18n.EN, "Nobody matches.")
		res = b.post("/admin/language", url.Values{"locale": {"fr"}, "next": {"/admin/people"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantLang(t, b.get(res.location), i18n.FR, "Personne ne correspond.")
		if u, _ := st.UserByID(ctx, sam.ID); u.Locale != "fr" {
			t.Fatalf("the setting is %q, want fr", u.Locale)
		}
		list, err := st.ListAudit(ctx, core.AuditFilter{})
		if err != nil || len(list) == 0 || list[0].Action != core.AuditUserUpdate || list[0].Detail != "language: “none” → “French”" {
			t.Fatalf("the change is not in the audit log: %+v %v", list, err)
		}
		// The setting follows the user to another browser, whatever it asks for.
		other := p.loggedIn("sam")
		wantLang(t, other.getWith("/admin/", map[string]string{"Accept-Language": "en-US"}), i18n.FR, "Billets ouverts")
		res = other.post("/admin/language", url.Values{"locale": {"en"}, "next": {"https://evil.example/"}})
		if res.status != http.StatusSeeOther || res.location != "/admin/" {
			t.Fatalf("the switch with a next off the panel: %d to %q", res.status, res.location)
		}
		if u, _ := st.UserByID(ctx, sam.ID); u.Locale != "en" {
			t.Fatalf("the setting is %q, want en", u.Locale)
		}
		// After logout, the login page keeps the browser's last choice.
		wantStatus(t, b.post("/admin/logout", nil), http.StatusSeeOther)
		wantLang(t, b.get("/admin/login"), i18n.FR, "Pas de compte")
	})
}

// An unknown language is refused with a clear message, in the viewer's
// language, and changes nothing: no setting, no cookie, no audit entry. A
// GET or another site's POST never switches.
func TestUnknownLanguageIsRefused(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		claire := p.user("claire", core.RoleStaff)
		if _, err := st.UpdateUser(context.Background(), claire.ID, core.UserUpdate{Locale: ptr("fr")}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			b    *browser
			want string
		}{
			{p.browser(), "“de” is not a language the panel speaks: choose English or French."},
			{p.loggedIn("ada"), "“de” is not a language the panel speaks: choose English or French."},
			{p.loggedIn("claire"), "«\u202fde\u202f» n’est pas une langue que parle le panneau\u202f: choisissez l’anglais ou le français."},
		}
		before := snapshot(t, st)
		for _, c := range cases {
			for _, bad := range []string{"de", "", "<b>"} {
				res := c.b.post("/admin/language", url.Values{"locale": {bad}, "next": {"/admin/"}})
				wantStatus(t, res, http.StatusUnprocessableEntity)
				if bad == "de" {
					wantBody(t, res, c.want)
				}
				if strings.Contains(res.body, "<b>") {
					t.Fatalf("the refused value is not escaped:\n%s", res.body)
				}
				if sc := res.header.Get("Set-Cookie"); strings.Contains(sc, "jayaya_lang") {
					t.Fatalf("a refused language set a cookie: %q", sc)
				}
			}
			wantStatus(t, c.b.get("/admin/language?locale=fr"), http.StatusMethodNotAllowed)
			res := c.b.postWith("/admin/language", url.Values{"locale": {"en"}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
			wantStatus(t, res, http.StatusForbidden)
		}
		if after := snapshot(t, st); after != before {
			t.Fatalf("refused switches changed the database:\n%s\n%s", before, after)
		}
		if u, _ := st.UserByID(context.Background(), claire.ID); u.Locale != "fr" {
			t.Fatalf("claire's language is now %q", u.Locale)
		}
	})
}

// The user form sets, shows and unsets a user's language; an unknown one
// comes back beside the field, in the admin's language, changing nothing.
func TestUserFormLanguage(t *testing.T) {
	t.Parallel()
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		p := newPanel(t, st)
		p.user("ada", core.RoleAdmin)
		b := p.loggedIn("ada")
		wantBody(t, b.get("/admin/users/new"), `<select id="locale" name="locale">`, `<option value="" selected>Automatic</option>`,
			`<option value="fr">French</option>`)

		f := userForm("claire", "Claire Martin", "staff")
		f.Set("locale", "fr")
		wantStatus(t, b.post("/admin/users", f), http.StatusSeeOther)
		claire, err := st.UserByLogin(ctx, "claire")
		if err != nil || claire.Locale != "fr" {
			t.Fatalf("created user: %+v, %v", claire, err)
		}
		wantBody(t, b.get("/admin/users"), "<td>French</td>")
		wantBody(t, b.get("/admin/users/"+itoa(claire.ID)), `<option value="fr" selected>French</option>`)

		for _, l := range []struct {
			viewer i18n.Locale
			want   string
		}{
			{i18n.EN, "“de” is not a language JayayaCRM speaks"},
			{i18n.FR, "«\u202fde\u202f» n’est pas une langue que parle JayayaCRM"},
		} {
			wantStatus(t, b.post("/admin/language", url.Values{"locale": {l.viewer.String()}}), http.StatusSeeOther)
			before := snapshot(t, st)
			f.Set("locale", "de")
			for _, path := range []string{"/admin/users/" + itoa(claire.ID), "/admin/users"} {
				g := f
				if path == "/admin/users" {
					g = userForm("henri", "Henri Dupont", "client")
					g.Set("locale", "de")
				}
				res := b.post(path, g)
				wantStatus(t, res, http.StatusUnprocessableEntity)
				wantBody(t, res, `<select id="locale" name="locale" aria-invalid="true">`, `<p class="err">`+l.want)
			}
			if after := snapshot(t, st); after != before {
				t.Fatalf("a refused language changed the database:\n%s\n%s", before, after)
			}
			if u, _ := st.UserByID(ctx, claire.ID); u.Locale != "fr" {
				t.Fatalf("a refused language changed the setting to %q", u.Locale)
			}
		}
		wantStatus(t, b.post("/admin/language", url.Values{"locale": {"en"}}), http.StatusSeeOther)

		f.Set("locale", "")
		wantStatus(t, b.post("/admin/users/"+itoa(claire.ID), f), http.StatusSeeOther)
		if u, _ := st.UserByID(ctx, claire.ID); u.Locale != "" {
			t.Fatalf("unset language: %q", u.Locale)
		}
		if !slices.Contains(auditActions(t, st), core.AuditUserUpdate) {
			t.Fatal("language changes not audited")
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
