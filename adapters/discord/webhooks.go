package discord

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/core"
)

// The webhook pool. A webhook posts at most five messages per two
// seconds, so each support channel has a pool of the bot's own webhooks,
// one per slot (bot.Relay.DiscordWebhooks of them, at most Discord's 15),
// and each ticket posts through the webhook of the slot it was given when
// it opened (core.TicketThreads): staff replies in different tickets
// spend different budgets. Webhooks are created when a slot is first
// needed, and found again after a restart by their name (webhookName) and
// creator (this bot: another app's webhook of the same name is never
// used). Each one is recorded in the database, so that a post made
// through one a moderator has deleted since is still known as the
// relay's (findWebhookPost); a deleted one is created again on the next
// post of its slot. Tickets opened before the pool post through slot 0,
// whose name is the one the single webhook had.

// webhookBaseName names slot 0's webhook, and, numbered, the others'.
const webhookBaseName = "JayayaCRM relay"

// webhookName is the name of the webhook of a pool slot: "JayayaCRM
// relay" for slot 0, "JayayaCRM relay 2" for slot 1, and so on.
func webhookName(slot int) string {
	if slot == 0 {
		return webhookBaseName
	}
	return fmt.Sprintf("%s %d", webhookBaseName, slot+1)
}

// webhookSlot is the slot a webhook's name says, ok false for a name no
// slot has.
func webhookSlot(name string) (slot int, ok bool) {
	if name == webhookBaseName {
		return 0, true
	}
	rest, found := strings.CutPrefix(name, webhookBaseName+" ")
	n, err := strconv.Atoi(rest)
	if !found || err != nil || n < 2 || n > core.MaxDiscordWebhooks || strconv.Itoa(n) != rest {
		return 0, false
	}
	return n - 1, true
}

// webhookPool is one support channel's webhooks.
type webhookPool struct {
	channel string
	// create lets one listing or creation run at a time; mu guards the
	// maps, so that posts through known webhooks never wait for it.
	create sync.Mutex
	mu     sync.Mutex
	bySlot map[int]*discordgo.Webhook
	// ours are the IDs of every webhook the relay posted through in this
	// channel, deleted ones included.
	ours map[string]bool
}

func (p *webhookPool) get(slot int) *discordgo.Webhook {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bySlot[slot]
}

// any returns the webhook of the lowest slot the pool has, nil when none.
func (p *webhookPool) any() *discordgo.Webhook {
	p.mu.Lock()
	defer p.mu.Unlock()
	for slot := range core.MaxDiscordWebhooks {
		if wh := p.bySlot[slot]; wh != nil {
			return wh
		}
	}
	return nil
}

// byID returns the pool's webhook id, nil when it serves no slot.
func (p *webhookPool) byID(id string) *discordgo.Webhook {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, wh := range p.bySlot {
		if wh.ID == id {
			return wh
		}
	}
	return nil
}

// isOurs reports whether webhook id is or was one of the pool's.
func (p *webhookPool) isOurs(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ours[id]
}

// pool returns a support channel's pool, made empty on first use.
func (a *Adapter) pool(channel string) *webhookPool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pools == nil {
		a.pools = map[string]*webhookPool{}
	}
	p := a.pools[channel]
	if p == nil {
		p = &webhookPool{channel: channel, bySlot: map[int]*discordgo.Webhook{}, ours: map[string]bool{}}
		a.pools[channel] = p
	}
	return p
}

// target is where a ticket's Discord messages go: its thread, and the
// pool slot of the webhook that posts them in its support channel.
type target struct {
	thread, channel string
	slot            int
}

// ticketTarget returns a ticket's target; a ticket opened before the pool
// posts through slot 0 of the support channel.
func (a *Adapter) ticketTarget(ctx context.Context, ticketID int64) (target, error) {
	th, err := a.threads(ctx, ticketID)
	if err != nil {
		return target{}, err
	}
	tg := target{thread: th.DiscordThreadID, channel: th.DiscordChannelID, slot: th.DiscordWebhookSlot}
	if tg.channel == "" {
		tg.channel = a.cfg.SupportChannel
	}
	return tg, nil
}

