package admin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/admin/browsertest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// TestBrowserWalkthroughInFrench is the walkthrough again with a French
// admin, in headless Chromium (which asks for English): the login page
// switches to French with the button on the page, the admin's own setting
// keeps every page French after login, and each page shows French texts
// and none of englishUIWords. Screenshots go to browser-fr/.
func TestBrowserWalkthroughInFrench(t *testing.T) {
	t.Parallel()
	chromium := browsertest.Chromium(t)
	out := browsertest.OutputDir(t, "browser-fr")

	st := coretest.MustOpenSQLite(t)
	ctx := context.Background()
	p := newPanel(t, st)
	p.clock.Set(time.Now()) // the browser's cookie expiry follows the real clock
	ada := p.user("ada", core.RoleAdmin)
	ada, _ = st.UpdateUser(ctx, ada.ID, core.UserUpdate{Name: ptr("Adèle Moreau"), Locale: ptr("fr"), TimeZone: ptr("Europe/Paris")})
	f := seedTicket(t, p, p.user("tom", core.RoleStaff))

	b := browsertest.Launch(t, chromium)
	b.Viewport(1200, 850, false)
	shot := func(name string) { t.Helper(); b.Shot(out, name) }
	// french checks the page in the browser: <html lang="fr">, every text
	// of want, and no English word of the interface (in the text, the
	// fields' placeholders or the labels read aloud). Codes (<code>: an
	// audit action, a delivery kind) are not words. An audit entry's
	// details are checked too: core records them as messages of the
	// catalog, and the panel shows them in the reader's language.
	french := func(want ...string) {
		t.Helper()
		for _, w := range want {
			b.WantText(w)
		}
		if lang := b.Eval(`document.documentElement.lang`); lang != "fr" {
			t.Fatalf("<html lang=%q>", lang)
		}
		text, _ := b.Eval(`(() => { const body = document.body.cloneNode(true);
			body.querySelectorAll("code").forEach(e => e.remove());
			return body.textContent + "\n" + [...document.querySelectorAll("[placeholder],[aria-label]")]
				.map(e => (e.getAttribute("placeholder") || "") + " " + (e.getAttribute("aria-label") || "")).join("\n") })()`).(string)
		if en := englishIn(text); len(en) > 0 {
			t.Fatalf("English words %q on a French page:\n%s", en, text)
		}
	}

	// The login page follows the browser (English) until the switch says
	// French; the choice stays for the next visit.
	b.Open(p.srv.URL + "/admin/")
	b.WantText("No account?")
	b.Submit(`form.lang button[value="fr"]`)
	french("Connexion", "Identifiant", "Mot de passe", "Pas de compte\u202f?")
	shot("01-connexion")
	b.Open(p.srv.URL + "/admin/login")
	french("Connexion")
	b.Fill("#login", "ada")
	b.Fill("#password", "mauvais mot de passe")
	b.Submit("main form button[type=submit]")
	french("Identifiant ou mot de passe incorrect.")
	shot("02-connexion-refusee")
	b.Fill("#password", testPassword)
	b.Submit("main form button[type=submit]")
	french("Billets ouverts", "billet ouvert", "envoi en échec", "Les heures sont données dans le fuseau Europe/Paris.")
	shot("03-accueil")

	// The ticket, with French dates in the admin's time zone; its parked
	// delivery is retried.
	b.Submit(fmt.Sprintf(`a[href="/admin/tickets/%d"]`, f.ticket.ID))
	opened := i18n.For(i18n.FR).DateTime(f.ticket.CreatedAt.In(ada.Location()))
	french("Échanges", "ouvert le "+opened, "en échec", "Réessayer", "We will send someone on Monday.")
	shot("04-billet")
	b.Submit(fmt.Sprintf("#delivery-%d button", f.parked.ID))
	french("L’envoi est remis dans la file et repartira sous peu.", "en attente")
	if d, _ := st.Delivery(ctx, f.parked.ID); d.Status != core.DeliveryPending {
		t.Fatalf("retried delivery is %s", d.Status)
	}

	// An interest.
	b.Open(p.srv.URL + "/admin/interests/new")
	french("Nouveau centre d’intérêt", "Couleur")
	b.Fill("#name", "Éolien")
	b.Fill("#color", "#1c7ed6")
	b.Submit("main form button[type=submit]")
	french("Centre d’intérêt créé.", "Éolien")
	shot("05-centres-d-interet")

	// A user: a language the panel does not speak is refused beside the
	// field, in French, and nothing is created; then a French one.
	b.Open(p.srv.URL + "/admin/users/new")
	french("Nouvel utilisateur", "Langue", "Automatique")
	b.Fill("#name", "Claire Martin")
	b.Fill("#login", "claire")
	b.Fill("#email", "claire@example.com")
	b.Fill("#time_zone", "Europe/Paris")
	b.EvalJS(`(() => { const o = document.createElement('option'); o.value = 'de'; o.text = 'Deutsch'; document.querySelector('#locale').add(o); document.querySelector('#locale').value = 'de' })()`)
	b.Submit("main form button[type=submit]")
	french("«\u202fde\u202f» n’est pas une langue que parle JayayaCRM")
	shot("06-utilisateur-refuse")
	if _, err := st.UserByLogin(ctx, "claire"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("a refused user was created: %v", err)
	}
	b.EvalJS(`document.querySelector('#locale').value = 'fr'`)
	b.Submit("main form button[type=submit]")
	french("Utilisateur créé.", "Claire Martin", "français")
	shot("07-utilisateurs")
	if u, err := st.UserByLogin(ctx, "claire"); err != nil || u.Locale != "fr" {
		t.Fatalf("claire: %+v %v", u, err)
	}

	// The last admin cannot be deleted: the panel says why, in core's
	// words, in French.
	b.Open(fmt.Sprintf("%s/admin/users/%d", p.srv.URL, ada.ID))
	french("C’est vous")
	b.Submit("a.danger-link")
	french("Impossible de supprimer Adèle Moreau.", "C’est le dernier administrateur")
	shot("08-dernier-admin")

	// The audit log.
	b.Open(p.srv.URL + "/admin/audit")
	french("Journal d’audit", "interest.create", "user.create", "login.failed",
		"couleur #1C7ED6", "identifiant ou mot de passe erroné (échec 1 sur", "file ")
	shot("09-journal")

	// The switch while logged in changes the admin's setting: English,
	// then French again.
	b.Submit(`form.lang button[value="en"]`)
	b.WantText("Audit log")
	if u, _ := st.UserByID(ctx, ada.ID); u.Locale != "en" {
		t.Fatalf("the switch left the setting at %q", u.Locale)
	}
	b.Submit(`form.lang button[value="fr"]`)
	french("Journal d’audit")

	// Log out.
	b.Submit("form.logout button")
	french("Déconnexion effectuée.", "Connexion")
	shot("10-deconnecte")
	if !strings.Contains(b.Eval(`document.title`).(string), "Connexion") {
		t.Fatalf("title %v", b.Eval(`document.title`))
	}
}
