package admin

import (
	"net/http"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// channelRow is one lane of the Channels page.
type channelRow struct {
	core.ChannelLoad
	// Webhook is the webhook's number (slot from 1), Wait how long the
	// oldest queued message has waited ("" when none waits), Behind
	// whether that is more than a few seconds.
	Webhook int
	Wait    string
	Behind  bool
	// First marks a channel's first row (a Discord channel has one per
	// webhook): the one that shows, and lets an admin change, Locale,
	// the channel's language ("" for the default, JAYAYA_LOCALE).
	First  bool
	Locale string
}

type channelsData struct {
	Slack, Discord []channelRow
	// Default is JAYAYA_LOCALE, what a channel without a language speaks.
	Default i18n.Locale
}

// behindAfter is the wait past which a lane is shown as falling behind.
const behindAfter = 5 * time.Second

// channels shows the load of each Slack staff channel and of each webhook
// of the Discord support channels' pools (core.Store.ChannelLoads): the
// same figures as /metrics.
func (s *Server) channels(w http.ResponseWriter, r *http.Request) {
	s.channelsPage(w, r, http.StatusOK, "")
}

// channelsPage renders the Channels page, with top as an error about the
// language form.
func (s *Server) channelsPage(w http.ResponseWriter, r *http.Request, status int, top string) {
	ctx := r.Context()
	loads, err := s.store.ChannelLoads(ctx, s.lanes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	settings, err := s.store.ChannelSettings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rules, err := s.store.ListRoutingRules(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	locales := map[[2]string]string{}
	for _, cs := range settings {
		locales[[2]string{cs.Platform, cs.ChannelID}] = cs.Locale
	}
	// Every channel tickets may go to gets a row, busy or not: those of
	// the routing rules, and those with a language of their own.
	shown := map[[2]string]bool{}
	for _, l := range loads {
		shown[[2]string{l.Platform, l.Channel}] = true
	}
	extra := func(platform, channel string) {
		if k := [2]string{platform, channel}; !shown[k] {
			shown[k] = true
			loads = append(loads, core.ChannelLoad{Platform: platform, Channel: channel})
		}
	}
	for _, rule := range rules {
		extra(core.PlatformSlack, rule.SlackChannelID)
	}
	for _, cs := range settings {
		extra(cs.Platform, cs.ChannelID)
	}
	now := s.store.Now()
	data := channelsData{Default: s.defaultLocale}
	seen := map[[2]string]bool{}
	for _, l := range loads {
		k := [2]string{l.Platform, l.Channel}
		row := channelRow{ChannelLoad: l, Webhook: l.Webhook + 1, First: !seen[k], Locale: locales[k]}
		seen[k] = true
		if l.OldestQueued != nil {
			wait := max(0, now.Sub(*l.OldestQueued))
			row.Wait, row.Behind = wait.Round(100*time.Millisecond).String(), wait > behindAfter
		}
		if l.Platform == core.PlatformSlack {
			data.Slack = append(data.Slack, row)
		} else {
			data.Discord = append(data.Discord, row)
		}
	}
	s.render(w, r, status, "channels.html", &page{Title: s.printer(r).T("panel.channels.title"), Nav: "channels", Error: top, Data: data})
}

// channelLanguage sets a channel's language (admins): "en", "fr", or
// "default" for JAYAYA_LOCALE. A bad channel or language is refused with
// the page shown again, saying why, and nothing changes.
func (s *Server) channelLanguage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	channel, locale := r.PostForm.Get("channel"), r.PostForm.Get("locale")
	before, err := s.store.SetChannelLocaleAs(r.Context(), actor(r), "", channel, locale)
	if err != nil {
		if core.ErrorCode(err) == core.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		s.channelsPage(w, r, httpStatus(err), core.ErrorMessageIn(err, s.locale(r)))
		return
	}
	s.log.Info("admin: channel language set", "channel", channel, "from", before, "to", locale, "by", currentUser(r).ID)
	redirect(w, r, "/admin/channels?done=channel-language")
}
