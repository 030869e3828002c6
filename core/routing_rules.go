package core

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Routing rule kinds, in the order they are tried: a ticket goes to the
// channel of the first rule, in that order, that matches it.
const (
	// RuleCompany matches the tickets of a client who is a person of the
	// company (same e-mail address).
	RuleCompany = "company"
	// RuleInterest matches the tickets of a client one of whose companies
	// has the interest.
	RuleInterest = "interest"
	// RuleDiscord matches the tickets opened from a Discord support
	// channel.
	RuleDiscord = "discord"
)

// RuleKinds are the rule kinds in the order they are tried.
var RuleKinds = []string{RuleCompany, RuleInterest, RuleDiscord}

// Audit actions of routing rules.
const (
	AuditRouteCreate = "route.create"
	AuditRouteDelete = "route.delete"
	AuditRouteMove   = "route.move"
)

// RoutingRule sends the new tickets it matches to a Slack channel: the
// tickets of a company, of an interest, or opened from a Discord support
// channel (exactly one of CompanyID, InterestID, DiscordChannelID, as
// Kind says). Within a kind, rules are tried by Position.
type RoutingRule struct {
	bun.BaseModel `bun:"table:routing_rules,alias:rule"`

	ID               int64     `bun:"id,pk,autoincrement"`
	Kind             string    `bun:"kind,notnull"`
	CompanyID        *int64    `bun:"company_id"`
	InterestID       *int64    `bun:"interest_id"`
	DiscordChannelID *string   `bun:"discord_channel_id"`
	SlackChannelID   string    `bun:"slack_channel_id,notnull"`
	SlackChannelName string    `bun:"slack_channel_name,notnull"`
	Position         int64     `bun:"position,notnull"`
	CreatedAt        time.Time `bun:"created_at,notnull"`

	// Match is what the rule matches, for people: the company's or the
	// interest's name, or the Discord channel's ID (ListRoutingRules).
	Match string `bun:"match,scanonly"`
}

// RoutingRuleInput is a new routing rule: exactly one of Company (a
// company's name, ignoring case and accents), Interest (an interest's
// name, ignoring case) and DiscordChannel (a Discord support channel's
// ID), and the Slack channel's ID its tickets go to.
type RoutingRuleInput struct {
	Company        string
	Interest       string
	DiscordChannel string
	SlackChannel   string
	// SupportChannels, when set, are the Discord support channels
	// (DISCORD_SUPPORT_CHANNEL): a Discord rule must name one of them.
	SupportChannels []string
}

// SlackChannelChecker checks that the bot can post in a Slack channel,
// joining it when it is public, and returns the channel's name. Its
// errors are *Error with EINVALID (unknown, archived, private without
// the bot) and a message for the person who named the channel.
type SlackChannelChecker interface {
	CheckPostable(ctx context.Context, channelID string) (name string, err error)
}

// slackChannelRE is the shape of a Slack channel ID (public C…, private
// G… in older workspaces).
var slackChannelRE = regexp.MustCompile(`^[CG][A-Z0-9]{2,20}$`)

// ValidSlackChannelID reports whether s looks like a Slack channel ID.
func ValidSlackChannelID(s string) bool { return slackChannelRE.MatchString(s) }

// ValidDiscordID reports whether s looks like a Discord ID (a snowflake).
func ValidDiscordID(s string) bool { return discordIDRE.MatchString(s) }

// slackChannelField checks a Slack channel ID typed by a person.
func slackChannelField(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", InvalidE("slack_channel", "routing.rule.channel_required")
	case !ValidSlackChannelID(s):
		return "", InvalidE("slack_channel", "routing.rule.channel_invalid", i18n.Args{"Value": clipText(s, 40)})
	}
	return s, nil
}

// clipText shortens s for an error message.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// checkSlackChannel asks the checker whether the bot can post in
// channel. Without a checker (Slack off) no channel can be checked, so
// none is accepted.
func (s *Store) checkSlackChannel(ctx context.Context, channel string) (string, error) {
	if s.SlackChannels == nil {
		return "", InvalidE("slack_channel", "routing.rule.slack_off")
	}
	name, err := s.SlackChannels.CheckPostable(ctx, channel)
	var e *Error
	if errors.As(err, &e) && e.Field == "" {
		named := *e
		named.Field = "slack_channel"
		return "", &named
	}
	return name, err
}

