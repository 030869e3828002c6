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
//     external file upload flow and files.delete, auth.test,
//     apps.connections.open) that keeps what the product did in a [State],
//     and files' bytes at their url_private;
//   - callbacks into the product, signed as Slack signs them: slash commands,
//     Events API deliveries and interactions, sent over HTTP with
//     [Server.HTTP] or over Socket Mode with [Server.Socket];
//   - a Socket Mode websocket at the URL apps.connections.open hands out;
//   - faults: rate limits, outages, latency, injected errors, failed file
//     downloads and answers lost after the call went through (faults.go),
//     and deleted channels, threads and users ([State]);
//   - Slack's rate limits (ratelimit.go), on unless [Config].Unlimited:
//     chat.postMessage per channel and the Tier 3 methods per method are
//     token buckets, and a call beyond them is answered 429 with
//     Retry-After; [Server.RateLimited] counts the refusals.
//
// Message timestamps are Slack's: a ts is unique only within its channel.
// Each channel has its own clock, so two channels may give one ts to
// messages posted in the same microsecond; [State.SetNextTS] and
// [State.ShareNextTS] make that happen on purpose.
//
// Tests read what happened through [State]'s accessors and wait for the
// product's asynchronous work with [State.WaitFor] instead of sleeping:
//
//	srv.SetProductURL(product.URL)
//	alice := srv.State().AddUser(slacktest.User{Name: "alice"})
//	staff := srv.State().AddChannel(slacktest.Channel{Name: "staff", Members: []string{alice.ID}})
//	d, err := srv.HTTP().Command(ctx, slacktest.Command{UserID: alice.ID, ChannelID: staff.ID, Command: "/crm", Text: "tickets"})
//	// d.Status, d.Body, d.Duration: the product's answer
//	srv.WaitFor(t, func(st *slacktest.State) bool { return len(st.Ephemerals()) == 1 })
//
// The same test runs over Socket Mode with srv.Socket() in place of
// srv.HTTP(), once the product's socketmode client is connected.
package slacktest
