package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Relay is the platform-neutral heart of ticket relaying. Adapters call its
// methods with what arrived from their platform; each method resolves the
// author, stores the change and the deliveries it causes (the outbox) in
// ONE transaction, wakes the delivery worker, and only then returns, so
// the adapter may acknowledge the platform. A redelivered input is a
// no-op (Outcome Duplicate).
type Relay struct {
	Store *core.Store
	Log   *slog.Logger
	// SlackChannel is SLACK_STAFF_CHANNEL, the default channel where
	// ticket threads open on Slack; "" when Slack is off (nothing is
	// queued for Slack).
	SlackChannel string
	// SlackOverflow are SLACK_OVERFLOW_CHANNELS: with them, a ticket no
	// routing rule matches goes where Overflow says among SlackChannel
	// and these (core.OverflowPolicy).
	SlackOverflow []string
	Overflow      core.OverflowPolicy
	// DiscordChannel is the first DISCORD_SUPPORT_CHANNEL, the parent of
	// the threads of tickets opened elsewhere (/ticket outside a support
	// channel); "" when Discord is off.
	DiscordChannel string
	// DiscordChannels are every support channel clients open tickets
	// from, DiscordChannel included (nil: DiscordChannel alone). A
	// ticket's thread lives under the one it was opened from.
	DiscordChannels []string
	// Metrics, when set, counts where new tickets are routed.
	Metrics *Metrics
	// DiscordWebhooks is how many webhooks each support channel's pool
	// holds (1 to 15, DISCORD_WEBHOOKS_PER_CHANNEL); each new ticket gets
	// the least busy one. Default DefaultDiscordWebhooks.
	DiscordWebhooks int
	// BudgetBusy, when set, reports whether the platform budget a post
	// will spend (Slack's posts in its channel, Discord's through its
	// ticket's webhook) is busy, and how long it would hold the post
	// anyway (Pacer.Busy). Only a post whose budget is busy takes the
	// messages of the same author queued behind it (Prepare), after
	// waiting for more as long as the budget would hold it anyway, at most
	// Linger (default 250 ms; Linger itself when the budget has room but
	// several tickets post together). Without BudgetBusy every post takes
	// them, without waiting.
	BudgetBusy func(d *core.Delivery) (busy bool, wait time.Duration)
	Linger     time.Duration
	// Outbox is the delivery queue every transaction of the relay runs
	// through (outbox.Worker.InTx): what it queues that can leave at once
	// is sent by the local worker right after the commit, without a
	// claim, and the rest is announced to every replica. When nil, a
	// worker that never runs is used: it only queues and announces.
	Outbox *outbox.Worker
	// Locale is the language of whoever has none of their own
	// (JAYAYA_LOCALE); i18n.Default when empty. See ReaderLocale and
	// ChannelLocale.
	Locale i18n.Locale
	// DiscordGuildLocale, when set, returns the preferred locale of the
	// clients' Discord guild ("fr"), "" when unknown: the language of a
	// client Discord has said nothing about.
	DiscordGuildLocale func() string

	queueOnce sync.Once
	queue     *outbox.Worker
}

// Outcome says what became of an inbound input.
type Outcome int

// Outcomes of the relay's inbound methods.
const (
	// Stored: the change and its deliveries are committed.
	Stored Outcome = iota + 1
	// Duplicate: the input was already stored; nothing changed.
	Duplicate
	// Refused: the author may not do this; Reason says why, politely, and
	// nothing was stored.
	Refused
	// NotTicket: the message is not in a ticket thread (or edits a message
	// the relay never stored); nothing was stored.
	NotTicket
)

// String names the outcome for logs.
func (o Outcome) String() string {
	switch o {
	case Stored:
		return "stored"
	case Duplicate:
		return "duplicate"
	case Refused:
		return "refused"
	case NotTicket:
		return "not_ticket"
	}
	return "unknown"
}

// Result is what an inbound method did.
type Result struct {
	Outcome Outcome
	// Ticket is the ticket concerned, when known.
	Ticket *core.Ticket
	// Message is the stored (or already stored) message, when any.
	Message *core.Message
	// User is the resolved author, when registered.
	User *core.User
	// Reason is the polite explanation for the author when Refused, to
	// be translated into their language (ReaderLocale).
	Reason i18n.Msg
	// Note is set when a Slack reply was stored as an internal note.
	Note bool
}

// Refusals shown to platform users who may not use the relay: catalog
// IDs.
const (
	// RefusalClient is told to an unregistered Discord user.
	RefusalClient = "tickets.refusal.client"
	// RefusalStaff is told to a Slack user who is not registered staff
	// replying in a ticket thread.
	RefusalStaff = "tickets.refusal.staff"
	// RefusalNoAccess is told to a registered client writing in a ticket
	// they may not read.
	RefusalNoAccess = "tickets.refusal.no_access"
	// RefusalClosed is told to someone writing to the other side of a
	// closed ticket ({{.Ticket}}: its number and subject).
	RefusalClosed = "tickets.refusal.closed"
)

