package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/admin/browsertest"
)

// updateDocs makes TestDemoBrowser rewrite the README's screenshot,
// docs/demo.png: go test -run TestDemoBrowser ./cmd/jayaya -args -update-docs
var updateDocs = flag.Bool("update-docs", false, "TestDemoBrowser: rewrite docs/demo.png, the README's screenshot of the demo")

// TestDemoBrowser drives "jayaya demo" in headless Chromium as a new user
// would: open /demo/, write as a client in the support channel, see the
// ticket appear on the Slack side, answer as staff, see the answer on the
// Discord side and its ✅ on Slack, run /crm company and use the card's
// Comment button and form, then close the ticket as the client with
// Discord's /close. It saves a screenshot of each step in
// $JAYAYA_TEST_OUTPUT/demo/ (default cmd/jayaya/testdata/out/demo/), and
// with -update-docs the README's (docs/demo.png). It skips without
// Chromium, unless JAYAYA_REQUIRE_BROWSER=1.
func TestDemoBrowser(t *testing.T) {
	chromium := browsertest.Chromium(t)
	out := browsertest.OutputDir(t, "demo")

	d := startDemo(t)
	b := browsertest.Launch(t, chromium)
	b.Viewport(1400, 1000, false)
	shot := func(name string) { t.Helper(); b.Shot(out, name) }
	// within is a JavaScript test that a pane shows text.
	within := func(pane, text string) string {
		return fmt.Sprintf(`document.querySelector(%q).innerText.includes(%q)`, pane, text)
	}
	// choose selects the option of a select whose label contains label.
	choose := func(sel, label string) {
		t.Helper()
		b.WaitFor(fmt.Sprintf("%q in %s", label, sel), fmt.Sprintf(`[...document.querySelector(%q).options].some(o => o.text.includes(%q))`, sel, label))
		b.EvalJS(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = [...s.options].find(o => o.text.includes(%q)).value; s.dispatchEvent(new Event('change')) })()`, sel, label))
	}

	// The page says what it is, and shows the seeded ticket on both sides.
	b.Open(d.url + "/demo/")
	b.WantText("Both chats below are simulated on this machine")
	b.WantText("jayaya serve")
	if href := b.Eval(`document.querySelector('.links a').href`); href != d.url+"/admin/" {
		t.Errorf("admin panel link: %v", href)
	}
	if bg := b.Eval(`getComputedStyle(document.querySelector('.discord')).backgroundColor`); bg != "rgb(49, 51, 56)" {
		t.Fatalf("the stylesheet did not load under the CSP: Discord side %v", bg)
	}
	b.WaitFor("the live updates", `document.body.dataset.live === "1"`)
	b.WaitFor("the seeded ticket's note", within("#slack-feed", "note: the carrier is Rossi Trasporti"))
	b.WaitFor("the seeded staff reply on Discord", within("#discord-feed", demoReply))
	shot("01-start")

	// A client writes in the support channel: the ticket opens on the
	// Slack side, card and message. Henri speaks French: his thread's
	// welcome is in French, the staff channel's card in English.
	const question = "Bonjour, la facture des 40 palettes porte le mauvais numéro de TVA."
	choose("#client", "Henri Dupont")
	b.Fill("#discord-text", question)
	b.Click("#discord-send")
	b.WaitFor("ticket #2's card on the Slack side", within("#slack-feed", "#2 Bonjour, la facture"))
	b.WaitFor("the client's message on the Slack side", within("#slack-feed", question))
	b.WaitFor("the client's ticket thread on the Discord side", within("#discord-feed", "voici votre billet #2"))
	shot("02-ticket-opened")

	// Staff answer in the ticket's thread: the client sees it under the
	// staff member's name, and the reply gets ✅ once delivered.
	const answer = "Merci Henri, une facture corrigée part aujourd’hui."
	choose("#as", "Claire Martin")
	choose("#slack-where", "#2 Bonjour, la facture")
	b.Fill("#slack-text", answer)
	b.Click("#slack-send")
	b.WaitFor("the staff answer on the Discord side", within("#discord-feed", answer))
	b.WaitFor("the staff answer under Claire's name on Discord", fmt.Sprintf(
		`[...document.querySelectorAll('#discord-feed .msg')].some(m => m.innerText.includes(%q) && m.querySelector('.author').innerText === 'Claire Martin')`, answer))
	b.WaitFor("✅ on the staff answer in Slack", fmt.Sprintf(
		`[...document.querySelectorAll('#slack-feed .replies .msg')].some(m => m.querySelector('.body').innerText.includes(%q) && (m.querySelector('.reactions') || {innerText: ''}).innerText.includes('✅'))`, answer))
	b.WaitFor("✅ on the client's message in Discord", fmt.Sprintf(
		`[...document.querySelectorAll('#discord-feed .msg')].some(m => m.innerText.includes(%q) && (m.querySelector('.reactions') || {innerText: ''}).innerText.includes('✅'))`, question))
	shot("03-staff-answered")
	if *updateDocs {
		b.Shot(filepath.Join("..", "..", "docs"), "demo")
	}

	// /crm company shows the card, only to the staff member, in her
	// language: Claire's is French, and /crm understands it.
	b.Fill("#crm-text", "entreprise dupont")
	b.Click("#crm-run")
	b.WaitFor("the company card", within("#answers", "12 rue des Vignes, 21200 Beaune"))
	b.WaitFor("the card's people", within("#answers", "Henri Dupont"))
	b.WaitFor("the answer's viewer", within("#answers", "only visible to Claire Martin"))
	shot("04-crm-company")

	// Its Comment button opens the form; an empty comment is refused
	// beside the field, a real one is added.
	b.Click(`#answers form.bk-click:has(input[name=action_id][value="comment.new"]) button`)
	b.WaitFor("the comment form", `document.querySelector('#modal form.modal') !== null`)
	b.Click(`#modal button.primary`)
	b.WaitFor("the form's error", within("#modal", "obligatoire"))
	shot("05-comment-form-error")
	b.Fill(`#modal textarea`, "Henri a confirmé l’envoi au Japon par téléphone.")
	b.Click(`#modal button.primary`)
	b.WaitFor("the form to close", `document.querySelector('#modal form.modal') === null`)
	b.WaitFor("the comment's confirmation", within("#answers", "Commentaire ajouté à Dupont & Fils"))
	shot("06-comment-added")

	// Henri closes his ticket from Discord: /close typed in its thread is
	// Discord's slash command, answered to him only; the thread and the
	// card close, and "/close" is relayed to no one.
	choose("#client", "Henri Dupont")
	choose("#discord-where", "#2 Bonjour, la facture")
	b.Fill("#discord-text", "/close")
	b.Click("#discord-send")
	b.WaitFor("the answer to /close, only to Henri", fmt.Sprintf(
		`[...document.querySelectorAll('#discord-feed .msg.ephemeral')].some(m => m.innerText.includes(%q) && m.innerText.includes(%q) && m.innerText.includes(%q))`,
		"Henri Dupont used /close", "Le billet #2 est fermé. Merci\u202f!", "only visible to Henri Dupont"))
	b.WaitFor("the thread closed on Discord", within("#discord-feed", "private thread · closed"))
	b.WaitFor("the closing line on Slack", within("#slack-feed", "Ticket #2 was closed by Henri Dupont"))
	b.WaitFor("the card's Reopen button", `[...document.querySelectorAll('#slack-feed button')].some(e => e.innerText.trim() === 'Reopen')`)
	if relayed := b.Eval(`[...document.querySelectorAll('#slack-feed .body, #discord-feed .body')].some(e => e.innerText.trim() === '/close')`); relayed != false {
		t.Errorf("/close was relayed as a message (%v)", relayed)
	}
	shot("07-client-closed")

	// The same page on a phone.
	b.Viewport(390, 844, true)
	b.Open(d.url + "/demo/")
	b.WaitFor("the page on a phone", within("#slack-feed", answer))
	shot("08-phone")

	d.stop(t)
	if logs := d.logs.String(); strings.Contains(logs, errNotLoopback.Error()) || strings.Contains(logs, "outside this machine") {
		t.Errorf("the demo tried to leave this machine:\n%s", logs)
	}
}
