package core

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// PersonLink ties a person to a company with the job title held there.
type PersonLink struct {
	CompanyID int64
	JobTitle  string
}

// PersonInput holds a person's details and companies (none: independent).
type PersonInput struct {
	FirstName string
	LastName  string
	Email     string
	Phone     string
	JobTitle  string
	Companies []PersonLink
}

// PersonUpdate is a partial update of a person; a non-nil Companies replaces
// every company link.
type PersonUpdate struct {
	FirstName *string
	LastName  *string
	Email     *string
	Phone     *string
	JobTitle  *string
	Companies *[]PersonLink
}

// CompanyMember is a person as seen from a company.
type CompanyMember struct {
	Person   *Person
	JobTitle string
}

// Affiliation is a company as seen from a person.
type Affiliation struct {
	Company  *Company
	JobTitle string
}

func (p *Person) apply(up PersonUpdate) error {
	var err error
	if up.FirstName != nil {
		if p.FirstName, err = text("first_name", "core.field.first_name", *up.FirstName, 100, true); err != nil {
			return err
		}
	}
	if up.LastName != nil {
		if p.LastName, err = text("last_name", "core.field.last_name", *up.LastName, 100, false); err != nil {
			return err
		}
	}
	if up.Email != nil {
		if p.Email, err = validEmail("email", *up.Email); err != nil {
			return err
		}
	}
	if up.Phone != nil {
		if p.Phone, err = validPhone("phone", *up.Phone); err != nil {
			return err
		}
	}
	if up.JobTitle != nil {
		if p.JobTitle, err = text("job_title", "core.field.job_title", *up.JobTitle, 100, false); err != nil {
			return err
		}
	}
	p.Search = Fold(p.FirstName + " " + p.LastName)
	return nil
}

// CreatePerson adds a person and links them to companies. Errors: EINVALID,
// ENOTFOUND (a company).
func (s *Store) CreatePerson(ctx context.Context, in PersonInput) (*Person, error) {
	p := &Person{}
	if err := p.apply(PersonUpdate{FirstName: &in.FirstName, LastName: &in.LastName, Email: &in.Email, Phone: &in.Phone, JobTitle: &in.JobTitle}); err != nil {
		return nil, err
	}
	p.CreatedAt = s.now()
	p.UpdatedAt = p.CreatedAt
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(p).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return setPersonCompanies(ctx, tx, p.ID, in.Companies, p.JobTitle)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UpdatePerson edits a person, from the person's card or a company's.
// Errors: ENOTFOUND, EINVALID.
func (s *Store) UpdatePerson(ctx context.Context, id int64, up PersonUpdate) (*Person, error) {
	var p *Person
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = personByID(ctx, tx, id); err != nil {
			return err
		}
		if err := p.apply(up); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(p).WherePK().Exec(ctx); err != nil {
			return err
		}
		if up.Companies != nil {
			return setPersonCompanies(ctx, tx, id, *up.Companies, p.JobTitle)
		}
		return nil
	})
	return p, err
}

func setPersonCompanies(ctx context.Context, tx bun.IDB, personID int64, links []PersonLink, defaultTitle string) error {
	if _, err := tx.NewDelete().Model((*CompanyPerson)(nil)).Where("person_id = ?", personID).Exec(ctx); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, l := range links {
		if seen[l.CompanyID] {
			continue
		}
		seen[l.CompanyID] = true
		if _, err := companyByID(ctx, tx, l.CompanyID); err != nil {
			return FieldE(ENOTFOUND, "companies", "core.person.company_gone")
		}
		title, err := text("job_title", "core.field.job_title", l.JobTitle, 100, false)
		if err != nil {
			return err
		}
		if title == "" {
			title = defaultTitle
		}
		if _, err := tx.NewInsert().Model(&CompanyPerson{CompanyID: l.CompanyID, PersonID: personID, JobTitle: title}).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// LinkPerson links a person to a company (or changes the job title held
// there). Errors: ENOTFOUND, EINVALID.
func (s *Store) LinkPerson(ctx context.Context, companyID, personID int64, jobTitle string) error {
	title, err := text("job_title", "core.field.job_title", jobTitle, 100, false)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := companyByID(ctx, tx, companyID); err != nil {
			return err
		}
		if _, err := personByID(ctx, tx, personID); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&CompanyPerson{CompanyID: companyID, PersonID: personID, JobTitle: title}).
			On("CONFLICT (company_id, person_id) DO UPDATE").Set("job_title = EXCLUDED.job_title").Exec(ctx)
		return err
	})
}

