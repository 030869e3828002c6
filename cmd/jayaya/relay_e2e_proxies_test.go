package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Proxies the fault tests put between the product and what it talks to.

// slackProxy is SLACK_API_URL: it passes every request to the fake Slack,
// except that it can swallow the answer to one chat.postMessage (the post
// happens, the product never hears back), as a crash between posting and
// recording would leave things.
type slackProxy struct {
	srv *http.Server
	url string

	mu       sync.Mutex
	swallow  bool
	swallowd chan struct{} // closed once a post was swallowed
	release  chan struct{} // closing it fails the swallowed request
	pass     bool          // let the held answer through instead (PassHeld)
}

func newSlackProxy(t testing.TB, target string) *slackProxy {
	t.Helper()
	u, _ := url.Parse(target)
	p := &slackProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/chat.postMessage") || resp.StatusCode != http.StatusOK {
			return nil
		}
		p.mu.Lock()
		swallow, done, release := p.swallow, p.swallowd, p.release
		p.swallow = false
		p.mu.Unlock()
		if !swallow {
			return nil
		}
		close(done)
		<-release
		p.mu.Lock()
		pass := p.pass
		p.mu.Unlock()
		if pass {
			return nil
		}
		return fmt.Errorf("slackProxy: answer swallowed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.url = "http://" + ln.Addr().String()
	p.srv = &http.Server{Handler: rp}
	go p.srv.Serve(ln)
	t.Cleanup(func() {
		p.mu.Lock()
		if p.release != nil {
			select {
			case <-p.release:
			default:
				close(p.release)
			}
		}
		p.mu.Unlock()
		p.srv.Close()
	})
	return p
}

// URL is the proxy's base URL.
func (p *slackProxy) URL() string { return p.url }

// SwallowNextPost arms the proxy: the next chat.postMessage reaches Slack
// but its answer is held; the returned channel closes once that happened.
// Release fails the held request.
func (p *slackProxy) SwallowNextPost() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.swallow, p.swallowd, p.release = true, make(chan struct{}), make(chan struct{})
	return p.swallowd
}

// PassHeld lets the held answer reach the product at last, as it would
// reach a process that resumes after a pause.
func (p *slackProxy) PassHeld() {
	p.mu.Lock()
	p.pass = true
	p.mu.Unlock()
	p.Release()
}

// Release lets the held request fail.
func (p *slackProxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.release != nil {
		select {
		case <-p.release:
		default:
			close(p.release)
		}
	}
}
