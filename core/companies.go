package core

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// CompanyInput holds a company's editable details.
type CompanyInput struct {
	Name        string
	Address     string
	Phone       string
	Email       string
	Website     string
	InterestIDs []int64
}

// CompanyUpdate is a partial update of a company; nil fields are left alone
// and a non-nil InterestIDs replaces the company's interests.
type CompanyUpdate struct {
	Name        *string
	Address     *string
	Phone       *string
	Email       *string
	Website     *string
	InterestIDs *[]int64
}

func (c *Company) setName(name string) error {
	n, err := text("name", "core.field.company_name", name, 200, true)
	if err != nil {
		return err
	}
	c.Name, c.NameKey, c.Search = n, Fold(n), Fold(n)
	if c.NameKey == "" {
		return InvalidE("name", "core.company.name_letters")
	}
	return nil
}

func (c *Company) apply(up CompanyUpdate) error {
	var err error
	if up.Name != nil {
		if err = c.setName(*up.Name); err != nil {
			return err
		}
	}
	if up.Address != nil {
		if c.Address, err = text("address", "core.field.address", *up.Address, 500, false); err != nil {
			return err
		}
	}
	if up.Phone != nil {
		if c.Phone, err = validPhone("phone", *up.Phone); err != nil {
			return err
		}
	}
	if up.Email != nil {
		if c.Email, err = validEmail("email", *up.Email); err != nil {
			return err
		}
	}
	if up.Website != nil {
		if c.Website, err = validWebsite("website", *up.Website); err != nil {
			return err
		}
	}
	return nil
}

func companyConflict(c *Company) error {
	return FieldE(ECONFLICT, "name", "core.company.name_taken", i18n.Args{"Name": c.Name})
}

// CreateCompany adds a company with its interests. Errors: EINVALID,
// ECONFLICT (same name ignoring case and accents), ENOTFOUND (an interest).
func (s *Store) CreateCompany(ctx context.Context, in CompanyInput) (*Company, error) {
	c := &Company{}
	if err := c.apply(CompanyUpdate{Name: &in.Name, Address: &in.Address, Phone: &in.Phone, Email: &in.Email, Website: &in.Website}); err != nil {
		return nil, err
	}
	c.CreatedAt = s.now()
	c.UpdatedAt = c.CreatedAt
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if n, err := tx.NewSelect().Model((*Company)(nil)).Where("name_key = ?", c.NameKey).Count(ctx); err != nil {
			return err
		} else if n > 0 {
			return companyConflict(c)
		}
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return setCompanyInterests(ctx, tx, c.ID, in.InterestIDs)
	})
	if isUniqueViolation(err) {
		return nil, companyConflict(c)
	}
	if err != nil {
		return nil, err
	}
	return s.Company(ctx, c.ID)
}

// UpdateCompany edits a company. Errors: ENOTFOUND, EINVALID, ECONFLICT.
func (s *Store) UpdateCompany(ctx context.Context, id int64, up CompanyUpdate) (*Company, error) {
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := companyByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := c.apply(up); err != nil {
			return err
		}
		c.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(c).WherePK().Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return companyConflict(c)
			}
			return err
		}
		if up.InterestIDs != nil {
			return setCompanyInterests(ctx, tx, c.ID, *up.InterestIDs)
		}
		return nil
	})
	if isUniqueViolation(err) {
		return nil, E(ECONFLICT, "core.company.taken")
	}
	if err != nil {
		return nil, err
	}
	return s.Company(ctx, id)
}

func setCompanyInterests(ctx context.Context, tx bun.IDB, companyID int64, ids []int64) error {
	if _, err := tx.NewDelete().Model((*CompanyInterest)(nil)).Where("company_id = ?", companyID).Exec(ctx); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		n, err := tx.NewSelect().Model((*Interest)(nil)).Where("id = ?", id).Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return FieldE(ENOTFOUND, "interests", "core.company.interest_gone")
		}
		if _, err := tx.NewInsert().Model(&CompanyInterest{CompanyID: companyID, InterestID: id}).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// DeleteCompany deletes a company with its comments and links (people stay).
// Errors: ENOTFOUND.
func (s *Store) DeleteCompany(ctx context.Context, id int64) error {
	res, err := s.DB.NewDelete().Model((*Company)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return E(ENOTFOUND, "core.company.not_found")
	}
	return nil
}

func companyByID(ctx context.Context, db bun.IDB, id int64) (*Company, error) {
	c := new(Company)
	err := db.NewSelect().Model(c).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.company.not_found")
	}
	return c, err
}

// Company returns a company with its interests. Errors: ENOTFOUND.
func (s *Store) Company(ctx context.Context, id int64) (*Company, error) {
	c := new(Company)
	err := s.DB.NewSelect().Model(c).Where("company.id = ?", id).
		Relation("Interests", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("interest.name_key") }).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.company.not_found")
	}
	return c, err
}

// SearchCompanies finds companies whose name contains every word of query,
// ignoring case and accents, best (shortest) names first, at most limit.
func (s *Store) SearchCompanies(ctx context.Context, query string, limit int) ([]*Company, error) {
	toks := searchTokens(query)
	if len(toks) == 0 {
		return nil, InvalidE("query", "core.company.query_empty")
	}
	if limit <= 0 || limit > 200 {
		limit = 25
	}
	var out []*Company
	q := s.DB.NewSelect().Model(&out)
	for _, t := range toks {
		q = q.Where("company.search LIKE ? ESCAPE '\\'", "%"+likeEscape(t)+"%")
	}
	err := q.OrderExpr("length(company.search), company.name_key").Limit(int64(limit)).
		Relation("Interests", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("interest.name_key") }).
		Scan(ctx)
	return out, err
}

// CompanyByName returns the company with exactly this name, ignoring case
// and accents. Errors: ENOTFOUND.
func (s *Store) CompanyByName(ctx context.Context, name string) (*Company, error) {
	var id int64
	err := s.DB.NewSelect().Model((*Company)(nil)).Column("id").Where("name_key = ?", Fold(name)).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.company.not_named", i18n.Args{"Name": name})
	}
	if err != nil {
		return nil, err
	}
	return s.Company(ctx, id)
}
