package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

// TestFileProxyLinkNamesAreSigned: the file's name in a link is signed
// with the rest, so the same signature under another name (one that
// injects a second filename parameter, or a new extension) is refused;
// a link signed before names were (ID and private URL only) is still
// served, under the file's ID rather than whatever name its path says
// (issue 22, defect 5).
func TestFileProxyLinkNamesAreSigned(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenSQLite(t)
	e := newRelayEnv(t, st)
	const pdf = "%PDF-1.7 invoice"
	e.post(e.staff.ID, "the invoice", slacktest.UserFile{Name: "invoice.pdf", Mimetype: "application/pdf", Content: []byte(pdf)})
	ms := e.messages()
	if len(ms) != 1 || len(ms[0].Attachments) != 1 {
		t.Fatalf("stored: %+v", ms)
	}
	link := ms[0].Attachments[0].URL
	if got := fetch(t, link); got.status != http.StatusOK || got.body != pdf || got.header.Get("Content-Disposition") != "attachment; filename=invoice.pdf" {
		t.Fatalf("the link as made: %d %q %q", got.status, got.header.Get("Content-Disposition"), got.body)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	dir := u.Path[:strings.LastIndexByte(u.Path, '/')+1] // /slack/files/F…/
	for _, name := range []string{"a%22%3B%20filename%3Dx.html", "invoice.html", "invoice.pdf.exe", "x", "%E2%80%AEfdp.exe"} {
		got := fetch(t, e.srv.URL+dir+name+"?"+u.RawQuery)
		if got.status != http.StatusNotFound || strings.Contains(got.body, pdf) {
			t.Errorf("renamed to %s: %d %q %q", name, got.status, got.header.Get("Content-Disposition"), got.body)
		}
	}

	// A link signed the way links were before names were signed: served,
	// but named after the file's ID whatever its path says.
	id := strings.Split(dir, "/")[3]
	src := u.Query().Get("src")
	mac := hmac.New(sha256.New, []byte("jayaya-slack-file:"+e.fake.Config().SigningSecret))
	mac.Write([]byte(id + "\n" + src))
	old := e.srv.URL + dir + "a%22%3B%20filename%3Dx.html?" + url.Values{"src": {src}, "sig": {hex.EncodeToString(mac.Sum(nil))}}.Encode()
	got := fetch(t, old)
	if got.status != http.StatusOK || got.body != pdf || got.header.Get("Content-Disposition") != "attachment; filename="+id {
		t.Errorf("a link signed before names were: %d %q %q", got.status, got.header.Get("Content-Disposition"), got.body)
	}
}
