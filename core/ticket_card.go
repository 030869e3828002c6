package core

import (
	"context"
	"strings"
)

// Queries behind the ticket card staff see in Slack.

// ClientCompanies returns the companies a client user belongs to, with their
// interests, for the ticket card staff see: the companies of every person
// whose e-mail address is the user's (ignoring case). A user without an
// e-mail address belongs to none. Each company appears once, by name.
func (s *Store) ClientCompanies(ctx context.Context, user *User) ([]Affiliation, error) {
	if user == nil || strings.TrimSpace(user.Email) == "" {
		return nil, nil
	}
	var people []*Person
	if err := s.DB.NewSelect().Model(&people).Column("id").
		Where("lower(email) = ?", strings.ToLower(strings.TrimSpace(user.Email))).
		OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	var out []Affiliation
	seen := map[int64]bool{}
	for _, p := range people {
		affs, err := s.PersonCompanies(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range affs {
			if !seen[a.Company.ID] {
				seen[a.Company.ID] = true
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// ParticipantNames returns the names of the users taking part in a ticket,
// by join time (what the ticket card lists).
func (s *Store) ParticipantNames(ctx context.Context, ticketID int64) ([]string, error) {
	var names []string
	err := s.DB.NewSelect().TableExpr("users AS u").Column("u.name").
		Join("JOIN ticket_participants AS tp ON tp.user_id = u.id").
		Where("tp.ticket_id = ?", ticketID).OrderExpr("tp.joined_at, u.id").Scan(ctx, &names)
	return names, err
}
