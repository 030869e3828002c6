package core

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// CreateInterestAs adds an interest on behalf of an admin and records it in
// the audit log, in one transaction. Errors: like CreateInterest.
func (s *Store) CreateInterestAs(ctx context.Context, a Actor, name, color string) (*Interest, error) {
	return s.CreateInterestWithAs(ctx, a, InterestUpdate{Name: &name, Color: &color})
}

// CreateInterestWithAs is CreateInterestAs from a form: Name and Color,
// and SlackChannel when the interest's tickets go to a channel of their
// own (checked first; nothing is saved when the bot cannot post there).
// Errors: like CreateInterest.
func (s *Store) CreateInterestWithAs(ctx context.Context, a Actor, up InterestUpdate) (*Interest, error) {
	var name, color string
	if up.Name != nil {
		name = *up.Name
	}
	if up.Color != nil {
		color = *up.Color
	}
	// What can be refused without Slack is refused before the channel
	// is checked (which may join it).
	check := &Interest{}
	var err error
	if check.Name, check.NameKey, err = interestName(name); err != nil {
		return nil, err
	}
	if _, err := interestColor(color); err != nil {
		return nil, err
	}
	if err := interestNameFree(ctx, s.DB, check); err != nil {
		return nil, err
	}
	route, err := s.prepareInterestRoute(ctx, 0, up.SlackChannel)
	if err != nil {
		return nil, err
	}
	var in *Interest
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if in, err = s.CreateInterestTx(ctx, tx, name, color); err != nil {
			return err
		}
		details := []i18n.Msg{i18n.M("audit.interest.created", i18n.Args{"Color": in.Color})}
		if more, err := s.applyInterestRoute(ctx, tx, in.ID, route); err != nil {
			return err
		} else if more != nil {
			details = append(details, *more)
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditInterestCreate, "interest", in.ID, in.Name, details...))
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// UpdateInterestAs renames and/or recolours an interest on behalf of an
// admin and records the change. Errors: like UpdateInterest.
func (s *Store) UpdateInterestAs(ctx context.Context, a Actor, id int64, up InterestUpdate) (*Interest, error) {
	route, err := s.prepareInterestRoute(ctx, id, up.SlackChannel)
	if err != nil {
		return nil, err
	}
	var after *Interest
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		before, err := interestByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if after, err = s.UpdateInterestTx(ctx, tx, id, up); err != nil {
			return err
		}
		var details []i18n.Msg
		if before.Name != after.Name {
			details = append(details, i18n.M("audit.interest.renamed", i18n.Args{"Old": before.Name, "New": after.Name}))
		}
		if before.Color != after.Color {
			details = append(details, i18n.M("audit.interest.recoloured", i18n.Args{"Old": before.Color, "New": after.Color}))
		}
		if more, err := s.applyInterestRoute(ctx, tx, id, route); err != nil {
			return err
		} else if more != nil {
			details = append(details, *more)
		}
		if len(details) == 0 {
			return nil
		}
		return s.RecordAudit(ctx, tx, a.entry(AuditInterestUpdate, "interest", after.ID, after.Name, details...))
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

// DeleteInterestAs deletes an interest on behalf of an admin, detaching it
// from its companies, and records how many lost it. Errors: ENOTFOUND.
func (s *Store) DeleteInterestAs(ctx context.Context, a Actor, id int64) (lost int, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		in, n, err := s.DeleteInterestTx(ctx, tx, id)
		if err != nil {
			return err
		}
		lost = n
		return s.RecordAudit(ctx, tx, a.entry(AuditInterestDelete, "interest", in.ID, in.Name, i18n.MN("audit.interest.deleted", n)))
	})
	return lost, err
}

// InterestWithCount returns one interest with the number of companies that
// have it. Errors: ENOTFOUND.
func (s *Store) InterestWithCount(ctx context.Context, id int64) (*Interest, error) {
	in, err := s.Interest(ctx, id)
	if err != nil {
		return nil, err
	}
	n, err := s.DB.NewSelect().Model((*CompanyInterest)(nil)).Where("interest_id = ?", id).Count(ctx)
	in.Companies = int(n)
	return in, err
}
