// Package bot is JayayaCRM's platform-neutral conversation layer: the /crm
// commands staff type, the ticket relay between Discord and Slack, and the
// task reminders. It speaks in neutral messages, UI descriptions and
// addresses; each adapter (adapters/slack, adapters/discord) translates its
// SDK's events into these types and back. bot never imports an adapter.
package bot
