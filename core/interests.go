package core

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// InterestUpdate is a partial update of an interest. SlackChannel, when
// set, is the Slack channel ID its tickets go to (its routing rule), ""
// for none; a new channel is checked first (Store.SlackChannels).
type InterestUpdate struct {
	Name         *string
	Color        *string
	SlackChannel *string
}

func interestName(s string) (name, key string, err error) {
	if name, err = text("name", "core.field.interest_name", s, 60, true); err != nil {
		return "", "", err
	}
	return name, strings.ToLower(name), nil
}

func interestColor(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !ValidColor(s) {
		return "", InvalidE("color", "core.interest.color_invalid", i18n.Args{"Value": s})
	}
	return strings.ToUpper(s), nil
}

// CreateInterest adds an interest. Errors: EINVALID, ECONFLICT (the name
// exists, whatever its case).
func (s *Store) CreateInterest(ctx context.Context, name, color string) (*Interest, error) {
	return s.CreateInterestTx(ctx, s.DB, name, color)
}

// CreateInterestTx is CreateInterest inside the caller's transaction.
// Errors: like CreateInterest.
func (s *Store) CreateInterestTx(ctx context.Context, db bun.IDB, name, color string) (*Interest, error) {
	in := &Interest{}
	var err error
	if in.Name, in.NameKey, err = interestName(name); err != nil {
		return nil, err
	}
	if in.Color, err = interestColor(color); err != nil {
		return nil, err
	}
	if err := interestNameFree(ctx, db, in); err != nil {
		return nil, err
	}
	in.CreatedAt = s.now()
	in.UpdatedAt = in.CreatedAt
	if _, err := db.NewInsert().Model(in).Returning("id").Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return nil, interestConflict(in)
		}
		return nil, err
	}
	return in, nil
}

func interestConflict(in *Interest) error {
	return FieldE(ECONFLICT, "name", "core.interest.name_taken", i18n.Args{"Name": in.Name})
}

// interestNameFree checks the name before the unique index does, because a
// failed statement would abort the caller's PostgreSQL transaction.
func interestNameFree(ctx context.Context, db bun.IDB, in *Interest) error {
	n, err := db.NewSelect().Model((*Interest)(nil)).Where("name_key = ?", in.NameKey).Where("id <> ?", in.ID).Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return interestConflict(in)
	}
	return nil
}

// UpdateInterest renames and/or recolours an interest. Errors: ENOTFOUND,
// EINVALID, ECONFLICT.
func (s *Store) UpdateInterest(ctx context.Context, id int64, up InterestUpdate) (*Interest, error) {
	return s.UpdateInterestTx(ctx, s.DB, id, up)
}

// UpdateInterestTx is UpdateInterest inside the caller's transaction.
// Errors: like UpdateInterest.
func (s *Store) UpdateInterestTx(ctx context.Context, db bun.IDB, id int64, up InterestUpdate) (*Interest, error) {
	in, err := interestByID(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if up.Name != nil {
		if in.Name, in.NameKey, err = interestName(*up.Name); err != nil {
			return nil, err
		}
	}
	if up.Color != nil {
		if in.Color, err = interestColor(*up.Color); err != nil {
			return nil, err
		}
	}
	if err := interestNameFree(ctx, db, in); err != nil {
		return nil, err
	}
	in.UpdatedAt = s.now()
	if _, err := db.NewUpdate().Model(in).WherePK().Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return nil, interestConflict(in)
		}
		return nil, err
	}
	return in, nil
}

// DeleteInterest deletes an interest, detaching it from every company.
// Errors: ENOTFOUND.
func (s *Store) DeleteInterest(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, _, err := s.DeleteInterestTx(ctx, tx, id)
		return err
	})
}

// DeleteInterestTx is DeleteInterest inside the caller's transaction; it
// returns the deleted interest and how many companies lost it. Errors:
// ENOTFOUND.
func (s *Store) DeleteInterestTx(ctx context.Context, tx bun.IDB, id int64) (*Interest, int, error) {
	in, err := interestByID(ctx, tx, id)
	if err != nil {
		return nil, 0, err
	}
	res, err := tx.NewDelete().Model((*CompanyInterest)(nil)).Where("interest_id = ?", id).Exec(ctx)
	if err != nil {
		return nil, 0, err
	}
	lost, _ := res.RowsAffected()
	if _, err := tx.NewDelete().Model((*Interest)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return nil, 0, err
	}
	return in, int(lost), nil
}

// Interest returns one interest. Errors: ENOTFOUND.
func (s *Store) Interest(ctx context.Context, id int64) (*Interest, error) {
	return interestByID(ctx, s.DB, id)
}

func interestByID(ctx context.Context, db bun.IDB, id int64) (*Interest, error) {
	in := new(Interest)
	err := db.NewSelect().Model(in).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.interest.not_found")
	}
	return in, err
}

// ListInterests returns every interest by name, each with the number of
// companies that have it.
func (s *Store) ListInterests(ctx context.Context) ([]*Interest, error) {
	var out []*Interest
	err := s.DB.NewSelect().Model(&out).
		ColumnExpr("interest.*").
		ColumnExpr("(SELECT count(*) FROM company_interests ci WHERE ci.interest_id = interest.id) AS companies").
		OrderExpr("interest.name_key").Scan(ctx)
	return out, err
}
