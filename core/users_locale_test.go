package core_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// A user's language is stored in its short form, may be unset, and an
// unknown one is refused with a message in the reader's language,
// changing nothing.
func TestUserLocale(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, core.NewUser{Login: "claire", Name: "Claire Martin", Role: "staff", Locale: "fr-FR"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Locale != "fr" {
			t.Fatalf("locale stored as %q, want fr", u.Locale)
		}
		_, err = st.UpdateUser(ctx, u.ID, core.UserUpdate{Locale: ptr("xx")})
		if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "locale" {
			t.Fatalf("unknown locale: %v", err)
		}
		if fr := core.ErrorMessageIn(err, i18n.FR); !strings.Contains(fr, "«\u202fxx\u202f»") {
			t.Errorf("French message %q", fr)
		}
		if en := core.ErrorMessage(err); !strings.Contains(en, "“xx”") {
			t.Errorf("English message %q", en)
		}
		if got, _ := st.UserByID(ctx, u.ID); got.Locale != "fr" {
			t.Fatalf("a refused update changed the locale to %q", got.Locale)
		}
		u, err = st.UpdateUser(ctx, u.ID, core.UserUpdate{Locale: ptr("")})
		if err != nil || u.Locale != "" {
			t.Fatalf("unset: %v, %q", err, u.Locale)
		}
	})
}

// BadLoginMessage, a constant the panel's tests compare with, is the
// catalog's English text of BadLoginID.
func TestBadLoginMessageIsTheCatalogs(t *testing.T) {
	if got := i18n.T(i18n.EN, core.BadLoginID); got != core.BadLoginMessage {
		t.Fatalf("catalog %q, constant %q", got, core.BadLoginMessage)
	}
}

// A person's language: their setting, else what their platform says now,
// else what it said last, else the place's, else the default; languages
// the catalog lacks are skipped.
func TestUserLanguage(t *testing.T) {
	u := &core.User{SlackLocale: "fr-FR", DiscordLocale: "de"}
	for _, tc := range []struct {
		name                  string
		u                     *core.User
		platform, said, place string
		def                   i18n.Locale
		want                  i18n.Locale
	}{
		{"Slack's cached locale", u, core.PlatformSlack, "", "", i18n.EN, i18n.FR},
		{"what the platform says now comes first", u, core.PlatformSlack, "en-GB", "", i18n.FR, i18n.EN},
		{"an unsupported cached locale falls to the place", u, core.PlatformDiscord, "", "fr", i18n.EN, i18n.FR},
		{"then to the default", u, core.PlatformDiscord, "", "", i18n.FR, i18n.FR},
		{"the setting wins", &core.User{Locale: "en", SlackLocale: "fr-FR"}, core.PlatformSlack, "fr", "fr", i18n.FR, i18n.EN},
		{"nobody registered", nil, core.PlatformDiscord, "de", "fr", i18n.EN, i18n.FR},
		{"nothing known, a bad default", nil, core.PlatformSlack, "", "", "xx", i18n.Default},
	} {
		if got := tc.u.Language(tc.platform, tc.said, tc.place, tc.def); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// What Slack and Discord say of a user is cached on them, and a refused
// value never reaches the database as anything but a short tag.
func TestCachePlatformLocales(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, core.NewUser{Login: "claire", Name: "Claire", Role: "staff", SlackID: "U0CLAIRE"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CacheSlackProfile(ctx, u.ID, "Europe/Paris", "fr-FR"); err != nil {
			t.Fatal(err)
		}
		if err := st.CacheDiscordLocale(ctx, u.ID, "fr\x00"+strings.Repeat("x", 40)); err != nil {
			t.Fatal(err)
		}
		got, _ := st.UserByID(ctx, u.ID)
		if got.TimeZone != "Europe/Paris" || got.SlackLocale != "fr-FR" || len(got.DiscordLocale) != 16 || strings.ContainsRune(got.DiscordLocale, 0) {
			t.Fatalf("cached: tz %q, Slack %q, Discord %q", got.TimeZone, got.SlackLocale, got.DiscordLocale)
		}
		if rs, _ := st.ReminderSettings(ctx, u.ID); rs.TZCheckedAt == nil {
			t.Errorf("the Slack profile's time is not recorded")
		}
		if err := st.CacheSlackProfile(ctx, 999999, "UTC", ""); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("unknown user: %v", err)
		}
	})
}
