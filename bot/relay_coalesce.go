package bot

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/core"
)

// Coalescing. A platform's posting budget (Slack: about one post a second
// in the staff channel; Discord: five posts per two seconds per webhook)
// is the bottleneck of a busy relay. When a ticket's post waits to leave
// while more messages of the same author are queued right behind it, they
// leave together as one post, one message per line, within the platform's
// size limit. Every message keeps its own copy record (its target ID is the
// combined post) and gets its own receipt; an edit or deletion of one of
// them rewrites the combined post (Relay.Prepare).

// mergeLookAhead bounds how many deliveries queued behind a post are read
// to find the ones that can join it.
const mergeLookAhead = 50

// Prepare is the delivery worker's Prepare. A post of one single-part
// message without files takes with it the posts of the same author queued
// right behind it in the ticket's stream (merged, see MergedMessage). An
// edit or deletion of a message whose post was shared with others becomes
// an edit of that post with the text of those still there.
func (r *Relay) Prepare(ctx context.Context, d *core.Delivery) (*core.Delivery, []int64, error) {
	switch d.Kind {
	case KindSlackPost:
		return r.mergeSlackPosts(ctx, d)
	case KindDiscordPost:
		return r.mergeDiscordPosts(ctx, d)
	case KindSlackEdit, KindSlackDelete, KindDiscordEdit, KindDiscordDelete:
		return r.rewriteSharedPost(ctx, d)
	}
	return nil, nil, nil
}

// mayLead reports whether d can take followers: only on an attempt that
// follows none that may have posted it. A retry after an unknown outcome
// may find its earlier post, which carries d alone: followers merged into
// it then would never be posted.
func (r *Relay) mayLead(ctx context.Context, d *core.Delivery) bool {
	tried, err := r.Store.MayHaveBeenTried(ctx, d)
	return err == nil && !tried
}

// followers returns the deliveries queued right behind d in its stream
// that join it: of d's kind, accepted by join, up to the first that is
// not.
func (r *Relay) followers(ctx context.Context, d *core.Delivery, join func(next *core.Delivery) bool) ([]int64, error) {
	later, err := r.Store.LaterPending(ctx, d.Stream, d.ID, "", mergeLookAhead)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, l := range later {
		if l.Kind != d.Kind || !join(l) {
			break
		}
		ids = append(ids, l.ID)
	}
	return ids, nil
}

// merger grows one combined text within limit characters.
type merger struct {
	text  string
	runes int
	limit int
}

// add appends next on a line of its own, if it fits.
func (m *merger) add(next string) bool {
	n := utf8.RuneCountInString(next)
	if m.runes+1+n > m.limit {
		return false
	}
	m.text += "\n" + next
	m.runes += 1 + n
	return true
}

func newMerger(text string, limit int) *merger {
	return &merger{text: text, runes: utf8.RuneCountInString(text), limit: limit}
}

// slackAlone reports whether a Slack post is a whole message on its own,
// without files, not merged yet: one that can lead or join a merge.
func slackAlone(p SlackPostPayload) bool {
	return p.Parts == 1 && len(p.Attachments) == 0 && !p.FilesFollow && len(p.Merged) == 0
}

func (r *Relay) mergeSlackPosts(ctx context.Context, d *core.Delivery) (*core.Delivery, []int64, error) {
	p, err := DecodePayload[SlackPostPayload](d)
	if err != nil || !slackAlone(p) || !r.mayLead(ctx, d) {
		return nil, nil, nil
	}
	text := newMerger(p.Text, SlackTextLimit)
	ids, err := r.followers(ctx, d, func(l *core.Delivery) bool {
		q, err := DecodePayload[SlackPostPayload](l)
		if err != nil || !slackAlone(q) || q.TicketID != p.TicketID || q.AuthorName != p.AuthorName || q.AvatarURL != p.AvatarURL || !text.add(q.Text) {
			return false
		}
		p.Merged = append(p.Merged, MergedMessage{DeliveryID: l.ID, MessageID: q.MessageID, Source: q.Source})
		return true
	})
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	p.Text = text.text
	out := *d
	out.Payload = mustJSON(p)
	return &out, ids, nil
}

// discordAlone is slackAlone for Discord posts; a client's first message
// copied into the new thread never merges.
func discordAlone(p DiscordPostPayload) bool {
	return p.Parts == 1 && len(p.Files) == 0 && !p.Copy && len(p.Merged) == 0
}

func (r *Relay) mergeDiscordPosts(ctx context.Context, d *core.Delivery) (*core.Delivery, []int64, error) {
	p, err := DecodePayload[DiscordPostPayload](d)
	if err != nil || !discordAlone(p) || !r.mayLead(ctx, d) {
		return nil, nil, nil
	}
	text := newMerger(p.Text, DiscordTextLimit)
	ids, err := r.followers(ctx, d, func(l *core.Delivery) bool {
		q, err := DecodePayload[DiscordPostPayload](l)
		if err != nil || !discordAlone(q) || q.TicketID != p.TicketID || q.AuthorName != p.AuthorName || q.AvatarURL != p.AvatarURL || !text.add(q.Text) {
			return false
		}
		p.Merged = append(p.Merged, MergedMessage{DeliveryID: l.ID, MessageID: q.MessageID, Source: q.Source})
		return true
	})
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	p.Text = text.text
	out := *d
	out.Payload = mustJSON(p)
	return &out, ids, nil
}

// rewriteSharedPost turns the edit or deletion of a message whose post is
// shared with others (merged) into an edit of that post with the current
// text of those not deleted, one per line. It changes nothing for a
// message with a post of its own, or when every message of the post is
// deleted (the post then goes).
func (r *Relay) rewriteSharedPost(ctx context.Context, d *core.Delivery) (*core.Delivery, []int64, error) {
	if d.MessageID == nil {
		return nil, nil, nil
	}
	m, err := r.Store.MessageByID(ctx, *d.MessageID)
	if err != nil {
		return nil, nil, err
	}
	targets := TargetIDs(m)
	if len(targets) != 1 {
		return nil, nil, nil // merged posts are single posts
	}
	shared, err := r.Store.MessagesByTarget(ctx, m.TicketID, targets[0])
	if err != nil || len(shared) < 2 {
		return nil, nil, err
	}
	toSlack := d.Platform == core.PlatformSlack
	var lines []string
	for _, o := range shared {
		switch {
		case o.SourcePlatform != m.SourcePlatform || o.DeletedAt != nil:
		case toSlack:
			lines = append(lines, DiscordToSlack(o.Body))
		default:
			lines = append(lines, discordBody(o)+AttachmentLinks(o.Attachments))
		}
	}
	if len(lines) == 0 {
		return nil, nil, nil
	}
	text := strings.Join(lines, "\n")
	out := *d
	if toSlack {
		out.Kind = KindSlackEdit
		out.Payload = mustJSON(SlackEditPayload{TicketID: m.TicketID, MessageID: m.ID, Text: text})
	} else {
		out.Kind = KindDiscordEdit
		out.Payload = mustJSON(DiscordEditPayload{TicketID: m.TicketID, MessageID: m.ID, AuthorName: m.AuthorName, Text: text})
	}
	return &out, nil, nil
}
