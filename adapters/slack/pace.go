package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// tier3 are the Web API methods the adapter calls that Slack limits as
// Tier 3 (about 50 a minute for the whole workspace).
var tier3 = map[string]bool{
	"reactions.add": true, "reactions.remove": true, "chat.update": true, "chat.delete": true,
	"conversations.replies": true, "conversations.history": true,
}

// budgetOf names the pacing budget of a Web API call (bot.DefaultRules):
// "slack.post:<channel>" for chat.postMessage and chat.postEphemeral,
// "slack.tier3:<method>" for a Tier 3 method, "" for the others.
func budgetOf(r *http.Request) string {
	method := path.Base(r.URL.Path)
	switch {
	case method == "chat.postMessage" || method == "chat.postEphemeral":
		return "slack.post:" + requestChannel(r)
	case tier3[method]:
		return "slack.tier3:" + method
	}
	return ""
}

// requestChannel reads the channel a Web API call names, from its query,
// form or JSON body.
func requestChannel(r *http.Request) string {
	if ch := r.URL.Query().Get("channel"); ch != "" {
		return ch
	}
	body := bot.RequestBody(r)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var v struct {
			Channel string `json:"channel"`
		}
		json.Unmarshal(body, &v)
		return v.Channel
	}
	form, _ := url.ParseQuery(string(body))
	return form.Get("channel")
}

// PostBudget is the pacing budget a relay delivery's posts spend: those
// of the channel holding its ticket's thread (the staff channel when the
// ticket is unknown, or its thread is not open yet).
func (a *Adapter) PostBudget(d *core.Delivery) string {
	channel := a.cfg.StaffChannel
	if d != nil && d.TicketID != nil {
		if th, err := a.store.TicketThreadsOf(context.Background(), *d.TicketID); err == nil && th.SlackChannelID != "" {
			channel = th.SlackChannelID
		}
	}
	return "slack.post:" + channel
}
