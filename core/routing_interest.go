package core

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// An interest's routing rule is also its "Slack channel" in the interest
// form: the form sets, changes or removes it.

// InterestRoute returns the routing rule of an interest, nil when it has
// none.
func (s *Store) InterestRoute(ctx context.Context, interestID int64) (*RoutingRule, error) {
	return interestRoute(ctx, s.DB, interestID)
}

func interestRoute(ctx context.Context, db bun.IDB, interestID int64) (*RoutingRule, error) {
	r := new(RoutingRule)
	err := db.NewSelect().Model(r).Where("interest_id = ?", interestID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// interestRouteChange is a change of an interest's Slack channel, checked
// before its transaction: Channel "" removes the rule.
type interestRouteChange struct {
	Channel string
	Name    string // the channel's name, from the check
}

// prepareInterestRoute checks the Slack channel an interest form asks
// for, before any transaction: nil when the form leaves it alone or names
// the channel the interest has. Errors: EINVALID.
func (s *Store) prepareInterestRoute(ctx context.Context, interestID int64, channel *string) (*interestRouteChange, error) {
	if channel == nil {
		return nil, nil
	}
	ch := strings.TrimSpace(*channel)
	if interestID != 0 {
		cur, err := interestRoute(ctx, s.DB, interestID)
		if err != nil {
			return nil, err
		}
		if (cur == nil && ch == "") || (cur != nil && cur.SlackChannelID == ch) {
			return nil, nil
		}
	}
	if ch == "" {
		return &interestRouteChange{}, nil
	}
	if _, err := slackChannelField(ch); err != nil {
		return nil, err
	}
	name, err := s.checkSlackChannel(ctx, ch)
	if err != nil {
		return nil, err
	}
	return &interestRouteChange{Channel: ch, Name: name}, nil
}

// applyInterestRoute sets, changes or removes an interest's rule in tx
// and returns the audit detail of the change ("" for none). A new rule
// comes last of the interest rules.
func (s *Store) applyInterestRoute(ctx context.Context, tx bun.IDB, interestID int64, ch *interestRouteChange) (*i18n.Msg, error) {
	if ch == nil {
		return nil, nil
	}
	cur, err := interestRoute(ctx, tx, interestID)
	if err != nil {
		return nil, err
	}
	var before any = i18n.M("common.none")
	if cur != nil {
		before = channelLabel(cur)
	}
	change := func(after any) *i18n.Msg {
		m := i18n.M("audit.interest.channel", i18n.Args{"Old": before, "New": after})
		return &m
	}
	switch {
	case ch.Channel == "" && cur == nil:
		return nil, nil
	case ch.Channel == "":
		_, err := tx.NewDelete().Model((*RoutingRule)(nil)).Where("id = ?", cur.ID).Exec(ctx)
		return change(i18n.M("common.none")), err
	case cur != nil:
		cur.SlackChannelID, cur.SlackChannelName = ch.Channel, ch.Name
		_, err := tx.NewUpdate().Model(cur).Column("slack_channel_id", "slack_channel_name").WherePK().Exec(ctx)
		return change(channelLabel(cur)), err
	}
	r := &RoutingRule{Kind: RuleInterest, InterestID: &interestID, SlackChannelID: ch.Channel, SlackChannelName: ch.Name}
	if err := s.insertRuleTx(ctx, tx, r); err != nil {
		return nil, err
	}
	return change(channelLabel(r)), nil
}
