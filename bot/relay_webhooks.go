package bot

import (
	"context"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// DefaultDiscordWebhooks is the size of a support channel's webhook pool
// when Relay.DiscordWebhooks is not set: room for ten busy tickets with a
// posting budget each, leaving five of Discord's fifteen webhooks per
// channel to other integrations.
const DefaultDiscordWebhooks = 10

// webhooks is the size of each support channel's webhook pool.
func (r *Relay) webhooks() int {
	if r.DiscordWebhooks < 1 || r.DiscordWebhooks > core.MaxDiscordWebhooks {
		return DefaultDiscordWebhooks
	}
	return r.DiscordWebhooks
}

// assignWebhook gives a ticket being opened the webhook its Discord
// thread will post through: the least busy one of the pool of the
// support channel it was routed to (core.Store.RouteTicketTx, run
// before), kept for the ticket's life (core.Store.AssignDiscordWebhookTx),
// so that staff replies in different tickets spend different budgets.
func (r *Relay) assignWebhook(ctx context.Context, tx *outbox.Tx, t *core.Ticket) error {
	if !r.discordOn() {
		return nil
	}
	channel := r.discordChannelOf(t)
	slot, err := r.Store.AssignDiscordWebhookTx(ctx, tx.Bun(), t.ID, channel, r.webhooks())
	if err != nil {
		return err
	}
	t.DiscordChannelID, t.DiscordWebhookSlot = &channel, &slot
	return nil
}
