package core

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// CountCompanies returns how many companies there are.
func (s *Store) CountCompanies(ctx context.Context) (int, error) {
	n, err := s.DB.NewSelect().Model((*Company)(nil)).Count(ctx)
	return int(n), err
}

// ListCompanies returns companies by name, at most limit (all when
// limit <= 0), without their interests.
func (s *Store) ListCompanies(ctx context.Context, limit int) ([]*Company, error) {
	var out []*Company
	q := s.DB.NewSelect().Model(&out).OrderExpr("name_key, id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	return out, q.Scan(ctx)
}

// TicketMessageCount returns how many messages of a ticket are not deleted,
// and how many of those are internal notes.
func (s *Store) TicketMessageCount(ctx context.Context, ticketID int64) (total, notes int, err error) {
	var row struct {
		Total int `bun:"total"`
		Notes int `bun:"notes"`
	}
	err = s.DB.NewSelect().TableExpr("messages").
		ColumnExpr("count(*) AS total").
		ColumnExpr("coalesce(sum(CASE WHEN internal THEN 1 ELSE 0 END), 0) AS notes").
		Where("ticket_id = ?", ticketID).Where("deleted_at IS NULL").Scan(ctx, &row)
	return row.Total, row.Notes, err
}

// CompanyTickets returns the tickets with the given status (any when
// empty) opened by a client whose email is the email of a person linked to
// the company, newest first, at most limit.
func (s *Store) CompanyTickets(ctx context.Context, companyID int64, status string, limit int) ([]*Ticket, error) {
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	var out []*Ticket
	q := s.DB.NewSelect().Model(&out).
		Where(`EXISTS (SELECT 1 FROM company_people AS cp
			JOIN people AS p ON p.id = cp.person_id
			JOIN users AS u ON u.id = ticket.opener_id
			WHERE cp.company_id = ? AND p.email <> '' AND lower(p.email) = lower(u.email))`, companyID).
		OrderExpr("ticket.number DESC").Limit(int64(limit))
	if status != "" {
		q = q.Where("ticket.status = ?", status)
	}
	return out, q.Scan(ctx)
}

// searchHit is a row found by findIDs.
type searchHit struct {
	ID     int64  `bun:"id"`
	Search string `bun:"search"`
}

// findIDs finds rows of table (companies or people) by their folded search
// column, in three tiers: the exact name, then names starting with the
// query, then names containing every word of it. Each tier is a LIMIT
// query without ORDER BY, so PostgreSQL stops as soon as it has enough
// (indexes: btree text_pattern_ops for the first two, trigrams for the
// third); each tier is sorted here, shortest names first. Words of fewer
// than three letters alone are only matched as a prefix: inside names
// they match too much to be useful and no index can find them.
func (s *Store) findIDs(ctx context.Context, table, query string, limit int) ([]int64, error) {
	toks := searchTokens(query)
	if len(toks) == 0 {
		return nil, InvalidE("query", "core.search.query_empty")
	}
	if limit <= 0 || limit > 200 {
		limit = 25
	}
	key := Fold(query)
	seen := map[int64]bool{}
	var ids []int64
	add := func(hits []searchHit) {
		slices.SortFunc(hits, func(a, b searchHit) int {
			if d := len(a.Search) - len(b.Search); d != 0 {
				return d
			}
			if c := strings.Compare(a.Search, b.Search); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
		for _, h := range hits {
			if !seen[h.ID] && len(ids) < limit {
				seen[h.ID] = true
				ids = append(ids, h.ID)
			}
		}
	}
	tier := func(where func(q *bun.SelectQuery) *bun.SelectQuery) error {
		if len(ids) >= limit {
			return nil
		}
		var hits []searchHit
		q := s.DB.NewSelect().TableExpr(table).Column("id", "search")
		if err := where(q).Limit(int64(limit)).Scan(ctx, &hits); err != nil {
			return err
		}
		add(hits)
		return nil
	}
	if err := tier(func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("search = ?", key) }); err != nil {
		return nil, err
	}
	if err := tier(func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("search LIKE ? ESCAPE '\\'", likeEscape(key)+"%")
	}); err != nil {
		return nil, err
	}
	long := slices.ContainsFunc(toks, func(t string) bool { return utf8.RuneCountInString(t) >= 3 })
	if long {
		err := tier(func(q *bun.SelectQuery) *bun.SelectQuery {
			for _, t := range toks {
				q = q.Where("search LIKE ? ESCAPE '\\'", "%"+likeEscape(t)+"%")
			}
			return q
		})
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// FindCompanies finds companies for a search box, with their interests:
// the company with exactly that name first (ignoring case and accents),
// then names starting with the query, then names containing every word of
// it, at most limit. Fast on large tables; see findIDs. Errors: EINVALID
// (no letter or digit in query).
func (s *Store) FindCompanies(ctx context.Context, query string, limit int) ([]*Company, error) {
	ids, err := s.findIDs(ctx, "companies", query, limit)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var rows []*Company
	err = s.DB.NewSelect().Model(&rows).Where("company.id IN (?)", bun.In(ids)).
		Relation("Interests", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("interest.name_key") }).
		Scan(ctx)
	return inOrder(ids, rows, func(c *Company) int64 { return c.ID }), err
}

// FindPeople is FindCompanies for people.
func (s *Store) FindPeople(ctx context.Context, query string, limit int) ([]*Person, error) {
	ids, err := s.findIDs(ctx, "people", query, limit)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var rows []*Person
	err = s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	return inOrder(ids, rows, func(p *Person) int64 { return p.ID }), err
}

// inOrder returns rows in the order of ids (rows gone meanwhile are left out).
func inOrder[T any](ids []int64, rows []T, id func(T) int64) []T {
	byID := make(map[int64]T, len(rows))
	for _, r := range rows {
		byID[id(r)] = r
	}
	out := make([]T, 0, len(ids))
	for _, i := range ids {
		if r, ok := byID[i]; ok {
			out = append(out, r)
		}
	}
	return out
}
