package coretest

import (
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/jayaya/jayayacrm/core"
)

// DBProxy is a TCP proxy in front of PostgreSQL, for tests of a replica
// that dies or stops. Cut drops every connection and refuses new ones:
// the process using it loses its database at once, as if killed, and
// records nothing more. Freeze stops every byte in both directions while
// the connections stay open, as they do for a process that is paused
// (SIGSTOP, a long GC pause): the database sees an idle session; Thaw
// lets the bytes flow again.
type DBProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  []net.Conn
	cut    bool
	frozen bool
	thawed chan struct{} // closed by Thaw; replaced by Freeze
}

// NewDBProxy starts a proxy to the PostgreSQL server at target
// (host:port), closed when the test ends.
func NewDBProxy(tb testing.TB, target string) *DBProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &DBProxy{ln: ln, target: target, thawed: make(chan struct{})}
	close(p.thawed)
	go p.serve()
	tb.Cleanup(p.Cut)
	return p
}

// ProxyURL returns dbURL (postgres://…) pointed at a new proxy in front of
// its server, and the proxy.
func ProxyURL(tb testing.TB, dbURL string) (string, *DBProxy) {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	p := NewDBProxy(tb, u.Host)
	u.Host = p.Addr()
	return u.String(), p
}

func (p *DBProxy) serve() {
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
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

// pipe copies from src to dst, holding each chunk while the proxy is
// frozen, until either side fails; then it closes both.
func (p *DBProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			thawed := p.thawed
			p.mu.Unlock()
			<-thawed
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Addr is the proxy's host:port.
func (p *DBProxy) Addr() string { return p.ln.Addr().String() }

// Cut drops every connection and stops accepting (it thaws a frozen
// proxy first, so that nothing stays blocked).
func (p *DBProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	if p.frozen {
		p.frozen = false
		close(p.thawed)
	}
}

// Freeze holds every byte in both directions until Thaw.
func (p *DBProxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.frozen {
		p.frozen = true
		p.thawed = make(chan struct{})
	}
}

// Thaw lets the bytes held since Freeze through.
func (p *DBProxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen {
		p.frozen = false
		close(p.thawed)
	}
}

// OpenViaProxy opens a second store on the PostgreSQL database at dbURL
// through a new DBProxy (another replica, that a test can kill or
// pause), closed when the test ends.
func OpenViaProxy(tb testing.TB, dbURL string) (*core.Store, *DBProxy) {
	tb.Helper()
	u, p := ProxyURL(tb, dbURL)
	return mustOpen(tb, u), p
}
