package admin_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	stdregexp "regexp"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// englishUIWords are words and phrases of the panel's English interface.
// A page in French shows none of them (the fixtures' own data, such as a
// ticket's subject, avoids them; "English" is the switch's way back).
var englishUIWords = []string{
	"Log in", "Log out", "Password", "Home", "Tickets", "Companies", "People", "Users", "Interests", "Audit log",
	"Search", "Save", "Cancel", "Delete", "Edit", "Retry", "Show", "Create", "Subject", "Status", "Visibility",
	"Opened", "opened", "closed", "Transcript", "Phone", "Email", "Time zone", "Language", "Name", "Login", "Role",
	"open tickets", "deliveries", "delivery", "waiting", "parked", "pending", "private", "Nothing", "No tickets",
	"No comments", "Back to", "Everything", "anonymous", "When", "Who", "Details", "New user", "New interest",
	"created", "saved", "deleted", "Automatic", "French", "Colour", "Website", "Address", "Job title", "All",
	"internal note", "attempt", "last error", "Times are shown", "optional", "Disabled", "cannot", "This is you",
	"Main menu", "Not found", "There is no such page", "Admins only", "Only admins", "is not a language",
	"Routing", "Add a rule", "Slack channel", "Default channel", "Overflow", "Matches", "Kind",
}

var (
	codes      = stdregexp.MustCompile(`(?s)<code>.*?</code>`)
	tags       = stdregexp.MustCompile(`<[^>]*>`)
	attributes = stdregexp.MustCompile(`(?:placeholder|aria-label|title)="([^"]*)"`)
)

// visibleText is what a reader of a page sees or hears: its text without
// markup and codes (<code>: an audit action, a delivery kind), and its
// fields' placeholders and labels.
func visibleText(body string) string {
	var b strings.Builder
	b.WriteString(html.UnescapeString(tags.ReplaceAllString(codes.ReplaceAllString(body, " "), " ")))
	for _, m := range attributes.FindAllStringSubmatch(body, -1) {
		b.WriteString("\n" + html.UnescapeString(m[1]))
	}
	return b.String()
}

// englishIn returns the English UI words text shows, as whole words.
func englishIn(text string) []string {
	var found []string
	for _, w := range englishUIWords {
		if stdregexp.MustCompile(`(^|[^\pL])` + stdregexp.QuoteMeta(w) + `($|[^\pL])`).MatchString(text) {
			found = append(found, w)
		}
	}
	return found
}

// wantFrench fails unless a page is in French, with every text of want,
// no English UI word and no catalog ID in brackets (a missing message).
func wantFrench(t *testing.T, what string, res response, status int, want ...string) {
	t.Helper()
	if res.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.status, status, res.body)
	}
	if !strings.Contains(res.body, `<html lang="fr">`) {
		t.Fatalf("%s: not <html lang=\"fr\">", what)
	}
	text := visibleText(res.body)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Fatalf("%s: lacks %q:\n%s", what, w, text)
		}
	}
	if en := englishIn(text); len(en) > 0 {
		t.Fatalf("%s: English words %q on a French page:\n%s", what, en, text)
	}
	for _, area := range []string{"[panel.", "[common.", "[core."} {
		if strings.Contains(text, area) {
			t.Fatalf("%s: a missing message %s…]:\n%s", what, area, text)
		}
	}
}

// The check above finds English words, and only whole ones.
func TestEnglishWordsCheck(t *testing.T) {
	if got := englishIn("Billets ouverts · Log out"); len(got) != 1 || got[0] != "Log out" {
		t.Fatalf("found %q", got)
	}
	if got := englishIn("Identifiant · Homebrew · Français · English"); len(got) != 0 {
		t.Fatalf("found %q in French text", got)
	}
	if got := visibleText(`<input placeholder="Company name"><p>Rien &amp; tout</p>`); !strings.Contains(got, "Company name") || !strings.Contains(got, "Rien & tout") {
		t.Fatalf("visible text %q", got)
	}
}

