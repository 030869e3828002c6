package main

import (
	"context"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// The demo's people speak their languages: Claire (staff) and Henri
// (client) French, Sam and Emma English, in their user settings (also in
// a kept database, on the next run) and in what their platforms report
// (Slack's users.info, the locale of Discord interactions); the admin has
// no setting, so the panel follows the visitor's browser.
func TestDemoPeopleSpeakTheirLanguages(t *testing.T) {
	ctx := context.Background()
	st := coretest.MustOpenSQLite(t)
	for run := 1; run <= 2; run++ {
		w, err := newDemoWorld()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.close)
		if err := w.prepareData(ctx, st, "demo-password-"+strconv.Itoa(run)); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		// The second run finds what visitors changed in the first: the
		// demo's people get their languages back; the admin keeps hers.
		admin := ""
		if run == 2 {
			admin = "fr"
		}
		for login, want := range map[string]string{"claire": "fr", "henri": "fr", "sam": "en", "emma": "en", demoAdminLogin: admin} {
			u, err := st.UserByLogin(ctx, login)
			if err != nil || u.Locale != want {
				t.Fatalf("run %d: %s's language %q (%v), want %q", run, login, u.Locale, err, want)
			}
			change := map[string]string{"claire": "", demoAdminLogin: "fr"}
			if l, ok := change[login]; ok && run == 1 {
				if _, err := st.UpdateUser(ctx, u.ID, core.UserUpdate{Locale: &l}); err != nil {
					t.Fatal(err)
				}
			}
		}

		slack := w.slack.Client()
		for id, want := range map[string]string{w.claire.ID: "fr-FR", w.sam.ID: "en-US"} {
			if u, err := slack.GetUserInfoContext(ctx, id); err != nil || u.Locale != want {
				t.Fatalf("run %d: users.info %s: %q (%v), want %q", run, id, u.Locale, err, want)
			}
		}

		dg, err := w.discord.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dg.ApplicationCommandBulkOverwrite(w.discord.AppID(), w.guild, []*discordgo.ApplicationCommand{{Name: "tickets", Description: "List tickets"}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			id   string
			want discordgo.Locale
		}{{w.henri.ID, discordgo.French}, {w.emma.ID, discordgo.EnglishGB}} {
			in, err := w.discord.InvokeSlashCommand(discordtest.SlashCommand{ChannelID: w.support, UserID: c.id, Name: "tickets"})
			if err != nil || in.Locale != c.want {
				t.Fatalf("run %d: %s's interaction locale %v (%v), want %q", run, c.id, in, err, c.want)
			}
		}
	}
	if users, err := st.ListUsers(ctx, core.UserFilter{}); err != nil || len(users) != 5 {
		t.Fatalf("%d users after two runs (%v), want 5", len(users), err)
	}
}
