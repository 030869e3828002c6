// Package discordtest is a fake Discord for end-to-end tests.
//
// A Server speaks Discord's real wire protocols, REST under /api/v9 and the
// JSON gateway websocket, closely enough that an unmodified
// github.com/bwmarrin/discordgo v0.29.0 client works against it. Point a
// discordgo session at it by giving Session.Client the http.Client returned by
// Server.HTTPClient (it rewrites https://discord.com to the fake's address);
// the gateway address then comes from GET /api/v9/gateway.
//
// The server keeps a small world (guilds, channels, threads, members, roles,
// messages, webhooks, application commands, interactions) that tests inspect
// through accessor methods, change through simulation methods that behave as
// a Discord user would (SendUserMessage, CreateThread, InvokeSlashCommand...)
// and disturb through fault injection (429s, outages, lost answers, dropped
// connections, failed attachment downloads, dropped or invalidated gateway
// sessions). Messages take files (multipart payload_json and files[n], up
// to 10 MiB per message, 500 MiB for a simulated user with Nitro), served at their
// attachment URLs as by Discord's CDN. Every simulated change is dispatched on the gateway with
// increasing sequence numbers; dispatches missed while disconnected are
// replayed on RESUME and never after a fresh IDENTIFY, as on Discord.
//
// What the fake deliberately checks, because production code gets it wrong:
// the bot token on every authenticated request, channel permissions (bot and
// users), private thread membership, archived and locked threads, the
// 2,000-character limit, webhook usernames, nonce idempotency, interaction
// deadlines, gateway intents (message content is blanked without
// IntentMessageContent) and command registration before a slash command can
// be invoked.
//
// Rate limits are on unless Config.Unlimited: webhook executions per
// webhook, channel messages and reactions per channel are counted in
// windows (Limits), answered with true X-RateLimit-* headers, and a request
// beyond its window gets a 429 with retry_after; Server.RateLimited counts
// the refusals.
//
// Not modelled: the buckets of other routes and the global limit (inject
// 429s instead), voice,
// presences, forums, stickers, polls, components inside stored messages, zlib
// stream transport compression, and sharding beyond echoing the shard pair.
package discordtest
