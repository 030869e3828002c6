package core

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// BrowseCompanies returns companies for the web panel, with their interests: those matching query
// (like SearchCompanies) or, when query is blank, the first ones by name; at
// most limit (default 100).
func (s *Store) BrowseCompanies(ctx context.Context, query string, limit int) ([]*Company, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	if strings.TrimSpace(query) != "" {
		return s.SearchCompanies(ctx, query, limit)
	}
	var out []*Company
	err := s.DB.NewSelect().Model(&out).OrderExpr("company.name_key, company.id").Limit(int64(limit)).
		Relation("Interests", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("interest.name_key") }).
		Scan(ctx)
	return out, err
}

// BrowsePeople returns people for the web panel: those matching query (like
// SearchPeople) or, when query is blank, the first ones by name; at most
// limit (default 100).
func (s *Store) BrowsePeople(ctx context.Context, query string, limit int) ([]*Person, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	if strings.TrimSpace(query) != "" {
		return s.SearchPeople(ctx, query, limit)
	}
	var out []*Person
	err := s.DB.NewSelect().Model(&out).OrderExpr("search, id").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// TicketPeople returns the users taking part in a ticket, by name, for the
// transcript page. It selects the User model's columns only, so columns
// other features add to users never break it.
func (s *Store) TicketPeople(ctx context.Context, ticketID int64) ([]*User, error) {
	var out []*User
	err := s.DB.NewSelect().Model(&out).
		Where("id IN (SELECT user_id FROM ticket_participants WHERE ticket_id = ?)", ticketID).
		OrderExpr("name, id").Scan(ctx)
	return out, err
}