// NotePrefix starts a Slack reply that is an internal note: it stays in
// Slack and gets a 🔒 reaction.
const NotePrefix = "note:"

// InboundMessage is a message written in a ticket thread on a platform.
type InboundMessage struct {
	// Platform is core.PlatformDiscord or core.PlatformSlack.
	Platform string
	// SourceID is the message's ID on its platform: the Discord message ID,
	// or the Slack ts. A ts is unique only within its channel: the relay
	// stores a Slack message under ChannelID and ts (core.SourceKey).
	SourceID string
	// ChannelID is the Slack channel of the thread; on Discord the channel
	// the message was posted in (the thread, or the support channel for a
	// ticket's first message).
	ChannelID string
	// ThreadID identifies the ticket thread: the Discord thread's channel
	// ID, or the Slack thread_ts.
	ThreadID string
	// AuthorPlatformID is the author's platform user ID.
	AuthorPlatformID string
	// AuthorName and AvatarURL show who wrote it on the other side; the
	// registered user's name is used when AuthorName is empty.
	AuthorName string
	AvatarURL  string
	// Text is the message text in the platform's own markup (Slack mrkdwn
	// with <…> entities, or Discord markdown with mentions already
	// replaced by names where the adapter could).
	Text        string
	Attachments []core.Attachment
}

// InboundOpen asks for a new ticket on behalf of a client.
type InboundOpen struct {
	Platform             string
	ClientPlatformUserID string
	// Channel is the Discord support channel the ticket is opened from
	// (First's channel when empty); one the relay does not serve means
	// its first support channel.
	Channel string
	Subject string
	// Visibility is core.TicketPrivate (default when empty) or
	// core.TicketPublic.
	Visibility string
	// First, when the ticket is opened by writing in the support channel,
	// is that message: it is stored as the ticket's first message, copied
	// into the new thread and relayed; the public original is then deleted
	// when the bot may.
	First *InboundMessage
}

// InboundEdit is an edit of a stored message, made on its platform.
type InboundEdit struct {
	Platform string
	// ChannelID is the Slack channel of the message (part of its
	// identity, core.SourceKey); unused on Discord.
	ChannelID string
	// SourceID is the message's Slack ts or Discord ID.
	SourceID string
	Text     string
}

// errDuplicate rolls back a transaction whose input turned out stored.
var errDuplicate = errors.New("duplicate")

// inTx runs fn in one transaction of the outbox (Outbox.InTx): what fn
// queues with tx.Enqueue is announced, or handed to the local worker,
// once it has committed.
func (r *Relay) inTx(ctx context.Context, fn func(ctx context.Context, tx *outbox.Tx) error) error {
	return r.outbox().InTx(ctx, fn)
}

// outbox returns Outbox or, when nil, a worker of the relay's own that
// never runs.
func (r *Relay) outbox() *outbox.Worker {
	if r.Outbox != nil {
		return r.Outbox
	}
	r.queueOnce.Do(func() { r.queue = outbox.NewWorker(r.Store, r.log()) })
	return r.queue
}

func (r *Relay) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

// userByPlatform resolves a platform user to a registered, enabled user;
// nil when there is none.
func (r *Relay) userByPlatform(ctx context.Context, platform, id string) (*core.User, error) {
	var (
		u   *core.User
		err error
	)
	switch platform {
	case core.PlatformDiscord:
		u, err = r.Store.UserByDiscordID(ctx, id)
	case core.PlatformSlack:
		u, err = r.Store.UserBySlackID(ctx, id)
	default:
		return nil, core.Errorf(core.EINTERNAL, "unknown platform %q", platform)
	}
	if core.ErrorCode(err) == core.ENOTFOUND || (u != nil && u.DisabledAt != nil) {
		return nil, nil
	}
	return u, err
}

// ticketOf finds the ticket of a message's thread; nil when the thread is
// not a ticket's.
func (r *Relay) ticketOf(ctx context.Context, in *InboundMessage) (*core.Ticket, error) {
	var (
		t   *core.Ticket
		err error
	)
	switch in.Platform {
	case core.PlatformDiscord:
		t, err = r.Store.TicketByDiscordThread(ctx, in.ThreadID)
	case core.PlatformSlack:
		t, err = r.Store.TicketBySlackThread(ctx, in.ChannelID, in.ThreadID)
	default:
		return nil, core.Errorf(core.EINTERNAL, "unknown platform %q", in.Platform)
	}
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, nil
	}
	return t, err
}

