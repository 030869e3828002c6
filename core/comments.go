package core

import (
	"context"
)

// AddComment adds a comment by author on a company. Errors: EINVALID,
// ENOTFOUND (company), EFORBIDDEN (author is not staff).
func (s *Store) AddComment(ctx context.Context, companyID int64, author *User, body string) (*Comment, error) {
	if !author.IsStaff() {
		return nil, E(EFORBIDDEN, "core.comment.staff_only")
	}
	b, err := text("body", "core.field.comment", body, 4000, true)
	if err != nil {
		return nil, err
	}
	if _, err := companyByID(ctx, s.DB, companyID); err != nil {
		return nil, err
	}
	c := &Comment{CompanyID: companyID, AuthorID: &author.ID, AuthorName: author.Name, Body: b, CreatedAt: s.now()}
	if _, err := s.DB.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Comments returns a company's comments, newest first, at most limit
// (all when limit <= 0).
func (s *Store) Comments(ctx context.Context, companyID int64, limit int) ([]*Comment, error) {
	var out []*Comment
	q := s.DB.NewSelect().Model(&out).Where("company_id = ?", companyID).OrderExpr("created_at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	return out, q.Scan(ctx)
}
