package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// errNotLoopback is what a dial outside the loopback interface gets while
// the demo runs.
var errNotLoopback = errors.New("the demo only connects to this machine (loopback)")

// loopbackGuard keeps the demo on this machine: every HTTP request through
// http.DefaultTransport (which the Slack and Discord adapters use) and every
// websocket through websocket.DefaultDialer (the Discord gateway) may only
// dial a loopback IP or "localhost"; anything else is refused before any
// name is resolved, and counted.
type loopbackGuard struct {
	dialer  net.Dialer
	refused atomic.Int64
}

// dial is a DialContext that refuses any address outside loopback.
func (g *loopbackGuard) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if !isLoopbackHost(host) {
		g.refused.Add(1)
		return nil, fmt.Errorf("dial %s: %w", address, errNotLoopback)
	}
	return g.dialer.DialContext(ctx, network, address)
}

// Refused is how many dials the guard refused so far.
func (g *loopbackGuard) Refused() int64 { return g.refused.Load() }

// installLoopbackGuard puts a guard in front of the process's default HTTP
// transport and websocket dialer, with proxies off (a proxy is another
// machine), and returns it with the function that puts the previous ones
// back.
func installLoopbackGuard() (*loopbackGuard, func()) {
	g := &loopbackGuard{dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
	prevTransport := http.DefaultTransport
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = g.dial
	t.DialTLSContext = nil
	http.DefaultTransport = t
	prevDialer := *websocket.DefaultDialer
	websocket.DefaultDialer.Proxy = nil
	websocket.DefaultDialer.NetDial = nil
	websocket.DefaultDialer.NetDialContext = g.dial
	websocket.DefaultDialer.NetDialTLSContext = nil
	return g, func() {
		http.DefaultTransport = prevTransport
		*websocket.DefaultDialer = prevDialer
	}
}
