package slack

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/slack-go/slack/slackevents"
)

func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		if cv, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent); ok {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(cv.Challenge))
			return
		}
	}
	if err := a.onEvent(r.Context(), ev, body); err != nil {
		a.log.Error("event not stored; Slack will retry", "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// onEvent handles one Events API callback. It returns only once whatever
// must not be lost is committed; an error makes Slack retry.
func (a *Adapter) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent, raw []byte) error {
	return nil
}
