package core

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// AuditChannelLocale records a change of a channel's language.
const AuditChannelLocale = "channel.locale"

// ChannelSettingsTTL is how long a replica trusts the channel settings it
// read (ChannelLocale): a change made on another replica shows within it.
const ChannelSettingsTTL = 5 * time.Second

// ChannelSetting is an admin's setting for one chat channel: the language
// of what everyone there reads (a Slack staff channel's ticket cards and
// thread notices; a Discord support channel's ticket threads, for clients
// Discord has said nothing about). A channel without one speaks
// JAYAYA_LOCALE.
type ChannelSetting struct {
	bun.BaseModel `bun:"table:channel_settings,alias:chs"`

	Platform  string    `bun:"platform,pk"`
	ChannelID string    `bun:"channel_id,pk"`
	Locale    string    `bun:"locale,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// channelSettingsCache is the replica's copy of every channel's language,
// read whole at most once per ChannelSettingsTTL.
type channelSettingsCache struct {
	locales map[[2]string]string // by platform and channel
	readAt  time.Time
}

// ChannelPlatform tells from a channel's ID which platform it is on: a
// Slack channel (C… or G…) or a Discord channel (a snowflake). It
// reports false for anything else.
func ChannelPlatform(id string) (string, bool) {
	switch {
	case ValidSlackChannelID(id):
		return PlatformSlack, true
	case ValidDiscordID(id):
		return PlatformDiscord, true
	}
	return "", false
}

// ParseChannelLocale reads a channel's language as an admin types it:
// "en" or "fr" (any case, "fr-FR" too), or "default" or "" for
// JAYAYA_LOCALE, returned as "". Errors: EINVALID on the field "locale".
func ParseChannelLocale(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "default") {
		return "", nil
	}
	if l, ok := i18n.Parse(s); ok {
		return string(l), nil
	}
	return "", InvalidE("locale", "core.channel.locale_unknown", i18n.Args{"Value": clipText(s, 20)})
}

// SetChannelLocaleAs sets the language of a channel (locale as
// ParseChannelLocale reads it; "" or "default" go back to JAYAYA_LOCALE)
// on behalf of an admin, audited, and returns the language it had before
// ("" for the default). Nothing changes when anything is wrong. Errors:
// EINVALID (an unknown language, a channel ID of neither platform, one of
// the other platform than platform).
func (s *Store) SetChannelLocaleAs(ctx context.Context, a Actor, platform, channel, locale string) (before string, err error) {
	channel = strings.TrimSpace(channel)
	on, ok := ChannelPlatform(channel)
	if !ok || (platform != "" && platform != on) {
		return "", InvalidE("channel", "core.channel.invalid", i18n.Args{"Value": clipText(channel, 40)})
	}
	l, err := ParseChannelLocale(locale)
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var cur []ChannelSetting
		if err := tx.NewSelect().Model(&cur).Where("platform = ? AND channel_id = ?", on, channel).Scan(ctx); err != nil {
			return err
		}
		if len(cur) > 0 {
			before = cur[0].Locale
		}
		if before == l {
			return nil
		}
		if l == "" {
			if _, err := tx.NewDelete().Model((*ChannelSetting)(nil)).Where("platform = ? AND channel_id = ?", on, channel).Exec(ctx); err != nil {
				return err
			}
		} else {
			row := &ChannelSetting{Platform: on, ChannelID: channel, Locale: l, UpdatedAt: s.now()}
			if _, err := tx.NewInsert().Model(row).On("CONFLICT (platform, channel_id) DO UPDATE").
				Set("locale = EXCLUDED.locale").Set("updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
				return err
			}
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditChannelLocale, "channel", 0, channel,
			i18n.M("audit.channel.locale", i18n.Args{"Platform": platformWord(on), "Old": localeWord(before), "New": localeWord(l)})))
	})
	if err != nil {
		return "", err
	}
	s.chanMu.Lock()
	s.chanCache = nil // this replica sees its own change at once
	s.chanMu.Unlock()
	return before, nil
}

// platformWord is a platform's name, for a sentence.
func platformWord(platform string) i18n.Msg {
	if platform == PlatformDiscord {
		return i18n.M("common.platform.discord")
	}
	return i18n.M("common.platform.slack")
}

// localeWord is a channel's language, for a sentence: its name, or the
// default.
func localeWord(l string) i18n.Msg {
	if l == "" {
		return i18n.M("common.language.default")
	}
	return i18n.M("common.language." + l)
}

// ChannelSettings returns every channel that has a language of its own,
// by platform and channel.
func (s *Store) ChannelSettings(ctx context.Context) ([]ChannelSetting, error) {
	var out []ChannelSetting
	err := s.DB.NewSelect().Model(&out).OrderExpr("platform, channel_id").Scan(ctx)
	return out, err
}

// ChannelLocale returns the language set for a channel ("en", "fr"), ""
// when it has none (JAYAYA_LOCALE decides). It reads the replica's copy
// of the settings, refreshed after ChannelSettingsTTL; when the refresh
// fails, it answers from the copy it has and returns the error too.
func (s *Store) ChannelLocale(ctx context.Context, platform, channel string) (string, error) {
	s.chanMu.Lock()
	defer s.chanMu.Unlock()
	now := s.now()
	c := s.chanCache
	if c == nil || now.Sub(c.readAt) >= ChannelSettingsTTL || now.Before(c.readAt) {
		list, err := s.ChannelSettings(ctx)
		if err != nil {
			if c == nil {
				return "", err
			}
			c.readAt = now // try again after another TTL, not at every call
			return c.locales[[2]string{platform, channel}], err
		}
		c = &channelSettingsCache{locales: make(map[[2]string]string, len(list)), readAt: now}
		for _, cs := range list {
			c.locales[[2]string{cs.Platform, cs.ChannelID}] = cs.Locale
		}
		s.chanCache = c
	}
	return c.locales[[2]string{platform, channel}], nil
}