// UnlinkPerson removes a person from a company. Errors: ENOTFOUND.
func (s *Store) UnlinkPerson(ctx context.Context, companyID, personID int64) error {
	res, err := s.DB.NewDelete().Model((*CompanyPerson)(nil)).Where("company_id = ? AND person_id = ?", companyID, personID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return E(ENOTFOUND, "core.person.not_linked")
	}
	return nil
}

// DeletePerson deletes a person and their company links. Errors: ENOTFOUND.
func (s *Store) DeletePerson(ctx context.Context, id int64) error {
	res, err := s.DB.NewDelete().Model((*Person)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return E(ENOTFOUND, "core.person.not_found")
	}
	return nil
}

func personByID(ctx context.Context, db bun.IDB, id int64) (*Person, error) {
	p := new(Person)
	err := db.NewSelect().Model(p).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, E(ENOTFOUND, "core.person.not_found")
	}
	return p, err
}

// Person returns one person. Errors: ENOTFOUND.
func (s *Store) Person(ctx context.Context, id int64) (*Person, error) {
	return personByID(ctx, s.DB, id)
}

// SearchPeople finds people whose name contains every word of query,
// ignoring case and accents, at most limit.
func (s *Store) SearchPeople(ctx context.Context, query string, limit int) ([]*Person, error) {
	toks := searchTokens(query)
	if len(toks) == 0 {
		return nil, InvalidE("query", "core.search.query_empty")
	}
	if limit <= 0 || limit > 200 {
		limit = 25
	}
	var out []*Person
	q := s.DB.NewSelect().Model(&out)
	for _, t := range toks {
		q = q.Where("search LIKE ? ESCAPE '\\'", "%"+likeEscape(t)+"%")
	}
	return out, q.OrderExpr("length(search), search, id").Limit(int64(limit)).Scan(ctx)
}

// CompanyPeople returns the people linked to a company, by name.
func (s *Store) CompanyPeople(ctx context.Context, companyID int64) ([]CompanyMember, error) {
	var rows []struct {
		Person
		LinkTitle string `bun:"link_title"`
	}
	err := s.DB.NewSelect().TableExpr("people AS person").ColumnExpr("person.*, cp.job_title AS link_title").
		Join("JOIN company_people AS cp ON cp.person_id = person.id").
		Where("cp.company_id = ?", companyID).OrderExpr("person.search, person.id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]CompanyMember, len(rows))
	for i := range rows {
		p := rows[i].Person
		out[i] = CompanyMember{Person: &p, JobTitle: rows[i].LinkTitle}
	}
	return out, nil
}

// PersonCompanies returns the companies a person is linked to, by name.
func (s *Store) PersonCompanies(ctx context.Context, personID int64) ([]Affiliation, error) {
	var links []CompanyPerson
	if err := s.DB.NewSelect().Model(&links).Where("person_id = ?", personID).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]Affiliation, 0, len(links))
	for _, l := range links {
		c, err := s.Company(ctx, l.CompanyID)
		if err != nil {
			return nil, err
		}
		out = append(out, Affiliation{Company: c, JobTitle: l.JobTitle})
	}
	slices.SortFunc(out, func(a, b Affiliation) int { return strings.Compare(a.Company.NameKey, b.Company.NameKey) })
	return out, nil
}
