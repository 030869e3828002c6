package admin

import (
	"net/http"
	"time"

	"github.com/jayaya/jayayacrm/core"
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
	var data channelsData
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
	s.render(w, r, http.StatusOK, "channels.html", &page{Title: s.printer(r).T("panel.channels.title"), Nav: "channels", Data: data})
}
