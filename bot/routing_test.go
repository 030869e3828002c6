package bot_test

import (
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// TestFallbackNote: the card's and /crm ticket's note about a routed
// channel that could not take a ticket, in both languages, for each
// reason Slack gives; none for a ticket where it was routed.
func TestFallbackNote(t *testing.T) {
	str := func(s string) *string { return &s }
	tk := &core.Ticket{SlackChannelID: str("C0STAFF")}
	if got := bot.FallbackNote(i18n.For(i18n.EN), tk); got != "" {
		t.Fatalf("no fallback: note %q", got)
	}
	cases := []struct {
		code   string
		reason string
		en, fr string
	}{
		{"is_archived", bot.FallbackArchived,
			"Routed to <#C0KEY>, but the bot cannot post there (it is archived): opened in the default channel instead.",
			"Routé vers <#C0KEY>, mais le bot ne peut pas y écrire (il est archivé)\u202f: ouvert dans le canal par défaut."},
		{"not_in_channel", bot.FallbackNotInChannel,
			"Routed to <#C0KEY>, but the bot cannot post there (the bot is not a member of it): opened in the default channel instead.",
			"Routé vers <#C0KEY>, mais le bot ne peut pas y écrire (le bot n’en est pas membre)\u202f: ouvert dans le canal par défaut."},
		{"channel_not_found", bot.FallbackNotFound,
			"Routed to <#C0KEY>, but the bot cannot post there (it was not found: deleted, or private without the bot): opened in the default channel instead.",
			"Routé vers <#C0KEY>, mais le bot ne peut pas y écrire (il est introuvable\u202f: supprimé, ou privé sans le bot)\u202f: ouvert dans le canal par défaut."},
		{"restricted_action", "",
			"Routed to <#C0KEY>, but the bot cannot post there (Slack answered restricted_action): opened in the default channel instead.",
			"Routé vers <#C0KEY>, mais le bot ne peut pas y écrire (Slack a répondu restricted_action)\u202f: ouvert dans le canal par défaut."},
	}
	for _, c := range cases {
		if got := core.FallbackReason(c.code); got != c.reason {
			t.Errorf("FallbackReason(%s) = %q, want %q", c.code, got, c.reason)
		}
		tk.SlackFallbackFrom, tk.SlackFallbackReason = str("C0KEY"), str(c.code)
		if got := bot.FallbackNote(i18n.For(i18n.EN), tk); got != c.en {
			t.Errorf("%s, English: %q\nwant %q", c.code, got, c.en)
		}
		if got := bot.FallbackNote(i18n.For(i18n.FR), tk); got != c.fr {
			t.Errorf("%s, French: %q\nwant %q", c.code, got, c.fr)
		}
	}
}
