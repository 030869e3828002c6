package discordtest

import (
	"net/http"
	"net/url"
)

// RewriteTransport is an http.RoundTripper that sends requests for
// discord.com (and cdn.discordapp.com) to another base URL, keeping path
// and query. discordgo computes its endpoint strings at package init, so
// this is how a session is pointed at a fake.
type RewriteTransport struct {
	// Target supplies the scheme and host requests are sent to.
	Target *url.URL
	// Base performs the rewritten request; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// NewRewriteTransport returns a RewriteTransport aimed at baseURL
// ("http://127.0.0.1:port"). It panics if baseURL does not parse.
func NewRewriteTransport(baseURL string, base http.RoundTripper) *RewriteTransport {
	u, err := url.Parse(baseURL)
	if err != nil {
		panic("discordtest: bad base URL: " + err.Error())
	}
	return &RewriteTransport{Target: u, Base: base}
}

// RoundTrip rewrites the scheme and host of requests for Discord's hosts
// and passes every request to Base.
func (t *RewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Host {
	case "discord.com", "discordapp.com", "cdn.discordapp.com", "media.discordapp.net":
		r := req.Clone(req.Context())
		r.URL.Scheme = t.Target.Scheme
		r.URL.Host = t.Target.Host
		r.Host = t.Target.Host
		req = r
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}
