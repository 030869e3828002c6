package slack

import (
	"context"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// TimeZoneTTL is how long a time zone read from Slack's users.info is
// trusted before it is read again.
const TimeZoneTTL = 12 * time.Hour

// timeZoneLookup bounds a users.info call made while answering a user.
const timeZoneLookup = 1500 * time.Millisecond

var _ bot.Zones = (*Adapter)(nil)

// Location returns a staff user's time zone as Slack knows it (bot.Zones):
// the zone cached on the user when it was read less than TimeZoneTTL ago,
// otherwise users.info's tz, which is then cached (core.CacheTimeZone).
// A user without a Slack ID, a failed lookup or an unknown zone gives the
// cached zone, UTC when there is none.
func (a *Adapter) Location(ctx context.Context, u *core.User) *time.Location {
	if u == nil || u.SlackID == nil || *u.SlackID == "" {
		return u.Location()
	}
	rs, err := a.store.ReminderSettings(ctx, u.ID)
	if err != nil {
		a.log.Warn("time zone cache unreadable", "user", u.ID, "err", err)
		return u.Location()
	}
	now := time.Now()
	if a.store.Now != nil {
		now = a.store.Now()
	}
	if rs.TZCheckedAt != nil && now.Sub(*rs.TZCheckedAt) < TimeZoneTTL {
		return u.Location()
	}
	lctx, cancel := context.WithTimeout(ctx, timeZoneLookup)
	defer cancel()
	info, err := a.api.GetUserInfoContext(lctx, *u.SlackID)
	if err != nil {
		a.log.Warn("users.info failed; keeping the cached time zone", "user", u.ID, "err", err)
		return u.Location()
	}
	tz := info.TZ
	if _, err := time.LoadLocation(tz); err != nil || tz == "" {
		tz = "UTC"
	}
	if err := a.store.CacheTimeZone(ctx, u.ID, tz); err != nil {
		a.log.Warn("time zone not cached", "user", u.ID, "err", err)
	}
	u.TimeZone = tz
	return u.Location()
}
