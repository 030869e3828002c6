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

// PostBudget is the pacing budget a relay delivery's posts spend: the
// webhook's of the support channel its ticket's thread lives under, ""
// until that webhook is known.
func (a *Adapter) PostBudget(d *core.Delivery) string {
	parent := a.cfg.SupportChannel
	if d != nil && d.TicketID != nil {
		if th, err := a.store.TicketThreadsOf(context.Background(), *d.TicketID); err == nil && th.DiscordChannelID != "" {
			parent = th.DiscordChannelID
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if wh := a.webhooks[parent]; wh != nil {
		return "discord.webhook:" + wh.ID
	}
	return ""
}