// resolveRule turns an input into a rule to insert (without its
// position), refusing bad input. Errors: EINVALID, ECONFLICT.
func resolveRule(ctx context.Context, db bun.IDB, in RoutingRuleInput) (*RoutingRule, string, error) {
	company, interest, discord := strings.TrimSpace(in.Company), strings.TrimSpace(in.Interest), strings.TrimSpace(in.DiscordChannel)
	set := 0
	for _, v := range []string{company, interest, discord} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return nil, "", InvalidE("kind", "routing.rule.one_match")
	}
	channel, err := slackChannelField(in.SlackChannel)
	if err != nil {
		return nil, "", err
	}
	r := &RoutingRule{SlackChannelID: channel}
	var label string
	switch {
	case company != "":
		if _, err := plainText("company", "Company", company); err != nil {
			return nil, "", err
		}
		var c Company
		err := db.NewSelect().Model(&c).Column("id", "name").Where("name_key = ?", Fold(company)).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", InvalidE("company", "routing.rule.company_unknown", i18n.Args{"Name": clipText(company, 80)})
		} else if err != nil {
			return nil, "", err
		}
		r.Kind, r.CompanyID, label = RuleCompany, &c.ID, c.Name
	case interest != "":
		if _, err := plainText("interest", "Interest", interest); err != nil {
			return nil, "", err
		}
		var in Interest
		err := db.NewSelect().Model(&in).Column("id", "name").Where("name_key = ?", strings.ToLower(interest)).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", InvalidE("interest", "routing.rule.interest_unknown", i18n.Args{"Name": clipText(interest, 80)})
		} else if err != nil {
			return nil, "", err
		}
		r.Kind, r.InterestID, label = RuleInterest, &in.ID, in.Name
	default:
		if !ValidDiscordID(discord) {
			return nil, "", InvalidE("discord_channel", "routing.rule.discord_invalid", i18n.Args{"Value": clipText(discord, 40)})
		}
		if in.SupportChannels != nil && !slices.Contains(in.SupportChannels, discord) {
			return nil, "", InvalidE("discord_channel", "routing.rule.discord_not_support",
				i18n.Args{"Value": discord, "Channels": strings.Join(in.SupportChannels, ", ")})
		}
		r.Kind, r.DiscordChannelID, label = RuleDiscord, &discord, discord
	}
	if err := ruleFree(ctx, db, r, label); err != nil {
		return nil, "", err
	}
	return r, label, nil
}

// ruleFree refuses a second rule for the same company, interest or
// Discord channel (before the unique index would, which would abort a
// PostgreSQL transaction). Errors: ECONFLICT.
func ruleFree(ctx context.Context, db bun.IDB, r *RoutingRule, label string) error {
	q := db.NewSelect().Model((*RoutingRule)(nil))
	switch r.Kind {
	case RuleCompany:
		q = q.Where("company_id = ?", *r.CompanyID)
	case RuleInterest:
		q = q.Where("interest_id = ?", *r.InterestID)
	default:
		q = q.Where("discord_channel_id = ?", *r.DiscordChannelID)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		e := E(ECONFLICT, "routing.rule."+r.Kind+"_exists", i18n.Args{"Name": label})
		e.Field = r.Kind
		if r.Kind == RuleDiscord {
			e.Field = "discord_channel"
		}
		return e
	}
	return nil
}

// ruleDetail is an audit detail about rule r (matching label): message id
// with the rule's kind, what it matches and its channel.
func ruleDetail(id string, r *RoutingRule, label string) i18n.Msg {
	kind := "routing.page.kind_discord"
	switch r.Kind {
	case RuleCompany:
		kind = "routing.page.kind_company"
	case RuleInterest:
		kind = "routing.page.kind_interest"
	}
	return i18n.M(id, i18n.Args{"Kind": i18n.M(kind), "Match": label, "Channel": channelLabel(r)})
}

