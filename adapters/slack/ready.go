package slack

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
)

// readiness is what the Slack line of /readyz says: whether this replica
// can take Slack's events. That needs the bot token checked at start
// (auth.test, CheckAuth) and, with Socket Mode, the connection up.
type readiness struct {
	mu        sync.Mutex
	authWhy   string // why the token is not known good; "" once auth.test passed
	socket    bool   // Socket Mode is in use
	socketWhy string // why Socket Mode is not up; "" while connected
}

// TrackReadiness reports the adapter's state to r as the "slack"
// component, not ready until CheckAuth has checked the token and, with an
// app-level token (Socket Mode, RunSocketMode), until it is connected.
// Call it before serving.
func (a *Adapter) TrackReadiness(r *bot.Readiness) {
	a.Ready = r
	a.setReady(func(s *readiness) {
		s.authWhy = "the bot token is not checked yet (auth.test)"
		if a.cfg.AppToken != "" {
			s.socket, s.socketWhy = true, "Socket Mode not connected yet"
		}
	})
}

// setSocketReady records the Socket Mode connection's state: up, or why
// not.
func (a *Adapter) setSocketReady(up bool, why string) {
	a.setReady(func(s *readiness) {
		s.socket, s.socketWhy = true, why
		if up {
			s.socketWhy = ""
		}
	})
}

// setReady changes the readiness state with change and sets the "slack"
// component from it (the token's reason first, then the socket's), under
// one lock, so that of two goroutines' changes the later one is what
// /readyz keeps.
func (a *Adapter) setReady(change func(*readiness)) {
	a.ready.mu.Lock()
	defer a.ready.mu.Unlock()
	change(&a.ready)
	why := a.ready.authWhy
	if why == "" && a.ready.socket {
		why = a.ready.socketWhy
	}
	a.Ready.Set(core.PlatformSlack, why == "", why)
}

// CheckAuth checks the bot token with auth.test until it passes or ctx
// ends, waiting 1 s after the first failure, then twice as long up to
// 30 s. Once it passes, the replica is ready for Slack's events (as far
// as the token goes) and the bot's user ID is known, so its own messages
// are recognised even in events without authorizations (bot_id still
// identifies its posts until then).
func (a *Adapter) CheckAuth(ctx context.Context) error {
	delay := time.Second
	for {
		resp, err := a.api.AuthTestContext(ctx)
		if err == nil {
			a.log.Info("slack token checked", "bot_user", resp.UserID, "team", resp.TeamID)
			if rs := a.relayState(); rs != nil {
				rs.setBotUser(resp.UserID)
			}
			a.setReady(func(s *readiness) { s.authWhy = "" })
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn("slack auth.test failed; retrying", "err", err, "retry_in", delay)
		why := fmt.Sprintf("auth.test failed: %v", err)
		if code := slackCode(err); code != "" {
			why = "auth.test failed: " + code + " (check SLACK_BOT_TOKEN)"
		}
		a.setReady(func(s *readiness) { s.authWhy = why })
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}
