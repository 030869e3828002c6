package bot

import (
	"context"
	"strings"
	"time"
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
// them rewrites the combined post (the kinds' Prepare, see Relay.Kinds).

// mergeLookAhead bounds how many deliveries queued behind a post are read
// to find the ones that can join it.
const mergeLookAhead = 50

// mergeSlackPosts and mergeDiscordPosts are the Prepare of post kinds: a
// post of one single-part message without files takes with it the posts
// of the same author queued right behind it in the ticket's stream
// (merged, see MergedMessage), within half the platform's limit.
func (r *Relay) mergeSlackPosts(ctx context.Context, d *core.Delivery) (*core.Delivery, []int64, error) {
	return mergePosts[SlackPostPayload](ctx, r, d, SlackTextLimit/2)
}

func (r *Relay) mergeDiscordPosts(ctx context.Context, d *core.Delivery) (*core.Delivery, []int64, error) {
	return mergePosts[DiscordPostPayload](ctx, r, d, DiscordTextLimit/2)
}

// mayLead reports whether d can take followers: only on an attempt that
// follows none that may have posted it. A retry after an unknown outcome
// may find its earlier post, which carries d alone: followers merged into
// it then would never be posted.
func (r *Relay) mayLead(ctx context.Context, d *core.Delivery) bool {
	tried, err := r.Store.MayHaveBeenTried(ctx, d)
	return err == nil && !tried
}

// crowded reports whether d's post budget is busy (BudgetBusy; always
// when BudgetBusy is not set) and how long lingering is free. Only a post
// whose budget is busy takes others with it: when it is not, the post
// goes at once, without looking for followers (no query per message when
// the channel is quiet), and what is queued behind it leaves soon enough
// one by one.
func (r *Relay) crowded(d *core.Delivery) (bool, time.Duration) {
	if r.BudgetBusy == nil {
		return true, 0
	}
	return r.BudgetBusy(d)
}

// linger holds a post whose budget is busy, so that more can join it: as
// long as the budget would hold it anyway (wait), at most Linger (default
// 250 ms); Linger when the budget has room but is crowded. Without
// BudgetBusy it does not wait.
func (r *Relay) linger(ctx context.Context, wait time.Duration) {
	if r.BudgetBusy == nil {
		return
	}
	most := r.Linger
	if most <= 0 {
		most = 250 * time.Millisecond
	}
	if wait <= 0 || wait > most {
		wait = most
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
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

// postKey is what posts must share to leave as one: the ticket, and the
// author's name and avatar they are shown under.
type postKey struct {
	ticket         int64
	author, avatar string
}

// mergeView is what coalescing needs of a post payload, pointing into it.
type mergeView struct {
	key postKey
	// alone: a whole message on its own, without files, not merged yet:
	// a post that can lead or join a merge.
	alone  bool
	text   *string
	merged *[]MergedMessage
	// as is the post as a follower (its DeliveryID left to fill).
	as MergedMessage
}

func (p *SlackPostPayload) mergeView() mergeView {
	return mergeView{
		key:   postKey{p.TicketID, p.AuthorName, p.AvatarURL},
		alone: p.Parts == 1 && len(p.Attachments) == 0 && !p.FilesFollow && len(p.Merged) == 0,
		text:  &p.Text, merged: &p.Merged, as: MergedMessage{MessageID: p.MessageID, Source: p.Source},
	}
}

// A client's first message copied into the new thread never merges.
func (p *DiscordPostPayload) mergeView() mergeView {
	return mergeView{
		key:   postKey{p.TicketID, p.AuthorName, p.AvatarURL},
		alone: p.Parts == 1 && len(p.Files) == 0 && !p.Copy && len(p.Merged) == 0,
		text:  &p.Text, merged: &p.Merged, as: MergedMessage{MessageID: p.MessageID, Source: p.Source},
	}
}

// mergePosts makes post d (payload P) carry the posts queued right behind
// it that can join it, within limit characters. Prepare gives half the
// platform's limit: an edit of one of the messages then still fits in
// the shared post unless it more than doubles the whole.
func mergePosts[P any, PP interface {
	*P
	mergeView() mergeView
}](ctx context.Context, r *Relay, d *core.Delivery, limit int) (*core.Delivery, []int64, error) {
	p, err := DecodePayload[P](d)
	head := PP(&p).mergeView()
	if err != nil || !head.alone {
		return nil, nil, nil
	}
	busy, wait := r.crowded(d)
	if !busy || !r.mayLead(ctx, d) {
		return nil, nil, nil
	}
	r.linger(ctx, wait)
	text := newMerger(*head.text, limit)
	ids, err := r.followers(ctx, d, func(l *core.Delivery) bool {
		q, err := DecodePayload[P](l)
		next := PP(&q).mergeView()
		if err != nil || !next.alone || next.key != head.key || !text.add(*next.text) {
			return false
		}
		next.as.DeliveryID = l.ID
		*head.merged = append(*head.merged, next.as)
		return true
	})
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	*head.text = text.text
	out := *d
	out.Payload = mustJSON(p)
	return &out, ids, nil
}

// rewriteSharedPost, the Prepare of edit and delete kinds, turns the edit
// or deletion of a message whose post is shared with others (merged) into
// an edit of that post with the current text of those not deleted, one
// per line. It changes nothing for a message with a post of its own, or
// when every message of the post is deleted (the post then goes).
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
