package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/core"
)

// Files staff attach in a ticket thread are private to the Slack
// workspace. The relay passes them on as links to JayayaCRM itself
// (JAYAYA_PUBLIC_URL/slack/files/…), signed so that only files the relay
// handed out can be fetched; JayayaCRM streams them from Slack with the
// bot token.
//
// The proxy shares its origin with the web panel, so whatever it serves
// must never run there: a staff member could otherwise attach an HTML or
// SVG page whose script acts with the session of an admin who opens the
// link. Every file is therefore a download (Content-Disposition:
// attachment) of type application/octet-stream, or its declared type when
// that is an image type browsers never run script from; with nosniff, and
// a CSP sandbox that gives anything rendered anyway an opaque origin with
// no script.

// filesPath is where the file proxy is mounted.
const filesPath = "/slack/files/"

// fileHeaders are the headers of every file the proxy serves, beside its
// Content-Type and Content-Disposition.
var fileHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"Content-Security-Policy": "sandbox; default-src 'none'",
}

// inertImageTypes are the declared types the proxy serves as themselves:
// raster images, which browsers only ever display. SVG is not one of them
// (it can carry script).
var inertImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// servedType is the Content-Type the proxy gives a file Slack declared as
// declared: the bare image type when it is inert, else
// application/octet-stream.
func servedType(declared string) string {
	if mt, _, err := mime.ParseMediaType(declared); err == nil && inertImageTypes[mt] {
		return mt
	}
	return "application/octet-stream"
}

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
		out = append(out, core.Attachment{Name: name, URL: a.fileLink(f.ID, name, src, f.Mimetype), ContentType: f.Mimetype, Size: int64(f.Size)})
	}
	return out
}

// fileLink is the signed proxy URL of a Slack file. The name in its path
// and an inert image type (which lets the proxy serve the file as that
// type without asking Slack) are signed with the file's ID and private
// URL.
func (a *Adapter) fileLink(id, name, src, declared string) string {
	ctype := ""
	if t := servedType(declared); inertImageTypes[t] {
		ctype = t
	}
	q := url.Values{"src": {src}, "sig": {a.fileSig(id, src, ctype, name)}}
	if ctype != "" {
		q.Set("type", ctype)
	}
	return strings.TrimRight(a.cfg.PublicURL, "/") + filesPath + url.PathEscape(id) + "/" + url.PathEscape(name) + "?" + q.Encode()
}

// fileKey is the key file links are signed with.
func (a *Adapter) fileKey() string {
	if a.cfg.SigningSecret != "" {
		return a.cfg.SigningSecret
	}
	return a.cfg.BotToken
}

// fileSig signs a file link: the file ID, its private URL, its served
// type ("" when none travels) and its name, each with its length first so
// that no field can borrow from the next.
func (a *Adapter) fileSig(id, src, ctype, name string) string {
	mac := hmac.New(sha256.New, []byte("jayaya-slack-file-v2:"+a.fileKey()))
	for _, f := range []string{id, src, ctype, name} {
		fmt.Fprintf(mac, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// legacyFileSig is how links were signed before their names were: the
// file ID, its private URL and, when the link carries one, its served
// type (links made before types travelled are signed without). Such
// links are still in clients' chats; they are served under the file's ID.
func (a *Adapter) legacyFileSig(id, src, ctype string) string {
	mac := hmac.New(sha256.New, []byte("jayaya-slack-file:"+a.fileKey()))
	mac.Write([]byte(id + "\n" + src))
	if ctype != "" {
		mac.Write([]byte("\n" + ctype))
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// checkLink verifies a file link for the file id and the name in its
// path: ok only when this adapter signed it. src is the file's private
// URL, ctype the type to serve it as, and served the name to give the
// download: name itself, or id for a link signed before names were.
func (a *Adapter) checkLink(id, name string, q url.Values) (src, ctype, served string, ok bool) {
	src, ctype = q.Get("src"), q.Get("type")
	if src == "" || (ctype != "" && !inertImageTypes[ctype]) {
		return "", "", "", false
	}
	sig := []byte(q.Get("sig"))
	switch {
	case hmac.Equal([]byte(a.fileSig(id, src, ctype, name)), sig):
		served = name
	case hmac.Equal([]byte(a.legacyFileSig(id, src, ctype)), sig):
		served = id
	default:
		return "", "", "", false
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	return src, ctype, served, true
}

// FileRoutes mounts GET /slack/files/{id}/{name}, the proxy that serves
// files staff attached in ticket threads to the clients they were relayed
// to. Only links the relay signed are served, always as downloads.
func (a *Adapter) FileRoutes(r chi.Router) {
	r.Get(filesPath+"{id}/{name}", a.serveFile)
}

func (a *Adapter) serveFile(w http.ResponseWriter, r *http.Request) {
	id, name := chi.URLParam(r, "id"), chi.URLParam(r, "name")
	if r.URL.RawPath != "" { // chi routed on the escaped path
		id, _ = url.PathUnescape(id)
		name, _ = url.PathUnescape(name)
	}
	src, ctype, name, ok := a.checkLink(id, name, r.URL.Query())
	if !ok {
		http.NotFound(w, r)
		return
	}
	if name == "" {
		name = id
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" {
		disposition = "attachment"
	}
	h := w.Header()
	for k, v := range fileHeaders {
		h.Set(k, v)
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", disposition)
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	if err := a.api.GetFileContext(ctx, src, w); err != nil {
		a.log.Warn("file proxy failed", "file", id, "err", err)
		http.Error(w, "file unavailable", http.StatusBadGateway)
	}
}
