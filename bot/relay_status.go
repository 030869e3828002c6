package bot

import (
	"context"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// SetStatus closes (core.TicketClosed) or reopens (core.TicketOpen) a
// ticket from either side and reports whether it changed. On a change it
// queues, in the same transaction, a notice in both threads, the Slack
// card update and the Discord thread's archive+lock (or unarchive+unlock).
// by is who did it: staff, or a client who opened or takes part in the
// ticket; nil for the system. Errors: ENOTFOUND, EINVALID, EFORBIDDEN.
func (r *Relay) SetStatus(ctx context.Context, ticketID int64, status string, by *core.User) (bool, error) {
	t, err := r.Store.Ticket(ctx, ticketID)
	if err != nil {
		return false, err
	}
	if by != nil && !by.IsStaff() {
		ok := by.DisabledAt == nil && t.OpenerID != nil && *t.OpenerID == by.ID
		if !ok && by.DisabledAt == nil {
			if ok, err = r.Store.IsParticipant(ctx, nil, t.ID, by.ID); err != nil {
				return false, err
			}
		}
		if !ok {
			return false, core.E(core.EFORBIDDEN, "tickets.status.forbidden")
		}
	}
	who := "JayayaCRM"
	if by != nil {
		who = by.Name
	}
	// Each thread's line in its readers' language: the client's who
	// opened the ticket on Discord, the staff channel's on Slack.
	discordLang, slackLang := r.threadLocale(ctx, t), r.slackThreadLocale(t)
	changed := false
	err = r.inTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
		if changed, err = r.Store.SetTicketStatus(ctx, tx.Bun(), t.ID, status); err != nil || !changed {
			return err
		}
		closed := status == core.TicketClosed
		id := "tickets.notice.reopened"
		if closed {
			id = "tickets.notice.closed"
		}
		args := i18n.Args{"Number": t.Number, "Name": who}
		var ds []*core.Delivery
		if r.discordOn() {
			notice := delivery(t, KindDiscordNotice, core.PlatformDiscord, DiscordNoticePayload{TicketID: t.ID,
				Text: neutralizeMass(i18n.T(discordLang, id, args))})
			status := delivery(t, KindDiscordStatus, core.PlatformDiscord, DiscordStatusPayload{TicketID: t.ID, Closed: closed})
			if closed {
				ds = append(ds, notice, status) // say it, then archive and lock
			} else {
				ds = append(ds, status, notice) // unlock, then say it
			}
		}
		if r.slackOn() {
			ds = append(ds,
				delivery(t, KindSlackNotice, core.PlatformSlack, SlackNoticePayload{TicketID: t.ID, Text: DiscordToSlack(i18n.T(slackLang, id, args))}),
				delivery(t, KindSlackCard, core.PlatformSlack, SlackCardPayload{TicketID: t.ID}))
		}
		return tx.Enqueue(ctx, ds...)
	})
	if err != nil {
		return false, err
	}
	if changed {
		r.log().Info("ticket status changed", "ticket", t.Number, "status", status)
	}
	return changed, nil
}
