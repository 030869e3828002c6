package main

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core/coretest"
)

// Several replicas of the product on one PostgreSQL database, each a run
// of "jayaya serve" in this process with its own address, its own
// database proxy (Cut: the replica is killed, it records nothing more;
// Freeze: it is paused, its connections left open) and its own proxy to
// the fake Slack (to swallow the answer to one of its posts).

// replica is one running replica.
type replica struct {
	*jayayaProcess
	name  string            // its delivery worker's name (the "replica" of the log)
	db    *coretest.DBProxy // between it and PostgreSQL
	slack *slackProxy       // its SLACK_API_URL
}

var replicaRE = regexp.MustCompile(`msg=listening .* replica=(\S+)`)

// startReplica starts one more replica of w's product (w.dbURL must be
// PostgreSQL), with extra environment on top of w's, and waits until it
// listens (not for the gateway: another replica may hold it).
func (w *relayWorld) startReplica(extra map[string]string) *replica {
	w.t.Helper()
	viaProxy, db := coretest.ProxyURL(w.t, w.dbURL)
	r := &replica{db: db, slack: newSlackProxy(w.t, w.slack.URL())}
	env := w.env(viaProxy)
	addr := freeAddr(w.t)
	env["JAYAYA_ADDR"], env["JAYAYA_PUBLIC_URL"] = addr, "http://"+addr
	env["SLACK_API_URL"] = r.slack.URL() + "/api/"
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.jayayaProcess = &jayayaProcess{cancel: cancel, done: make(chan int, 1), logs: &syncBuffer{}}
	go func() { r.done <- run(ctx, []string{"serve"}, envFunc(env), strings.NewReader(""), io.Discard, r.logs) }()
	w.t.Cleanup(func() { r.stop(w.t) })
	r.addr = waitListening(w.t, r.logs)
	if m := replicaRE.FindStringSubmatch(r.logs.String()); m != nil {
		r.name = m[1]
	}
	return r
}

// kill ends r as SIGKILL would: its database connections drop at once,
// so it records nothing more, and it stops.
func (r *replica) kill(t testing.TB) {
	r.db.Cut()
	r.cancel()
	r.wait(t)
}

// holdsGateway reports whether r says it holds the Discord gateway.
func (r *replica) holdsGateway(t *testing.T) bool {
	return scrapeMetrics(t, r.addr)[`jayaya_gateway_held{platform="discord"}`] == 1
}

// waitFor polls cond until it holds, failing the test after waitTimeout
// with every replica's log.
func waitFor(t *testing.T, what string, cond func() bool, rs ...*replica) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			var logs strings.Builder
			for _, r := range rs {
				logs.WriteString("\n--- replica " + r.name + ":\n" + r.logs.String())
			}
			t.Fatalf("timed out waiting for %s%s", what, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