// A French admin sees every page of the panel in French, with French
// dates; so do a French staff member (refusals included) and a visitor
// whose browser asks for French.
func TestFrenchAdminSeesThePanelInFrench(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	ctx := context.Background()
	p := newPanel(t, st)
	ada := p.user("ada", core.RoleAdmin)
	sam := p.user("sam", core.RoleStaff)
	for _, u := range []*core.User{ada, sam} {
		if _, err := st.UpdateUser(ctx, u.ID, core.UserUpdate{Locale: ptr("fr")}); err != nil {
			t.Fatal(err)
		}
	}
	f := seedTicket(t, p, sam)
	if _, err := st.SetTicketStatus(ctx, st.DB, f.ticket.ID, core.TicketClosed); err != nil {
		t.Fatal(err)
	}
	b := p.loggedIn("ada")
	id := func(format string, id int64) string { return fmt.Sprintf(format, id) }
	opened := "2\u00a0mars 2026, 9\u00a0h\u00a000" // the fixture's clock, in ada's time zone (UTC)
	for _, c := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/admin/", http.StatusOK, []string{"Accueil", "Billets ouverts", "billet ouvert", "envoi en échec", "ouvrez leur billet pour réessayer", "Aucun billet.", "Les heures sont données dans le fuseau UTC."}},
		{"/admin/tickets", http.StatusOK, []string{"Statut", "Objet", "Visibilité", "Ouvert le", "fermé", "privé", opened}},
		{id("/admin/tickets/%d", f.ticket.ID), http.StatusOK, []string{"Billet #", "ouvert le " + opened, "fermé le ", "Participants\u202f:", "(client)", "Échanges", "en échec", "envoyé", "Réessayer"}},
		{"/admin/companies", http.StatusOK, []string{"Entreprise", "Centres d’intérêt", "Téléphone", "Rechercher"}},
		{"/admin/companies?q=zzz", http.StatusOK, []string{"Aucune entreprise ne correspond."}},
		{id("/admin/companies/%d", f.company.ID), http.StatusOK, []string{"Téléphone", "Personnes", "Commentaires", "Aucun commentaire.", "Toutes les entreprises"}},
		{"/admin/people?q=zzz", http.StatusOK, []string{"Personne ne correspond.", "Personnes"}},
		{"/admin/people", http.StatusOK, []string{"Fonction", "Téléphone", "Paul Durand"}},
		{id("/admin/people/%d", f.person.ID), http.StatusOK, []string{"Fonction", "E-mail", "Entreprises", "Toutes les personnes"}},
		{"/admin/users", http.StatusOK, []string{"Utilisateurs", "Nouvel utilisateur", "Tous les rôles", "administrateur", "équipe", "français", "Identifiant"}},
		{"/admin/users/new", http.StatusOK, []string{"Nouvel utilisateur", "Fuseau horaire", "Langue", "Automatique", "anglais", "facultatif\u202f: nécessaire pour le panneau web", "Créer l’utilisateur"}},
		{id("/admin/users/%d", sam.ID), http.StatusOK, []string{"Modifier Sam Test", "Nouveau mot de passe", "laissez vide pour le garder", "Désactivé", "Supprimer…"}},
		{id("/admin/users/%d", ada.ID), http.StatusOK, []string{"C’est vous\u202f: seul un autre administrateur"}},
		{id("/admin/users/%d/delete", sam.ID), http.StatusOK, []string{"Supprimer Sam Test (sam, équipe)\u202f?", "Cette personne perd l’accès aussitôt"}},
		{id("/admin/users/%d/delete", ada.ID), http.StatusOK, []string{"Impossible de supprimer Ada Test.", "Retour aux utilisateurs"}},
		{"/admin/interests", http.StatusOK, []string{"Centres d’intérêt", "Nouveau centre d’intérêt", "Couleur", "Modifier", "Supprimer"}},
		{"/admin/interests/new", http.StatusOK, []string{"Nouveau centre d’intérêt", "Créer le centre d’intérêt", "Annuler", "Canal Slack (facultatif)"}},
		{"/admin/routing", http.StatusOK, []string{"Routage", "Un nouveau billet va", "Canal par défaut\u202f:", "Ajouter une règle", "Centre d’intérêt", "Canal d’assistance Discord"}},
		{id("/admin/interests/%d", f.interest.ID), http.StatusOK, []string{"Modifier Solar panels", "1 entreprise a ce centre d’intérêt."}},
		{id("/admin/interests/%d/delete", f.interest.ID), http.StatusOK, []string{"Supprimer le centre d’intérêt «\u202fSolar panels\u202f»\u202f?", "1 entreprise le perd.", "C’est définitif."}},
		{"/admin/audit", http.StatusOK, []string{"Journal d’audit", "Quand", "Qui", "Détails", "Tout", "Connexions refusées", "utilisateur ada"}},
		{"/admin/nope", http.StatusNotFound, []string{"Introuvable", "Cette page n’existe pas.", "Retour au panneau"}},
		{"/admin/users/0", http.StatusNotFound, []string{"Introuvable", "Cette page n’existe pas."}},
		{"/admin/?done=user-created", http.StatusOK, []string{"Utilisateur créé."}},
	} {
		res := b.get(c.path)
		// The last admin's refusal is core's message, in French.
		if c.path == id("/admin/users/%d/delete", ada.ID) {
			wantBody(t, res, "C’est le dernier administrateur")
		}
		wantFrench(t, c.path, res, c.status, c.want...)
	}

	// A refused form comes back in French, the catalog's core errors too.
	form := userForm("henri", "Henri Dupont", core.RoleClient)
	form.Set("locale", "de")
	wantFrench(t, "a refused user", b.post("/admin/users", form), http.StatusUnprocessableEntity,
		"«\u202fde\u202f» n’est pas une langue que parle JayayaCRM")
	res := b.post("/admin/interests", url.Values{"name": {"Éolien"}, "color": {"#1c7ed6"}})
	wantFrench(t, "a notice", b.get(res.location), http.StatusOK, "Centre d’intérêt créé.", "Éolien")
	// What the audit log says of it (and of the user's role) reads in
	// French too, and the Channels page with each channel's language.
	tom := p.user("tom", core.RoleStaff)
	if _, err := st.UpdateUserAs(ctx, core.Actor{User: ada}, tom.ID, core.UserUpdate{Role: ptr(core.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	wantFrench(t, "audit details", b.get("/admin/audit"), http.StatusOK, "couleur #1C7ED6",
		"rôle : « équipe » → « administrateur »")
	wantFrench(t, "channels", b.get("/admin/channels"), http.StatusOK, "Canaux", "La langue d’un canal", "Slack n’est pas configuré.")
	wantFrench(t, "405", b.postWith("/admin/companies", nil, map[string]string{"Sec-Fetch-Site": "same-origin"}),
		http.StatusMethodNotAllowed, "Non autorisé", "Cette adresse n’accepte pas ce type de requête.")
	wantFrench(t, "another site's POST", b.postWith("/admin/interests", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}),
		http.StatusForbidden, "Refusé", "Cette requête venait d’un autre site")

	// A French staff member is refused the admin pages in French.
	wantFrench(t, "staff on /admin/users", p.loggedIn("sam").get("/admin/users"), http.StatusForbidden,
		"Réservé aux administrateurs", "Seuls les administrateurs peuvent voir ou modifier")

	// Before login, the browser's language.
	visitor := p.browser()
	fr := map[string]string{"Accept-Language": "fr-FR,fr;q=0.9"}
	wantFrench(t, "login", visitor.getWith("/admin/login", fr), http.StatusOK, "Connexion", "Identifiant", "Mot de passe", "Se connecter", "Pas de compte\u202f?")
	res = visitor.postWith("/admin/login", url.Values{"login": {"ada"}, "password": {"wrong"}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "Accept-Language": "fr"})
	wantFrench(t, "refused login", res, http.StatusUnauthorized, "Identifiant ou mot de passe incorrect.")
	wantFrench(t, "anonymous POST", visitor.postWith("/admin/interests", nil, map[string]string{"Sec-Fetch-Site": "same-origin", "Accept-Language": "fr"}),
		http.StatusUnauthorized, "Veuillez vous connecter", "Votre session a pris fin\u202f: veuillez vous reconnecter.")
}

// The setup page, before any admin exists, follows the browser's
// language, and so does a refused setup.
func TestSetupPageInFrench(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	p := newPanelIn(t, st, i18n.FR)
	token, err := st.NewSetupToken(context.Background())
	if err != nil || token == "" {
		t.Fatalf("setup token %q, %v", token, err)
	}
	b := p.browser()
	res := b.get("/admin/setup?token=" + url.QueryEscape(token))
	wantFrench(t, "setup", res, http.StatusOK, "Créer le premier administrateur", "Votre nom", "8 caractères ou plus", "Confirmez le mot de passe")
	wantBody(t, res, `<input type="hidden" name="next" value="/admin/setup?token=`+token+`">`)
	res = b.post("/admin/setup", url.Values{"token": {token}, "name": {"Ada"}, "login": {"ada"}, "time_zone": {"UTC"},
		"password": {testPassword}, "password2": {"other"}})
	wantFrench(t, "setup refused", res, http.StatusUnprocessableEntity, "Les deux mots de passe diffèrent.")
	wantBody(t, res, `<input type="hidden" name="next" value="/admin/setup?token=`+token+`">`)
	wantFrench(t, "setup link wrong", b.get("/admin/setup?token=wrong"), http.StatusForbidden, "Lien de configuration déjà utilisé")
}
