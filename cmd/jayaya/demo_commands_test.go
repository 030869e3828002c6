package main

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// say writes text in the demo's Discord box as client, in channel where
// ("" for the support channel), the way the page's script posts it from a
// browser asking for language lang; it returns the HTTP status and the
// problem the page answered.
func (d *demoRun) say(t *testing.T, lang, client, where, text string) (int, string) {
	t.Helper()
	form := url.Values{"client": {client}, "where": {where}, "text": {text}}
	req, err := http.NewRequest(http.MethodPost, d.url+"/demo/discord/say", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Demo-Script", "1")
	req.Header.Set("Accept-Language", lang)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

// optionValue finds the value of the <option> labelled label in html.
func optionValue(t *testing.T, page, label string) string {
	t.Helper()
	for _, m := range regexp.MustCompile(`<option value="([^"]*)"[^>]*>([^<]*)</option>`).FindAllStringSubmatch(page, -1) {
		if strings.Contains(html.UnescapeString(m[2]), label) {
			return m[1]
		}
	}
	t.Fatalf("no option %q in\n%s", label, page)
	return ""
}

// TestDemoDiscordCommands: a client's /tickets, /ticket and /close typed
// in the demo's Discord box reach the product as Discord slash commands
// (INTERACTION_CREATE from the fake Discord, answered by the Discord
// adapter), each answer shown only to that client; /close closes the
// ticket on both sides and is not relayed as text; a command Discord's
// client would not send is refused with nothing done, and a name that is
// no command is an ordinary message.
func TestDemoDiscordCommands(t *testing.T) {
	d := startDemo(t)
	d.waitPanes(t, seededTicket)
	henri := optionValue(t, d.get(t, "/demo/"), "Henri Dupont")
	wantSay := func(client, where, text string) {
		t.Helper()
		if code, problem := d.say(t, "en", client, where, text); code != http.StatusNoContent {
			t.Fatalf("%q: %d %s\n%s", text, code, problem, d.logs.String())
		}
	}

	// /tickets in the support channel: Henri has none (Emma's is private).
	// He speaks French (his Discord client's language and his setting);
	// the page's own words around the answer follow the visitor's browser.
	wantSay(henri, "", "/tickets")
	d.waitPanes(t, "Henri Dupont used /tickets")
	d.waitPanes(t, "Vous n’avez pas encore de billet.")
	d.waitPanes(t, "only visible to Henri Dupont")

	// Discord's client sends no /ticket without its subject.
	threadsBefore := strings.Count(d.panes(t)["discord-where"], "<option")
	if code, problem := d.say(t, "en", henri, "", "/ticket"); code != http.StatusUnprocessableEntity || problem != "/ticket needs its subject option." {
		t.Fatalf("/ticket without a subject: %d %q", code, problem)
	}
	if code, problem := d.say(t, "fr-FR,fr;q=0.9", henri, "", "/ticket visibility: secret"); code != http.StatusUnprocessableEntity || problem != "/ticket a besoin de son option subject." {
		t.Fatalf("/ticket without a subject, in French: %d %q", code, problem)
	}

	// /ticket opens a public ticket, its thread on Discord and its card on
	// Slack.
	wantSay(henri, "", "/ticket subject: Pallets for Japan visibility: public")
	d.waitPanes(t, `Le billet #2 est ouvert. Votre fil public apparaîtra dans un instant sous <span class="mention">#support</span>`)
	d.waitPanes(t, "#2 Pallets for Japan</div>") // the Slack card's header
	// The thread is made by its own delivery, which may come after the
	// card: wait for it, then count nothing more than it.
	panes := d.panes(t)
	for deadline := time.Now().Add(waitTimeout); strings.Count(panes["discord-where"], "<option") < threadsBefore+1 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		panes = d.panes(t)
	}
	if n := strings.Count(panes["discord-where"], "<option"); n != threadsBefore+1 {
		t.Fatalf("%d places to write after one /ticket refused and one opened, want %d:\n%s", n, threadsBefore+1, panes["discord-where"])
	}
	thread := optionValue(t, panes["discord-where"], "#2 Pallets for Japan")

	// A name that is no command is a message, relayed as one.
	wantSay(henri, thread, "/shrug the labels are in Japanese")
	d.waitPanes(t, "/shrug the labels are in Japanese</div>")

	// /close in the thread: answered to Henri only, the thread closed and
	// no longer offered, both sides told; "/close" itself reaches no one.
	wantSay(henri, thread, "/close")
	d.waitPanes(t, "Le billet #2 est fermé. Merci\u202f!")
	d.waitPanes(t, "public thread · closed")
	d.waitPanes(t, "Ticket #2 was closed by Henri Dupont")      // the staff channel's language
	d.waitPanes(t, "Le billet #2 a été fermé par Henri Dupont") // his thread's, Henri's
	panes = d.panes(t)
	if strings.Contains(panes["slack-feed"], "/close") {
		t.Errorf("/close reached Slack as text:\n%s", panes["slack-feed"])
	}
	if strings.Contains(panes["discord-where"], thread) {
		t.Errorf("the closed thread is still offered to write in:\n%s", panes["discord-where"])
	}
	if !regexp.MustCompile(`Henri Dupont used /close</div>\s*<div class="meta"><span class="author">JayayaCRM</span> <span class="tag">BOT</span>`).MatchString(panes["discord-feed"]) {
		t.Errorf("the answer to /close is not the bot's, under the command:\n%s", panes["discord-feed"])
	}

	// The page's own words around the answer speak the visitor's language.
	req, _ := http.NewRequest(http.MethodGet, d.url+"/demo/panes", nil)
	req.Header.Set("Accept-Language", "fr")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"Henri Dupont a utilisé /close", "visible seulement par Henri Dupont"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the French page lacks %q", want)
		}
	}
	d.stop(t)
}
