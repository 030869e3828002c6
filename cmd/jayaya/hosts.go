package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Host checks. A web page can make the browser of whoever opens it send
// requests to any address, and with DNS rebinding (its own host name
// resolving to 127.0.0.1, or to a server's address) read the answers as
// its own: only the Host header still names the attacker's site. So the
// demo, which has no login, answers only to loopback names, and the panel,
// when JAYAYA_PUBLIC_URL is set, only to that URL's host (and loopback
// names, which a rebinding page cannot send and a local proxy or probe
// may).

// hostOnly is middleware that lets through the requests whose Host header
// names a host allowed accepts, and answers any other with 421 Misdirected
// Request and the text refusal gives for that request (logged as a
// warning).
func hostOnly(allowed func(host string) bool, refusal func(r *http.Request) string, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if allowed(requestHost(r.Host)) {
				next.ServeHTTP(w, r)
				return
			}
			log.Warn("request for another host refused", "host", r.Host, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			http.Error(w, refusal(r), http.StatusMisdirectedRequest)
		})
	}
}

// requestHost is the host name of a Host header (no port, no IPv6
// brackets).
func requestHost(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return strings.Trim(hostport, "[]")
}

// isLoopbackHost reports whether host (a name or an IP, without port) is
// this machine: "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isLoopbackURL reports whether a URL's host is this machine.
func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && isLoopbackHost(u.Hostname())
}

// demoHostOnly keeps the demo to requests for a loopback name; the
// refusal is in the browser's language, else fallback (JAYAYA_LOCALE).
func demoHostOnly(fallback i18n.Locale, log *slog.Logger) func(http.Handler) http.Handler {
	return hostOnly(isLoopbackHost, func(r *http.Request) string {
		return i18n.ForAcceptLanguage(r.Header.Get("Accept-Language"), fallback).T("demo.host_refused", i18n.Args{"Host": r.Host})
	}, log)
}

// publicHostOnly keeps the panel to requests for the host of publicURL
// (JAYAYA_PUBLIC_URL) or a loopback name; the refusal is in the browser's
// language, else fallback (JAYAYA_LOCALE): no session is read for a
// request refused before the panel.
func publicHostOnly(publicURL string, fallback i18n.Locale, log *slog.Logger) func(http.Handler) http.Handler {
	u, _ := url.Parse(publicURL) // validated with the configuration
	public := u.Hostname()
	return hostOnly(func(host string) bool {
		return strings.EqualFold(host, public) || isLoopbackHost(host)
	}, func(r *http.Request) string {
		return i18n.ForAcceptLanguage(r.Header.Get("Accept-Language"), fallback).T("panel.host_refused", i18n.Args{"Public": public, "Host": r.Host})
	}, log)
}