// CreateRoutingRuleAs adds a routing rule, last of its kind, on behalf of
// an admin (audited). The Slack channel is checked first (SlackChannels:
// the bot must be able to post there); nothing is saved when anything is
// wrong. Errors: EINVALID (bad or unknown input, a channel the bot cannot
// post in), ECONFLICT (the company, interest or Discord channel has a
// rule).
func (s *Store) CreateRoutingRuleAs(ctx context.Context, a Actor, in RoutingRuleInput) (*RoutingRule, error) {
	if _, _, err := resolveRule(ctx, s.DB, in); err != nil {
		return nil, err
	}
	name, err := s.checkSlackChannel(ctx, strings.TrimSpace(in.SlackChannel))
	if err != nil {
		return nil, err
	}
	var r *RoutingRule
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var label string
		var err error
		if r, label, err = resolveRule(ctx, tx, in); err != nil {
			return err
		}
		r.SlackChannelName, r.Match = name, label
		if err := s.insertRuleTx(ctx, tx, r); err != nil {
			return err
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditRouteCreate, "route", r.ID, label, ruleDetail("audit.route.created", r, label)))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// insertRuleTx inserts r after every other rule.
func (s *Store) insertRuleTx(ctx context.Context, tx bun.IDB, r *RoutingRule) error {
	if err := tx.NewRaw("SELECT coalesce(max(position), 0) + 1 FROM routing_rules").Scan(ctx, &r.Position); err != nil {
		return err
	}
	r.CreatedAt = s.now()
	_, err := tx.NewInsert().Model(r).Returning("id").Exec(ctx)
	return err
}

// channelLabel is "#name (C…)", or the ID alone when the name is unknown.
func channelLabel(r *RoutingRule) string {
	if r.SlackChannelName == "" {
		return r.SlackChannelID
	}
	return "#" + r.SlackChannelName + " (" + r.SlackChannelID + ")"
}

// ListRoutingRules returns every rule in the order they are tried, each
// with what it matches (Match).
func (s *Store) ListRoutingRules(ctx context.Context) ([]*RoutingRule, error) {
	var out []*RoutingRule
	err := s.DB.NewSelect().Model(&out).ColumnExpr("rule.*").ColumnExpr(matchColumn).
		OrderExpr(kindRank + ", rule.position, rule.id").Scan(ctx)
	return out, err
}

// matchColumn is RoutingRule.Match: the company's or interest's name, or
// the Discord channel's ID.
const matchColumn = `coalesce((SELECT c.name FROM companies c WHERE c.id = rule.company_id),
	(SELECT i.name FROM interests i WHERE i.id = rule.interest_id), rule.discord_channel_id, '') AS match`

// kindRank orders rules by kind as they are tried.
const kindRank = "CASE rule.kind WHEN 'company' THEN 0 WHEN 'interest' THEN 1 ELSE 2 END"

func ruleByID(ctx context.Context, db bun.IDB, id int64) (*RoutingRule, error) {
	r := new(RoutingRule)
	err := db.NewSelect().Model(r).ColumnExpr("rule.*").ColumnExpr(matchColumn).Where("rule.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "routing.rule.not_found", i18n.Args{"ID": id})
	}
	return r, err
}

// DeleteRoutingRuleAs deletes a rule on behalf of an admin (audited).
// Tickets it routed keep their channel. Errors: ENOTFOUND.
func (s *Store) DeleteRoutingRuleAs(ctx context.Context, a Actor, id int64) (*RoutingRule, error) {
	var r *RoutingRule
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if r, err = ruleByID(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*RoutingRule)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditRouteDelete, "route", r.ID, r.Match, ruleDetail("audit.route.deleted", r, r.Match)))
	})
	return r, err
}

// MoveRoutingRuleAs moves a rule one place earlier (up) or later among
// the rules of its kind, on behalf of an admin (audited); a rule already
// first (or last) stays. It reports whether the rule moved. Errors:
// ENOTFOUND.
func (s *Store) MoveRoutingRuleAs(ctx context.Context, a Actor, id int64, up bool) (bool, error) {
	moved := false
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := ruleByID(ctx, tx, id)
		if err != nil {
			return err
		}
		q := tx.NewSelect().Model((*RoutingRule)(nil)).Column("id", "position").Where("kind = ?", r.Kind).Limit(1)
		if up {
			q = q.Where("position < ?", r.Position).OrderExpr("position DESC")
		} else {
			q = q.Where("position > ?", r.Position).OrderExpr("position")
		}
		var other RoutingRule
		if err := q.Scan(ctx, &other); errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		// Positions are unique by construction but not by constraint, so
		// the swap needs no placeholder value.
		if _, err := tx.NewUpdate().Model((*RoutingRule)(nil)).Set("position = ?", other.Position).Where("id = ?", r.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*RoutingRule)(nil)).Set("position = ?", r.Position).Where("id = ?", other.ID).Exec(ctx); err != nil {
			return err
		}
		moved = true
		id := "audit.route.moved_down"
		if up {
			id = "audit.route.moved_up"
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditRouteMove, "route", r.ID, r.Match, ruleDetail(id, r, r.Match)))
	})
	return moved, err
}
