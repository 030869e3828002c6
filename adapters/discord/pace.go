package discord

import (
	"context"
	"net/http"
	"strings"

	"github.com/jayaya/jayayacrm/core"
)

// budgetOf names the pacing budget of a REST call (bot.DefaultRules):
// "discord.webhook:<webhook>" for a webhook execution,
// "discord.messages:<channel>" for a message the bot posts,
// "discord.reactions:<channel>" for adding or removing a reaction, ""
// for the others (discordgo paces them by the headers Discord sends).
func budgetOf(r *http.Request) string {
	p := r.URL.Path
	if i := strings.Index(p, "/api/"); i >= 0 {
		p = p[i+len("/api/"):]
		if _, rest, ok := strings.Cut(p, "/"); ok && strings.HasPrefix(p, "v") {
			p = rest // drop the version
		}
	}
	seg := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case r.Method == http.MethodPost && len(seg) == 3 && seg[0] == "webhooks":
		return "discord.webhook:" + seg[1]
	case r.Method == http.MethodPost && len(seg) == 3 && seg[0] == "channels" && seg[2] == "messages":
		return "discord.messages:" + seg[1]
	case (r.Method == http.MethodPut || r.Method == http.MethodDelete) && len(seg) >= 6 && seg[0] == "channels" && seg[4] == "reactions":
		return "discord.reactions:" + seg[1]
	}
	return ""
}

// PostBudget is the pacing budget a relay post d spends: the webhook of
// its ticket's slot in its support channel's pool, "" while that webhook
// is not known yet (it is then created by the post itself).
func (a *Adapter) PostBudget(d *core.Delivery) string {
	if d == nil || d.TicketID == nil {
		return ""
	}
	th, err := a.store.TicketThreadsOf(context.Background(), *d.TicketID)
	if err != nil {
		return ""
	}
	channel := th.DiscordChannelID
	if channel == "" {
		channel = a.cfg.SupportChannel
	}
	wh := a.pool(channel).get(th.DiscordWebhookSlot)
	if wh == nil {
		return ""
	}
	return "discord.webhook:" + wh.ID
}
