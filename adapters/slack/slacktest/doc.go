// Package slacktest is a fake Slack workspace for end-to-end tests of the
// JayayaCRM Slack adapter.
//
// The fake speaks Slack's wire protocols, so the real slack-go client works
// against it unmodified:
//
//	srv := slacktest.New(t, slacktest.Config{})
//	api := slack.New(srv.Config().BotToken, slack.OptionAPIURL(srv.APIURL()))
//
// It has four faces:
//
//   - a Web API (chat.*, conversations.*, reactions.*, users.*, views.*, the
//     external file upload flow, auth.test, apps.connections.open) that keeps
//     what the product did in a [State];
//   - callbacks into the product, signed as Slack signs them: slash commands,
//     Events API deliveries and interactions, sent over HTTP with
//     [Server.HTTP] or over Socket Mode with [Server.Socket];
//   - a Socket Mode websocket at the URL apps.connections.open hands out;
//   - faults: rate limits, outages, latency and injected errors (faults.go),
//     and deleted channels, threads and users ([State]).
//
// Tests read what happened through [State]'s accessors and wait for the
// product's asynchronous work with [State.WaitFor] instead of sleeping.
package slacktest
