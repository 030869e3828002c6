package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
)

// TestChannelLanguageCommand: jayaya channel language sets a Slack or
// Discord channel's language and goes back to the default; a bad
// language, a malformed channel or a wrong number of arguments exits 2
// with one line naming the problem, before any database is opened; the
// settings are listed and audited. SQLite and PostgreSQL.
func TestChannelLanguageCommand(t *testing.T) {
	// Refusals open no database.
	env, db := noDatabase(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"C0STAFF", "de"}, "jayaya channel language: unknown language \"de\": want en, fr or default\n"},
		{[]string{"C0STAFF", ""}, "jayaya channel language: unknown language \"\": want en, fr or default\n"},
		{[]string{"#staff", "fr"}, "jayaya channel language: \"#staff\" is neither a Slack channel ID (like C0123ABCD) nor a Discord channel ID (15 to 21 digits)\n"},
		{[]string{"C0STAFF"}, "jayaya channel language: want a channel ID and a language (en, fr or default), got 1 arguments\n"},
		{[]string{"C0STAFF", "fr", "en"}, "jayaya channel language: want a channel ID and a language (en, fr or default), got 3 arguments\n"},
	} {
		code, out, errs := jayaya(t, env, "", append([]string{"channel", "language"}, c.args...)...)
		if code != 2 || out != "" || errs != c.want {
			t.Errorf("channel language %q: exit %d, stdout %q, stderr %q; want exit 2, %q", c.args, code, out, errs, c.want)
		}
	}
	// The shell completes the language.
	if code, out, _ := jayaya(t, env, "", "__complete", "channel", "language", "C0STAFF", ""); code != 0 || !strings.HasPrefix(out, "en\nfr\ndefault\n") {
		t.Errorf("completion of the language: exit %d, %q", code, out)
	}
	assertNoFile(t, db)

	for engine, mkURL := range databaseURLs(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			url := mkURL(t)
			env := map[string]string{"DATABASE_URL": url}
			if out := mustRun(t, env, "", "channel", "language", "C0STAFF", "FR"); out != "channel C0STAFF: language fr (was default)\n" {
				t.Fatalf("set: %q", out)
			}
			if out := mustRun(t, env, "", "channel", "language", "100000000000000001", "en"); out != "channel 100000000000000001: language en (was default)\n" {
				t.Fatalf("set Discord: %q", out)
			}
			if code, _, errs := jayaya(t, env, "", "channel", "language", "C0STAFF", "es"); code != 2 || errs == "" {
				t.Fatalf("refused: exit %d, %q", code, errs)
			}
			want := "PLATFORM  CHANNEL             LANGUAGE\ndiscord   100000000000000001  en\nslack     C0STAFF             fr\n"
			if out := mustRun(t, env, "", "channel", "list"); out != want {
				t.Fatalf("list:\n%s\nwant:\n%s", out, want)
			}
			if out := mustRun(t, env, "", "channel", "language", "C0STAFF", "default"); out != "channel C0STAFF: language default (was fr)\n" {
				t.Fatalf("back to default: %q", out)
			}
			st, err := core.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if l, err := st.ChannelLocale(context.Background(), core.PlatformSlack, "C0STAFF"); err != nil || l != "" {
				t.Fatalf("C0STAFF speaks %q (%v), want the default", l, err)
			}
			list, err := st.ListAudit(context.Background(), core.AuditFilter{Action: ptrTo(core.AuditChannelLocale)})
			if err != nil || len(list) != 3 || list[0].RemoteAddr != "cli" {
				t.Fatalf("audit: %d entries, %v", len(list), err)
			}
		})
	}
}
