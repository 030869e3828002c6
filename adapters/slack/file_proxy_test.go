package slack

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// fetched is one answer of the file proxy.
type fetched struct {
	status int
	header http.Header
	body   string
}

func fetch(t *testing.T, u string) fetched {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fetched{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// TestFileProxyServesFilesAsDownloads: an HTML page and an SVG image a
// staff member attaches are served through the proxy as downloads of
// type application/octet-stream, never as pages of the panel's origin
// (nosniff, and a CSP sandbox without script); a PNG keeps its image
// type; a link whose type was changed is refused.
func TestFileProxyServesFilesAsDownloads(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		const (
			html = `<!doctype html><html><body><script>fetch("/admin/users")</script></body></html>`
			svg  = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`
			png  = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
		)
		e.post(e.staff.ID, "three files",
			slacktest.UserFile{Name: "invoice.html", Mimetype: "text/html", Content: []byte(html)},
			slacktest.UserFile{Name: "logo.svg", Mimetype: "image/svg+xml", Content: []byte(svg)},
			slacktest.UserFile{Name: "photo.png", Mimetype: "image/png", Content: []byte(png)})
		ms := e.messages()
		if len(ms) != 1 || len(ms[0].Attachments) != 3 {
			t.Fatalf("stored: %+v", ms)
		}
		want := map[string]struct{ body, ctype string }{
			"invoice.html": {html, "application/octet-stream"},
			"logo.svg":     {svg, "application/octet-stream"},
			"photo.png":    {png, "image/png"},
		}
		for _, att := range ms[0].Attachments {
			w, ok := want[att.Name]
			if !ok {
				t.Fatalf("unexpected attachment %q", att.Name)
			}
			got := fetch(t, att.URL)
			if got.status != http.StatusOK || got.body != w.body {
				t.Errorf("%s: %d %q", att.Name, got.status, got.body)
			}
			h := got.header
			if ct := h.Get("Content-Type"); ct != w.ctype {
				t.Errorf("%s: Content-Type %q, want %q", att.Name, ct, w.ctype)
			}
			if cd := h.Get("Content-Disposition"); cd != `attachment; filename=`+att.Name {
				t.Errorf("%s: Content-Disposition %q", att.Name, cd)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options %q", att.Name, h.Get("X-Content-Type-Options"))
			}
			if csp := h.Get("Content-Security-Policy"); csp != "sandbox; default-src 'none'" {
				t.Errorf("%s: Content-Security-Policy %q", att.Name, csp)
			}
		}

		// The type travels signed: a link asking for another type, or
		// for an unsafe one, gets nothing.
		var pngURL string
		for _, att := range ms[0].Attachments {
			if att.Name == "photo.png" {
				pngURL = att.URL
			}
		}
		for _, typ := range []string{"image/gif", "text/html"} {
			forged := strings.Replace(pngURL, "type="+url.QueryEscape("image/png"), "type="+url.QueryEscape(typ), 1)
			if forged == pngURL {
				t.Fatalf("no type in %s", pngURL)
			}
			if got := fetch(t, forged); got.status != http.StatusNotFound || got.body == png {
				t.Errorf("link retyped %s: %d", typ, got.status)
			}
		}
	})
}
