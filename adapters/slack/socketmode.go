package slack

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/jayaya/jayayacrm/core"
)

// RunSocketMode connects to Slack over Socket Mode (SLACK_APP_TOKEN) and
// handles its envelopes until ctx ends. Envelopes go through the same
// handlers as the HTTP endpoints: events through onEvent, slash commands
// through onCommand, interactions through onInteraction. An event is
// acknowledged only once what it carries is committed; an event that could
// not be stored is left unacknowledged, so Slack sends it again.
//
// Events are handled one at a time, in the order Slack sends them, so two
// replies written in quick succession keep their order; commands and
// interactions are answered concurrently. Every connection after the
// first (a reconnection) starts a catch-up in the background (CatchUp):
// Slack does not replay the events it could not deliver meanwhile. It
// returns ctx's error, or the error that made slack-go give up (invalid or
// revoked token).
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errors.New("slack: Socket Mode needs an app-level token (SLACK_APP_TOKEN)")
	}
	client := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- client.RunContext(runCtx) }()

	var inflight sync.WaitGroup
	defer inflight.Wait()
	conn := &socketConn{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-runErr:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		case evt := <-client.Events:
			a.onSocketEvent(runCtx, client, evt, conn, &inflight)
		}
	}
}

// socketConn is what RunSocketMode remembers of its connections.
type socketConn struct {
	// connections counts the connections made so far.
	connections int
}

// onSocketEvent handles one Socket Mode event.
func (a *Adapter) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event, conn *socketConn, inflight *sync.WaitGroup) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		// Not connected while connecting: the gauge says what /readyz says.
		a.Metrics.GatewayConnected(core.PlatformSlack, false)
		a.setSocketReady(false, "connecting to Socket Mode")
	case socketmode.EventTypeConnected:
		a.log.Info("socket mode connected")
		a.Metrics.GatewayConnected(core.PlatformSlack, true)
		a.setSocketReady(true, "")
		conn.connections++
		if conn.connections > 1 {
			// A reconnection: what was written while disconnected came
			// as events nobody acknowledged. The first connection needs
			// none: serve catches up at start.
			// Taken before this connection's events are handled.
			since := a.store.Now()
			inflight.Add(1)
			a.catchUpInBackground(ctx, since, inflight.Done)
		}
	case socketmode.EventTypeConnectionError:
		a.log.Warn("socket mode connection failed; slack-go retries", "err", evt.Data)
		a.Metrics.GatewayConnected(core.PlatformSlack, false)
		a.setSocketReady(false, "Socket Mode connection failed; retrying")
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("socket mode: invalid app token")
		a.Metrics.GatewayConnected(core.PlatformSlack, false)
		a.setSocketReady(false, "invalid app-level token (SLACK_APP_TOKEN)")
	case socketmode.EventTypeDisconnect:
		a.log.Info("socket mode: Slack asked to reconnect")
		a.Metrics.GatewayConnected(core.PlatformSlack, false)
		a.setSocketReady(false, "Socket Mode reconnecting")
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok || evt.Request == nil {
			return
		}
		if err := a.onEvent(ctx, ev, evt.Request.Payload); err != nil {
			// No ack: Slack sends the envelope again.
			a.log.Error("event not stored; leaving it unacknowledged", "envelope", evt.Request.EnvelopeID, "err", err)
			return
		}
		a.ack(ctx, client, evt.Request, nil)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			a.ack(ctx, client, evt.Request, a.onCommand(ctx, cmd))
		}()
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			a.ack(ctx, client, evt.Request, a.onInteraction(ctx, cb))
		}()
	}
}

// ack acknowledges an envelope, with the handler's response body when it
// has one.
func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, req *socketmode.Request, payload any) {
	if err := client.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		a.log.Warn("socket mode ack failed", "envelope", req.EnvelopeID, "err", err)
	}
}
