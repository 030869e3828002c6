package slack

import (
	"context"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// TimeZoneTTL is how long a time zone and a language read from Slack's
// users.info are trusted before they are read again.
const TimeZoneTTL = 12 * time.Hour

// timeZoneLookup bounds a users.info call made while answering a user.
const timeZoneLookup = 1500 * time.Millisecond

var (
	_ bot.Zones     = (*Adapter)(nil)
	_ bot.Languages = (*Adapter)(nil)
)

// Location returns a staff user's time zone as Slack knows it (bot.Zones):
// the zone cached on the user when it was read less than TimeZoneTTL ago,
// otherwise users.info's tz, which is then cached with the user's locale
// (core.CacheSlackProfile). A user without a Slack ID, a failed lookup or
// an unknown zone gives the cached zone, UTC when there is none.
func (a *Adapter) Location(ctx context.Context, u *core.User) *time.Location {
	a.profile(ctx, u)
	return u.Location()
}

// PlatformLocale returns the language Slack gives a user ("fr-FR"), ""
// when it gives none (bot.Languages): users.info's locale, asked with
// include_locale on the same lookup and 12-hour cache as the time zone.
func (a *Adapter) PlatformLocale(ctx context.Context, u *core.User) string {
	if u == nil {
		return ""
	}
	a.profile(ctx, u)
	return u.SlackLocale
}

// profile refreshes u's time zone and Slack locale from users.info when
// the cached ones are older than TimeZoneTTL, updating u in place. A
// failed lookup keeps the cached values.
func (a *Adapter) profile(ctx context.Context, u *core.User) {
	if u == nil || u.SlackID == nil || *u.SlackID == "" {
		return
	}
	rs, err := a.store.ReminderSettings(ctx, u.ID)
	if err != nil {
		a.log.Warn("time zone cache unreadable", "user", u.ID, "err", err)
		return
	}
	now := time.Now()
	if a.store.Now != nil {
		now = a.store.Now()
	}
	if rs.TZCheckedAt != nil && now.Sub(*rs.TZCheckedAt) < TimeZoneTTL {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, timeZoneLookup)
	defer cancel()
	// slack-go asks with include_locale=true: without it, Slack leaves
	// locale out.
	info, err := a.api.GetUserInfoContext(lctx, *u.SlackID)
	if err != nil {
		a.log.Warn("users.info failed; keeping the cached time zone and language", "user", u.ID, "err", err)
		return
	}
	tz := info.TZ
	if _, err := time.LoadLocation(tz); err != nil || tz == "" {
		tz = "UTC"
	}
	if err := a.store.CacheSlackProfile(ctx, u.ID, tz, info.Locale); err != nil {
		a.log.Warn("time zone not cached", "user", u.ID, "err", err)
	}
	u.TimeZone, u.SlackLocale = tz, info.Locale
}
