package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// englishUI are words of the product's English sentences that no French
// sentence has (whole words, case as written).
var englishUI = regexp.MustCompile(`\b(Hello|Ticket|ticket|tickets|Subject|Status|Open|open|Closed|closed|Close|Reopen|Company|Companies|company|People|Person|Edit|Show|Reminder|Snooze|Done|due|today|tomorrow|Added|Saved|Created|Sorry|Please|Thank|Thanks|your|you|the|and|with|from|was|Task|Tasks|task|Interests|Working|Usage|Latest|Comment|comments|Nobody|nobody|unknown|Add|Cancel|Title|Place|Time|Remind|hour|minutes)\b`)

// frenchWorld is a relay world whose company speaks French
// (JAYAYA_LOCALE=fr), with a French staff member on Slack (Slack says
// fr-FR; no setting of her own) and a French client on Discord (his
// client is in French; the guild too).
type frenchWorld struct {
	*relayWorld
	claire slacktest.User
	henri  *discordgo.User
}

func newFrenchWorld(t *testing.T, engine string, env map[string]string) *frenchWorld {
	t.Helper()
	w := &frenchWorld{relayWorld: setupRelayWorld(t, engine)}
	w.extraEnv = env
	ctx := context.Background()
	w.claire = w.slack.State().AddUser(slacktest.User{ID: "U0CLAIRE", Name: "claire", RealName: "Claire Martin", Locale: "fr-FR"})
	if err := w.slack.State().Join(w.staffCh, w.claire.ID); err != nil {
		t.Fatal(err)
	}
	w.henri = w.discord.AddUser("henri")
	if err := w.discord.AddMember(w.guild, w.henri.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.discord.SetUserLocale(w.henri.ID, discordgo.French); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CreateUser(ctx, core.NewUser{Login: "claire", Name: "Claire Martin", Role: core.RoleStaff, SlackID: w.claire.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CreateUser(ctx, core.NewUser{Login: "henri", Name: "Henri Dupont", Role: core.RoleClient, DiscordID: w.henri.ID,
		Email: "henri@dupont.test"}); err != nil {
		t.Fatal(err)
	}
	vins, err := w.st.CreateInterest(ctx, "Vins", "#7a1f3d")
	if err != nil {
		t.Fatal(err)
	}
	dupont, err := w.st.CreateCompany(ctx, core.CompanyInput{Name: "Dupont & Fils", InterestIDs: []int64{vins.ID}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.st.CreatePerson(ctx, core.PersonInput{FirstName: "Henri", LastName: "Dupont", Email: "henri@dupont.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.st.LinkPerson(ctx, dupont.ID, p.ID, "Gérant"); err != nil {
		t.Fatal(err)
	}
	w.proc = w.start(w.dbURL)
	return w
}

// crm runs /crm text as user in the staff channel and returns what it
// answered at once (text and blocks) and what it opened (a modal).
func (w *frenchWorld) crm(user, text string) string {
	w.t.Helper()
	views := len(w.slack.State().Views())
	d, err := w.slack.HTTP().Command(context.Background(), slacktest.Command{UserID: user, ChannelID: w.staffCh, Command: "/crm", Text: text})
	if err != nil || !d.OK() || d.Late() {
		w.t.Fatalf("/crm %s: %v %+v", text, err, d)
	}
	out := blockTexts(d.Body)
	for _, v := range w.slack.State().Views()[views:] {
		out += "\n" + blockTexts(v.JSON)
	}
	return out
}

// botLine waits for the bot's line starting with prefix in the ticket's
// Discord thread and returns it.
func (w *frenchWorld) botLine(ts ticketSides, prefix string) string {
	w.t.Helper()
	var line string
	w.waitDiscord("the line "+prefix, func() bool {
		for _, m := range w.discord.Messages(ts.ThreadID) {
			if m.WebhookID == "" && strings.HasPrefix(m.Content, prefix) {
				line = m.Content
				return true
			}
		}
		return false
	})
	return line
}

// henriInvokes runs a Discord slash command as Henri and returns its
// answer.
func (w *frenchWorld) henriInvokes(channel, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) string {
	w.t.Helper()
	in, err := w.discord.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: channel, UserID: w.henri.ID, Name: name, Options: opts})
	if err != nil {
		w.t.Fatalf("/%s: %v", name, err)
	}
	var answer string
	w.waitDiscord("the answer to /"+name, func() bool {
		rec, _ := w.discord.Interaction(in.ID)
		text, _, ok := rec.Answer()
		answer = text
		return ok
	})
	return answer
}

// blockTexts returns every text a person reads in a Slack payload (a
// message, a response, a view): the values of its "text" fields, and its
// plain text as such.
func blockTexts(raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "text" {
					out = append(out, s)
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

// wantFrench fails on every English UI word in text.
func wantFrench(t *testing.T, where, text string) {
	t.Helper()
	if strings.TrimSpace(text) == "" {
		t.Errorf("%s: nothing to read", where)
		return
	}
	if m := englishUI.FindAllString(text, -1); len(m) > 0 {
		t.Errorf("%s: English words %q in:\n%s", where, m, text)
	}
}

// A French staff member and a French client, through the fakes and the
// whole binary: the client opens a ticket with /billet, staff answer and
// leave a note, look up the company, add a task for tomorrow 14h and get
// its reminder, then the client closes the ticket. Everything they read,
// on both sides, is French.
func TestFrenchWalk(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{core.EnginePostgres, core.EngineSQLite} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newFrenchWorld(t, engine, map[string]string{"JAYAYA_LOCALE": "fr"})
			if err := w.discord.SetGuildLocale(w.guild, discordgo.French); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()

			// The client opens a ticket with the French-named command.
			opened := w.henriInvokes(w.support, "ticket", &discordgo.ApplicationCommandInteractionDataOption{
				Name: "subject", Type: discordgo.ApplicationCommandOptionString, Value: "La facture indique un mauvais numéro de TVA."})
			wantFrench(t, "/billet's answer", opened)
			if !strings.Contains(opened, "Le billet #1 est ouvert") || strings.Contains(opened, "..") {
				t.Errorf("/billet answered %q", opened)
			}
			ts := w.waitTicket(1)
			welcome := w.botLine(ts, "Bonjour Henri Dupont, voici votre billet #1.")
			if strings.Contains(welcome, "TVA..") || !strings.HasSuffix(welcome, "\nObjet\u202f: La facture indique un mauvais numéro de TVA.") {
				t.Errorf("welcome line %q", welcome)
			}

			// Client and staff talk; staff leave an internal note.
			if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: ts.ThreadID, AuthorID: w.henri.ID,
				Content: "Bonjour, pouvez-vous corriger la facture ?"}); err != nil {
				t.Fatal(err)
			}
			w.waitSlack(func(*slacktest.State) bool { return len(w.relayedToSlack(ts)) == 1 })
			w.staffSays(ts, w.claire.ID, "Bien sûr, je m’en occupe.")
			w.staffSays(ts, w.claire.ID, "note: vérifier avec la comptabilité")
			w.waitDiscord("Claire's answer", func() bool { return len(w.relayedToDiscord(ts)) == 1 })

			// Staff's /crm: help both ways, the company, a task for
			// tomorrow 14h, its form, her tasks.
			var slackTexts []string
			for _, cmd := range []string{"aide", "help", "entreprise dupont", "tâche ajouter Rappeler Henri pour demain 14h", "tâche ajouter",
				"tâches", "billets tous ouverts", "billet 1", "intérêts"} {
				got := w.crm(w.claire.ID, cmd)
				wantFrench(t, "/crm "+cmd, got)
				slackTexts = append(slackTexts, got)
			}
			all := strings.Join(slackTexts, "\n")
			for _, want := range []string{"ce que vous pouvez faire", "*Dupont &amp; Fils*", "Derniers commentaires", "Nouvelle tâche",
				"échéance demain à 14\u00a0h\u00a000", "Vos tâches"} {
				if !strings.Contains(all, want) {
					t.Errorf("/crm answers lack %q", want)
				}
			}

			// The reminder, 30 minutes before: claimed at that time (a
			// store whose clock is there), queued on the outbox now, and
			// sent by the product's delivery worker.
			task, err := w.st.ListTasks(ctx, mustUser(t, w.st, "claire"), core.TaskFilter{})
			if err != nil || len(task) != 1 || task[0].RemindAt == nil {
				t.Fatalf("tasks %+v, %v", task, err)
			}
			later, err := core.Open(ctx, w.dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer later.Close()
			later.Now = coretest.NewClock(task[0].RemindAt.Add(time.Minute)).Now
			reminders := &bot.Reminders{Store: later, Outbox: outbox.NewWorker(w.st, nil)}
			if res, err := reminders.Tick(ctx); err != nil || res.DMs != 1 {
				t.Fatalf("reminder tick: %+v, %v", res, err)
			}
			var dm slacktest.Message
			w.waitSlack(func(st *slacktest.State) bool {
				ms := st.Messages(st.DM(w.claire.ID))
				if len(ms) == 0 {
					return false
				}
				dm = ms[len(ms)-1]
				return true
			})
			reminder := dm.Text + "\n" + blockTexts(dm.Blocks)
			wantFrench(t, "the reminder", reminder)
			if !strings.Contains(reminder, "⏰ Rappel\u202f: *Rappeler Henri* arrive à échéance aujourd’hui à 14\u00a0h\u00a000") ||
				!strings.Contains(reminder, "Reporter à demain 9\u00a0h\u00a000") {
				t.Errorf("reminder %q", reminder)
			}

			// The client closes the ticket from its thread.
			closed := w.henriInvokes(ts.ThreadID, "close")
			if closed != "Le billet #1 est fermé. Merci\u202f!" {
				t.Errorf("/fermer answered %q", closed)
			}
			w.waitSlack(func(*slacktest.State) bool { return w.slackNotice(ts, "a été fermé par Henri Dupont") })
			w.botLine(ts, "Le billet #1 a été fermé par Henri Dupont.")
			w.waitSlack(func(st *slacktest.State) bool {
				m, _ := st.Message(w.staffCh, ts.SlackTS)
				return strings.Contains(string(m.Blocks), "Rouvrir")
			})

			// Everything on both sides, in French.
			for _, m := range w.discord.Messages(ts.ThreadID) {
				if m.Type != discordgo.MessageTypeDefault && m.Content == "" {
					continue // Discord's own system line (member added)
				}
				wantFrench(t, "Discord thread: "+m.Author.Username, m.Content)
			}
			card, _ := w.slack.State().Message(w.staffCh, ts.SlackTS)
			wantFrench(t, "the card", card.Text+"\n"+blockTexts(card.Blocks))
			for _, m := range w.slackReplies(ts) {
				wantFrench(t, "Slack thread: "+m.Username, m.Text+"\n"+blockTexts(m.Blocks))
			}
			for _, e := range w.slack.State().Ephemerals() {
				if e.User == w.claire.ID {
					wantFrench(t, "ephemeral to Claire", e.Text+"\n"+blockTexts(e.Blocks))
				}
			}
			for _, r := range w.slack.State().ResponsePosts() {
				if r.User == w.claire.ID {
					wantFrench(t, "late answer to Claire", r.Text+"\n"+blockTexts(r.Blocks))
				}
			}
		})
	}
}

func mustUser(t *testing.T, st *core.Store, login string) *core.User {
	t.Helper()
	u, err := st.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// In a company whose default is English, each person still gets their
// own language from their platform: a French Slack user (users.info's
// locale, asked with include_locale and cached) and a French Discord
// client (the interaction's locale, remembered for the thread), while the
// staff channel's card stays in the company's language. A German user
// ("de", which the catalog lacks) falls back cleanly to the default.
func TestEachPersonsLanguageFromTheirPlatform(t *testing.T) {
	t.Parallel()
	w := newFrenchWorld(t, core.EngineSQLite, nil)
	ctx := context.Background()
	if err := w.slack.State().SetUserLocale(w.staff.ID, "de-DE"); err != nil {
		t.Fatal(err)
	}

	fr := w.crm(w.claire.ID, "help")
	if !strings.Contains(fr, i18n.T(i18n.FR, "crm.help.intro")) {
		t.Errorf("Claire (Slack fr-FR) got %q", fr)
	}
	de := w.crm(w.staff.ID, "aide")
	if !strings.Contains(de, i18n.T(i18n.EN, "crm.help.intro")) || strings.Contains(de, "[crm.") {
		t.Errorf("Sam (Slack de-DE) got %q", de)
	}
	for _, c := range w.slack.State().Calls("users.info") {
		if c.Params.Get("include_locale") != "true" {
			t.Errorf("users.info asked without include_locale: %v", c.Params)
		}
	}
	claire := mustUser(t, w.st, "claire")
	if claire.SlackLocale != "fr-FR" || claire.Locale != "" {
		t.Errorf("Claire's locales: setting %q, Slack %q", claire.Locale, claire.SlackLocale)
	}
	// Cached with the time zone: no second users.info within 12 hours.
	calls := len(w.slack.State().Calls("users.info"))
	w.crm(w.claire.ID, "aide")
	if n := len(w.slack.State().Calls("users.info")); n != calls {
		t.Errorf("users.info called %d more times within its cache", n-calls)
	}
	// A setting of her own wins over Slack's.
	if _, err := w.st.UpdateUser(ctx, claire.ID, core.UserUpdate{Locale: ptrTo("en")}); err != nil {
		t.Fatal(err)
	}
	if got := w.crm(w.claire.ID, "aide"); !strings.Contains(got, i18n.T(i18n.EN, "crm.help.intro")) {
		t.Errorf("Claire with setting en got %q", got)
	}

	// Henri's Discord speaks French: the answer, then the thread's lines.
	opened := w.henriInvokes(w.support, "ticket", &discordgo.ApplicationCommandInteractionDataOption{
		Name: "subject", Type: discordgo.ApplicationCommandOptionString, Value: "Livraison à 9°C au lieu de 4°C."})
	if !strings.HasPrefix(opened, "Le billet #1 est ouvert.") {
		t.Errorf("/billet answered %q", opened)
	}
	if henri := mustUser(t, w.st, "henri"); henri.DiscordLocale != "fr" {
		t.Errorf("Henri's cached Discord locale %q", henri.DiscordLocale)
	}
	ts := w.waitTicket(1)
	if got := w.botLine(ts, "Bonjour Henri Dupont"); !strings.HasSuffix(got, "Objet\u202f: Livraison à 9°C au lieu de 4°C.") {
		t.Errorf("welcome line %q", got)
	}
	card, _ := w.slack.State().Message(w.staffCh, ts.SlackTS)
	if !strings.Contains(string(card.Blocks), "Participants") || !strings.Contains(string(card.Blocks), `"Close"`) {
		t.Errorf("the staff channel's card is not in the company's English: %s", card.Blocks)
	}

	// A German Discord client in an English guild: the default, cleanly.
	if err := w.discord.SetUserLocale(w.henri.ID, "de"); err != nil {
		t.Fatal(err)
	}
	henri := mustUser(t, w.st, "henri")
	if _, err := w.st.UpdateUser(ctx, henri.ID, core.UserUpdate{Locale: ptrTo("")}); err != nil {
		t.Fatal(err)
	}
	if got := w.henriInvokes(w.support, "tickets"); !strings.HasPrefix(got, i18n.T(i18n.EN, "tickets.discord.list_title")) {
		t.Errorf("/tickets in German answered %q", got)
	}

	// A client Discord says nothing about (a message carries no locale,
	// and Carl never used a command) reads the guild's language, once
	// the guild's owner set it to French: GUILD_UPDATE comes before the
	// message on the one gateway connection, and updates the adapter's
	// state before the message's handler runs.
	if err := w.discord.SetGuildLocale(w.guild, discordgo.French); err != nil {
		t.Fatal(err)
	}
	carlTicket := w.openByMessage(2, "Imprimante en panne")
	if got := w.botLine(carlTicket, "Bonjour Carl Client, voici votre billet #2."); !strings.HasSuffix(got, "Objet\u202f: Imprimante en panne") {
		t.Errorf("Carl's welcome line %q", got)
	}

	// The commands carry French names and descriptions.
	for _, c := range w.discord.Commands(w.guild) {
		if c.NameLocalizations == nil || (*c.NameLocalizations)[discordgo.French] == "" || c.DescriptionLocalizations == nil ||
			(*c.DescriptionLocalizations)[discordgo.French] == "" {
			t.Errorf("command %s without French localizations: %+v", c.Name, c)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
