package core

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// DiscordWebhook is a webhook of a support channel's pool the relay
// posts through (its ID only: the token stays with Discord).
type DiscordWebhook struct {
	bun.BaseModel `bun:"table:discord_webhooks"`

	ID        string `bun:"id,pk"`
	ChannelID string `bun:"channel_id,notnull"`
	// Slot is its place in the channel's pool (0 to 14).
	Slot      int       `bun:"slot,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	// GoneAt is when Discord was found not to know it any more (deleted
	// by a moderator); nil while it serves.
	GoneAt *time.Time `bun:"gone_at"`
}

// RecordDiscordWebhook remembers that webhook id serves slot of channel's
// pool; recording it again changes nothing. Errors: EINVALID.
func (s *Store) RecordDiscordWebhook(ctx context.Context, channel string, slot int, id string) error {
	if id == "" || channel == "" || slot < 0 || slot >= MaxDiscordWebhooks {
		return E(EINVALID, "core.discord_webhook.invalid", i18n.Args{"Last": MaxDiscordWebhooks - 1})
	}
	_, err := s.DB.NewInsert().Model(&DiscordWebhook{ID: id, ChannelID: channel, Slot: slot, CreatedAt: s.now()}).
		On("CONFLICT (id) DO NOTHING").Exec(ctx)
	return err
}

// DiscordWebhookGone records that Discord no longer knows webhook id.
func (s *Store) DiscordWebhookGone(ctx context.Context, id string) error {
	_, err := s.DB.NewUpdate().Model((*DiscordWebhook)(nil)).Set("gone_at = ?", s.now()).
		Where("id = ?", id).Where("gone_at IS NULL").Exec(ctx)
	return err
}

// DiscordWebhooks returns the webhooks the relay ever posted through,
// those of channel only when it is not "", by channel, slot and age.
func (s *Store) DiscordWebhooks(ctx context.Context, channel string) ([]DiscordWebhook, error) {
	var out []DiscordWebhook
	q := s.DB.NewSelect().Model(&out).OrderExpr("channel_id, slot, created_at, id")
	if channel != "" {
		q = q.Where("channel_id = ?", channel)
	}
	return out, q.Scan(ctx)
}

// MaxDiscordWebhooks is how many webhooks Discord allows in one channel,
// and so the largest webhook pool of a support channel.
const MaxDiscordWebhooks = 15

// AssignDiscordWebhookTx gives a new ticket the webhook its Discord thread
// will post through, inside the transaction that opens it: the slot (0 to
// slots-1) of channel's webhook pool holding the fewest open tickets, the
// lowest such slot on a tie, so that each busy ticket gets a rate budget
// of its own while the pool has room. The ticket keeps it for life;
// tickets opened before the pool are not counted (they post
// through slot 0). It returns the slot. Errors: EINVALID (slots out of
// 1..MaxDiscordWebhooks, no channel).
func (s *Store) AssignDiscordWebhookTx(ctx context.Context, tx bun.IDB, ticketID int64, channel string, slots int) (int, error) {
	if slots < 1 || slots > MaxDiscordWebhooks {
		return 0, E(EINVALID, "core.discord_webhook.pool_size", i18n.Args{"Max": MaxDiscordWebhooks, "Size": slots})
	}
	if channel == "" {
		return 0, E(EINVALID, "core.discord_webhook.no_channel")
	}
	var counts []struct {
		Slot int `bun:"slot"`
		N    int `bun:"n"`
	}
	err := tx.NewRaw(`SELECT discord_webhook_slot AS slot, COUNT(*) AS n FROM tickets
		WHERE status = ? AND discord_channel_id = ? AND discord_webhook_slot IS NOT NULL
		GROUP BY discord_webhook_slot`, TicketOpen, channel).Scan(ctx, &counts)
	if err != nil {
		return 0, err
	}
	open := make([]int, slots)
	for _, c := range counts {
		if c.Slot >= 0 && c.Slot < slots {
			open[c.Slot] = c.N
		}
	}
	slot := 0
	for i, n := range open {
		if n < open[slot] {
			slot = i
		}
	}
	_, err = tx.NewUpdate().Model((*Ticket)(nil)).Set("discord_channel_id = ?", channel).
		Set("discord_webhook_slot = ?", slot).Where("id = ?", ticketID).Exec(ctx)
	return slot, err
}
