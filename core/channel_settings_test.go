package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// A channel's language: set, read back, cleared with "default"; an
// unknown language or a malformed channel is refused with a message
// naming it, and changes nothing; each change is audited with details
// that read in French for a French reader.
func TestChannelLocaleSetting(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		const slackCh, discordCh = "C0FRENCH", "100000000000000042"
		locale := func(platform, ch string) string {
			t.Helper()
			l, err := st.ChannelLocale(ctx, platform, ch)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		if l := locale(core.PlatformSlack, slackCh); l != "" {
			t.Fatalf("a channel nobody set speaks %q, want the default", l)
		}
		before, err := st.SetChannelLocaleAs(ctx, admin, "", slackCh, "FR-fr")
		if err != nil || before != "" {
			t.Fatalf("set: was %q, %v", before, err)
		}
		if _, err := st.SetChannelLocaleAs(ctx, admin, core.PlatformDiscord, discordCh, "en"); err != nil {
			t.Fatal(err)
		}
		if l := locale(core.PlatformSlack, slackCh); l != "fr" {
			t.Fatalf("Slack channel speaks %q, want fr", l)
		}
		if l := locale(core.PlatformDiscord, discordCh); l != "en" {
			t.Fatalf("Discord channel speaks %q, want en", l)
		}
		if l := locale(core.PlatformDiscord, slackCh); l != "" {
			t.Fatalf("the same ID on the other platform speaks %q", l)
		}

		refusals := []struct {
			platform, channel, locale, field, says string
		}{
			{"", slackCh, "de", "locale", "Unknown language “de”"},
			{"", slackCh, "français", "locale", "Unknown language “français”"},
			{"", "#general", "en", "channel", "“#general” is neither a Slack channel ID"},
			{"", "", "en", "channel", "is neither a Slack channel ID"},
			{core.PlatformDiscord, slackCh, "en", "channel", "is neither"},
		}
		for _, r := range refusals {
			_, err := st.SetChannelLocaleAs(ctx, admin, r.platform, r.channel, r.locale)
			wantCode(t, err, core.EINVALID)
			if core.ErrorField(err) != r.field || !strings.Contains(core.ErrorMessage(err), r.says) {
				t.Errorf("%+v: field %q, %q", r, core.ErrorField(err), core.ErrorMessage(err))
			}
		}
		if l := locale(core.PlatformSlack, slackCh); l != "fr" {
			t.Fatalf("after refusals the channel speaks %q, want fr still", l)
		}
		_, err = st.SetChannelLocaleAs(ctx, admin, "", slackCh, "de")
		if fr := core.ErrorMessageIn(err, i18n.FR); !strings.Contains(fr, "Langue inconnue «\u202fde\u202f»") {
			t.Errorf("refusal in French: %q", fr)
		}

		if before, err = st.SetChannelLocaleAs(ctx, admin, "", slackCh, "default"); err != nil || before != "fr" {
			t.Fatalf("back to default: was %q, %v", before, err)
		}
		if l := locale(core.PlatformSlack, slackCh); l != "" {
			t.Fatalf("after default the channel speaks %q", l)
		}
		settings, err := st.ChannelSettings(ctx)
		if err != nil || len(settings) != 1 || settings[0].ChannelID != discordCh {
			t.Fatalf("settings %+v, %v: want the Discord channel's alone", settings, err)
		}

		list, err := st.ListAudit(ctx, core.AuditFilter{Action: ptr(core.AuditChannelLocale)})
		if err != nil || len(list) != 3 {
			t.Fatalf("%d audit entries (%v), want 3: refusals record nothing", len(list), err)
		}
		last := list[0]
		if last.SubjectName != slackCh || last.Detail != "Slack channel’s language: French → default" {
			t.Errorf("audit entry %q %q", last.SubjectName, last.Detail)
		}
		ms := last.Details()
		if len(ms) != 1 {
			t.Fatalf("details %q read as %+v", last.DetailMsgs, ms)
		}
		if got := i18n.For(i18n.FR).Msg(ms[0]); got != "langue du canal Slack\u202f: français → par défaut" {
			t.Errorf("in French: %q", got)
		}
	})
}

// A replica sees a change made by another (here written behind the
// store's back) once its copy is ChannelSettingsTTL old, not before; a
// change made through the store itself shows at once.
func TestChannelLocaleCacheTTL(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		if _, err := st.SetChannelLocaleAs(ctx, admin, "", "C0CACHE", "fr"); err != nil {
			t.Fatal(err)
		}
		read := func() string {
			t.Helper()
			l, err := st.ChannelLocale(ctx, core.PlatformSlack, "C0CACHE")
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		if l := read(); l != "fr" {
			t.Fatalf("read %q, want fr", l)
		}
		// Another replica changes it.
		if _, err := st.DB.NewUpdate().Table("channel_settings").Set("locale = 'en'").Where("channel_id = 'C0CACHE'").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(core.ChannelSettingsTTL - time.Second)
		if l := read(); l != "fr" {
			t.Fatalf("read %q before the TTL, want the copy's fr", l)
		}
		clock.Advance(time.Second)
		if l := read(); l != "en" {
			t.Fatalf("read %q after the TTL, want the other replica's en", l)
		}
		if _, err := st.SetChannelLocaleAs(ctx, admin, "", "C0CACHE", "fr"); err != nil {
			t.Fatal(err)
		}
		if l := read(); l != "fr" {
			t.Fatalf("read %q right after this replica's change, want fr", l)
		}
	})
}