// webhookOf returns the webhook tg posts through, finding or creating it.
// When the channel has no room for it (15 webhooks, other apps' among
// them), another webhook of the pool serves meanwhile; with none at all,
// an error that is retried, not parked.
func (a *Adapter) webhookOf(ctx context.Context, tg target) (*discordgo.Webhook, error) {
	p := a.pool(tg.channel)
	if wh := p.get(tg.slot); wh != nil {
		return wh, nil
	}
	p.create.Lock()
	defer p.create.Unlock()
	if wh := p.get(tg.slot); wh != nil {
		return wh, nil
	}
	// Another replica may have created it: look first.
	if err := a.loadPool(ctx, p); err != nil {
		return nil, err
	}
	if wh := p.get(tg.slot); wh != nil {
		return wh, nil
	}
	made, err := a.dg.WebhookCreate(tg.channel, webhookName(tg.slot), "", discordgo.WithContext(ctx))
	if discordCode(err) == discordgo.ErrCodeMaximumNumberOfWebhooksReached {
		if wh := p.any(); wh != nil {
			a.log.Warn("the support channel has no room for another webhook; the ticket posts through another of the pool meanwhile",
				"channel", tg.channel, "slot", tg.slot, "through", wh.ID)
			return wh, nil
		}
		// Not the request's fault: retried (with backoff) until a
		// moderator frees a place, never parked.
		return nil, fmt.Errorf("support channel %s has no room for a relay webhook (Discord allows %d per channel; free one): %v",
			tg.channel, core.MaxDiscordWebhooks, err)
	}
	if err != nil {
		return nil, err
	}
	a.log.Info("relay webhook created", "channel", tg.channel, "slot", tg.slot, "webhook", made.ID)
	// Two replicas creating the same slot's webhook at once keep the
	// older one (loadPool keeps the lowest ID of a slot); the newer is
	// deleted before anything is posted through it.
	if err := a.loadPool(ctx, p); err != nil {
		return nil, err
	}
	kept := p.get(tg.slot)
	if kept == nil {
		return nil, fmt.Errorf("webhook %s created for slot %d of channel %s is not listed", made.ID, tg.slot, tg.channel)
	}
	if kept.ID != made.ID {
		if err := a.dg.WebhookDelete(made.ID, discordgo.WithContext(ctx)); err != nil {
			a.log.Warn("cannot delete a duplicate relay webhook", "webhook", made.ID, "err", err)
		}
	}
	return kept, nil
}

// loadPool lists the channel's webhooks and takes the bot's own, by the
// slot their names say (the oldest when a slot has several), and records
// them; it also reads the webhooks the pool ever had (p.create held).
func (a *Adapter) loadPool(ctx context.Context, p *webhookPool) error {
	botID, appID, err := a.identity(ctx)
	if err != nil {
		return err
	}
	hooks, err := a.dg.ChannelWebhooks(p.channel, discordgo.WithContext(ctx))
	if err != nil {
		return err
	}
	known, err := a.store.DiscordWebhooks(ctx, p.channel)
	if err != nil {
		return err
	}
	bySlot := map[int]*discordgo.Webhook{}
	for _, wh := range hooks {
		slot, ok := webhookSlot(wh.Name)
		mine := (wh.User != nil && wh.User.ID == botID) || (appID != "" && wh.ApplicationID == appID)
		if !ok || !mine || wh.Token == "" {
			continue
		}
		if prev := bySlot[slot]; prev == nil || snowflakeLess(wh.ID, prev.ID) {
			bySlot[slot] = wh
		}
	}
	for slot, wh := range bySlot {
		if err := a.store.RecordDiscordWebhook(ctx, p.channel, slot, wh.ID); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bySlot = bySlot
	for _, k := range known {
		p.ours[k.ID] = true
	}
	for _, wh := range bySlot {
		p.ours[wh.ID] = true
	}
	return nil
}

// reloadPool lists a support channel's webhooks again.
func (a *Adapter) reloadPool(ctx context.Context, channel string) error {
	p := a.pool(channel)
	p.create.Lock()
	defer p.create.Unlock()
	return a.loadPool(ctx, p)
}

// identity returns the bot's user ID and application ID, known from READY
// or asked from Discord (a replica without the gateway session).
func (a *Adapter) identity(ctx context.Context) (botID, appID string, err error) {
	a.mu.Lock()
	botID, appID = a.botID, a.appID
	a.mu.Unlock()
	if botID != "" {
		return botID, appID, nil
	}
	me, err := a.dg.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return "", "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.botID == "" {
		a.botID = me.ID
	}
	return a.botID, a.appID, nil
}

// forgetBadWebhook drops a webhook of tg's pool when Discord no longer
// knows it (deleted by a moderator): the error becomes an ordinary retry,
// and the next attempt creates the slot's webhook again instead of
// parking the message.
func (a *Adapter) forgetBadWebhook(tg target, wh *discordgo.Webhook, err error) error {
	switch discordCode(err) {
	case discordgo.ErrCodeUnknownWebhook, discordgo.ErrCodeInvalidWebhookTokenProvided:
	default:
		return err
	}
	p := a.pool(tg.channel)
	p.mu.Lock()
	for slot, h := range p.bySlot {
		if h.ID == wh.ID {
			delete(p.bySlot, slot)
		}
	}
	p.mu.Unlock()
	if gerr := a.store.DiscordWebhookGone(a.ctx(), wh.ID); gerr != nil {
		a.log.Warn("cannot record a relay webhook as gone", "webhook", wh.ID, "err", gerr)
	}
	a.log.Warn("relay webhook gone; it will be created again", "channel", tg.channel, "webhook", wh.ID)
	return fmt.Errorf("relay webhook gone, will recreate it: %v", err)
}

// discordCode is the JSON error code of a Discord REST error, 0 otherwise.
func discordCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}
