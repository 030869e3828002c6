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
}

type channelsData struct {
	Slack, Discord []channelRow
	// P speaks the reader's language (core/i18n, panel.channels.*).
	P i18n.Printer
}

// behindAfter is the wait past which a lane is shown as falling behind.
const behindAfter = 5 * time.Second

// channels shows the load of each Slack staff channel and of each webhook
// of the Discord support channels' pools (core.Store.ChannelLoads): the
// same figures as /metrics.
func (s *Server) channels(w http.ResponseWriter, r *http.Request) {
	loads, err := s.store.ChannelLoads(r.Context(), s.lanes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.store.Now()
	data := channelsData{P: readerPrinter(r)}
	for _, l := range loads {
		row := channelRow{ChannelLoad: l, Webhook: l.Webhook + 1}
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
	s.render(w, r, http.StatusOK, "channels.html", &page{Title: data.P.T("panel.channels.title"), Nav: "channels", Data: data})
}

// readerPrinter speaks the language of the request's reader: their user
// setting, else their browser's, else the default.
func readerPrinter(r *http.Request) i18n.Printer {
	setting := ""
	if u := currentUser(r); u != nil {
		setting = u.Locale
	}
	browser, _ := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	return i18n.For(i18n.Pick(i18n.Default, setting, string(browser)))
}
