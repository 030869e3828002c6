package core

import (
	"context"
	"time"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Language returns the language u reads on a chat platform
// (PlatformSlack, PlatformDiscord): their own setting; else what the
// platform says of them with this very action (said: a Discord
// interaction's locale, a Slack users.info just read); else what it said
// last (SlackLocale, DiscordLocale); else the language of the place they
// write in (place: a Discord guild's preferred locale); else def
// (JAYAYA_LOCALE). u may be nil (someone unregistered): said, place and
// def decide then. Unsupported languages ("de") are skipped.
func (u *User) Language(platform, said, place string, def i18n.Locale) i18n.Locale {
	if u == nil {
		return i18n.Pick(def, said, place)
	}
	cached := ""
	switch platform {
	case PlatformSlack:
		cached = u.SlackLocale
	case PlatformDiscord:
		cached = u.DiscordLocale
	}
	return i18n.Pick(def, u.Locale, said, cached, place)
}

// CacheSlackProfile records what Slack's users.info said of a user: their
// time zone (an unknown or empty one is stored as UTC) and their locale
// ("fr-FR", "" when Slack gave none), and when it was read (the cache's
// age, ReminderSettings.TZCheckedAt). Errors: ENOTFOUND.
func (s *Store) CacheSlackProfile(ctx context.Context, userID int64, tz, locale string) error {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		tz = "UTC"
	}
	res, err := s.DB.NewUpdate().Model((*User)(nil)).Set("time_zone = ?", tz).Set("slack_locale = ?", clipLocale(locale)).
		Set("tz_checked_at = ?", s.now()).Where("id = ?", userID).Exec(ctx)
	return oneRow(res, err)
}

// CacheDiscordLocale records the locale a user's Discord interaction
// carried ("fr", "en-US"), so that what the relay later tells them in
// threads and DMs (which carry no locale) speaks it too. Errors: ENOTFOUND.
func (s *Store) CacheDiscordLocale(ctx context.Context, userID int64, locale string) error {
	res, err := s.DB.NewUpdate().Model((*User)(nil)).Set("discord_locale = ?", clipLocale(locale)).
		Where("id = ?", userID).Exec(ctx)
	return oneRow(res, err)
}

// clipLocale keeps what a platform sends as a locale to a sane size: it
// is a tag such as "fr-FR", never text to show.
func clipLocale(s string) string {
	s = CleanText(s)
	if len(s) > 16 {
		s = s[:16]
	}
	return s
}
