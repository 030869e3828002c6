package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// relayState is the ticket relay's side of an Adapter: the relay that
// stores what staff write, and the bot's own user ID (to drop its echoes).
type relayState struct {
	relay *bot.Relay

	mu      sync.Mutex
	botUID  string
	checked bool
}

// SetRelay connects the adapter to the ticket relay: from now on replies
// in the staff channel's ticket threads are relayed. Call it before
// serving.
func (a *Adapter) SetRelay(r *bot.Relay) {
	a.relay.Store(&relayState{relay: r})
}

// relayState returns the adapter's relay state; nil when SetRelay was
// never called (the relay is off and events are only acknowledged).
func (a *Adapter) relayState() *relayState {
	return a.relay.Load()
}

func (rs *relayState) setBotUser(id string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.botUID = id
}

func (rs *relayState) botUser() string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.botUID
}

// LearnBotUser asks Slack (auth.test) who the bot is, so that its own
// messages are recognised even in events without authorizations. Failure
// is logged: bot_id still identifies the bot's posts.
func (a *Adapter) LearnBotUser(ctx context.Context) {
	rs := a.relayState()
	if rs == nil {
		return
	}
	resp, err := a.api.AuthTestContext(ctx)
	if err != nil {
		a.log.Warn("auth.test failed; own messages recognised by bot_id only", "err", err)
		return
	}
	rs.setBotUser(resp.UserID)
}

// Files staff attach in a ticket thread are private to the Slack
// workspace. The relay passes them on as links to JayayaCRM itself
// (JAYAYA_PUBLIC_URL/slack/files/…), signed so that only files the relay
// handed out can be fetched; JayayaCRM streams them from Slack with the
// bot token.

// filesPath is where the file proxy is mounted.
const filesPath = "/slack/files/"

// attachments turns a message's Slack files into relay attachments.
func (a *Adapter) attachments(files []slack.File) []core.Attachment {
	var out []core.Attachment
	for _, f := range files {
		src := f.URLPrivateDownload
		if src == "" {
			src = f.URLPrivate
		}
		if src == "" {
			continue
		}
		name := f.Name
		if name == "" {
			name = f.ID
		}
		out = append(out, core.Attachment{Name: name, URL: a.fileLink(f.ID, name, src), ContentType: f.Mimetype, Size: int64(f.Size)})
	}
	return out
}

// fileLink is the signed proxy URL of a Slack file.
func (a *Adapter) fileLink(id, name, src string) string {
	q := url.Values{"src": {src}, "sig": {a.fileSig(id, src)}}
	return strings.TrimRight(a.cfg.PublicURL, "/") + filesPath + url.PathEscape(id) + "/" + url.PathEscape(name) + "?" + q.Encode()
}

func (a *Adapter) fileSig(id, src string) string {
	key := a.cfg.SigningSecret
	if key == "" {
		key = a.cfg.BotToken
	}
	mac := hmac.New(sha256.New, []byte("jayaya-slack-file:"+key))
	mac.Write([]byte(id + "\n" + src))
	return hex.EncodeToString(mac.Sum(nil))
}

// FileRoutes mounts GET /slack/files/{id}/{name}, the proxy that serves
// files staff attached in ticket threads to the clients they were relayed
// to. Only links the relay signed are served.
func (a *Adapter) FileRoutes(r chi.Router) {
	r.Get(filesPath+"{id}/{name}", a.serveFile)
}

func (a *Adapter) serveFile(w http.ResponseWriter, r *http.Request) {
	id, src := chi.URLParam(r, "id"), r.URL.Query().Get("src")
	want := a.fileSig(id, src)
	if src == "" || !hmac.Equal([]byte(want), []byte(r.URL.Query().Get("sig"))) {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	w.Header().Set("Content-Disposition", "inline")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := a.api.GetFileContext(ctx, src, w); err != nil {
		a.log.Warn("file proxy failed", "file", id, "err", err)
		http.Error(w, "file unavailable", http.StatusBadGateway)
	}
}
