package slack

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	v, err := formValues(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := slack.SlashCommand{
		TeamID: v.Get("team_id"), ChannelID: v.Get("channel_id"), UserID: v.Get("user_id"), UserName: v.Get("user_name"),
		Command: v.Get("command"), Text: v.Get("text"), ResponseURL: v.Get("response_url"), TriggerID: v.Get("trigger_id"),
	}
	writeJSON(w, a.onCommand(r.Context(), cmd))
}

// onCommand answers a slash command; the result is the immediate response
// body (nil for an empty 200).
func (a *Adapter) onCommand(ctx context.Context, cmd slack.SlashCommand) any {
	actor := bot.Actor{Platform: core.PlatformSlack, UserID: cmd.UserID, ChannelID: cmd.ChannelID}
	rep := a.ui.Command(context.WithoutCancel(ctx), actor, cmd.Text)
	return map[string]any{"response_type": "ephemeral", "text": rep.Text}
}

func writeJSON(w http.ResponseWriter, v any) {
	if v == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