// ListForClient returns the tickets a platform user may see: a client's
// own and public ones, every ticket for staff. Errors: EFORBIDDEN
// (unregistered; the message is RefusalClient's).
func (r *Relay) ListForClient(ctx context.Context, platform, platformUserID string) ([]*core.Ticket, error) {
	u, err := r.userByPlatform(ctx, platform, platformUserID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, core.E(core.EFORBIDDEN, RefusalClient)
	}
	f := core.TicketFilter{Limit: 25}
	if !u.IsStaff() {
		f.VisibleTo = &u.ID
	}
	return r.Store.ListTickets(ctx, f)
}

// displayName is who a message shows as on the other side.
func displayName(in *InboundMessage, u *core.User) string {
	if n := strings.TrimSpace(in.AuthorName); n != "" {
		return n
	}
	if u != nil && u.Name != "" {
		return u.Name
	}
	return "unknown"
}

// ticketLabel is "#12 Subject".
func ticketLabel(t *core.Ticket) string { return fmt.Sprintf("#%d %s", t.Number, t.Subject) }

// ReaderLocale returns the language u reads on platform: their setting;
// else said (what the platform says with this action, such as a Discord
// interaction's locale) or what it said last; else, on Discord, the
// guild's preferred locale; else Locale. u may be nil (unregistered).
func (r *Relay) ReaderLocale(u *core.User, platform, said string) i18n.Locale {
	return r.readerLocaleIn(u, platform, said, "")
}

// readerLocaleIn is ReaderLocale for a reader in a Discord support
// channel (channel, "" when none): the channel's own language comes
// before the guild's.
func (r *Relay) readerLocaleIn(u *core.User, platform, said, channel string) i18n.Locale {
	place := ""
	if platform == core.PlatformDiscord {
		if channel != "" {
			place = r.channelSetting(core.PlatformDiscord, channel)
		}
		if place == "" && r.DiscordGuildLocale != nil {
			place = r.DiscordGuildLocale()
		}
	}
	return u.Language(platform, said, place, r.Locale)
}

// channelSettingWait bounds how long a card or notice waits for the
// channel settings to be read again (every core.ChannelSettingsTTL).
const channelSettingWait = 2 * time.Second

// ChannelLocale returns the language of what several people read in a
// channel: a ticket card and the notices in the ticket threads of a
// Slack staff channel. It is the channel's own language when an admin
// set one (the panel's Channels page, jayaya channel language; read
// through core.Store.ChannelLocale, so that a change shows within
// seconds on every replica), else JAYAYA_LOCALE (Locale).
func (r *Relay) ChannelLocale(platform, channelID string) i18n.Locale {
	return i18n.Pick(r.Locale, r.channelSetting(platform, channelID))
}

// channelSetting is a channel's own language, "" when it has none or
// the settings cannot be read (logged).
func (r *Relay) channelSetting(platform, channelID string) string {
	if r.Store == nil || channelID == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), channelSettingWait)
	defer cancel()
	l, err := r.Store.ChannelLocale(ctx, platform, channelID)
	if err != nil {
		r.log().Warn("channel settings unreadable: the channel speaks what was read last, or JAYAYA_LOCALE",
			"platform", platform, "channel", channelID, "err", err)
	}
	return l
}

// threadLocale is the language of a ticket's Discord thread: the
// language of the client who opened it (ReaderLocale, with the support
// channel's own language before the guild's), else Locale.
func (r *Relay) threadLocale(ctx context.Context, t *core.Ticket) i18n.Locale {
	channel := r.discordChannelOf(t)
	if t.OpenerID != nil {
		if u, err := r.Store.UserByID(ctx, *t.OpenerID); err == nil {
			return r.readerLocaleIn(u, core.PlatformDiscord, "", channel)
		}
	}
	return r.readerLocaleIn(nil, core.PlatformDiscord, "", channel)
}

// slackThreadLocale is the language of a ticket's Slack thread: its
// channel's (ChannelLocale).
func (r *Relay) slackThreadLocale(t *core.Ticket) i18n.Locale {
	return r.ChannelLocale(core.PlatformSlack, r.slackChannelOf(t))
}

// slackChannelOf is the Slack staff channel holding t's thread: the one
// it was routed to, else the default one.
func (r *Relay) slackChannelOf(t *core.Ticket) string {
	if t.SlackChannelID != nil && *t.SlackChannelID != "" {
		return *t.SlackChannelID
	}
	return r.SlackChannel
}

// discordChannelOf is the Discord support channel t was opened from,
// else the default one.
func (r *Relay) discordChannelOf(t *core.Ticket) string {
	if t.DiscordChannelID != nil && *t.DiscordChannelID != "" {
		return *t.DiscordChannelID
	}
	return r.DiscordChannel
}
