package slack

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/slack-go/slack"
)

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	v, err := formValues(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(v.Get("payload")), &cb); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	writeJSON(w, a.onInteraction(r.Context(), cb))
}

// onInteraction answers a button press or a modal submission; the result
// is the immediate response body (nil for an empty 200).
func (a *Adapter) onInteraction(ctx context.Context, cb slack.InteractionCallback) any {
	return nil
}
