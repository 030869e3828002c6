package main

import (
	"fmt"
	"io"
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

// dbProxy is a TCP proxy in front of PostgreSQL. Cut drops every
// connection and refuses new ones: the process using it loses its
// database at once, as if killed, and records nothing more.
type dbProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

func newDBProxy(t testing.TB, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.Cut)
	return p
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		p.mu.Lock()
		if err != nil || p.cut {
			p.mu.Unlock()
			c.Close()
			if up != nil {
				up.Close()
			}
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// Addr is the proxy's host:port.
func (p *dbProxy) Addr() string { return p.ln.Addr().String() }

// Cut drops every connection and stops accepting.
func (p *dbProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
