package core

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The relay's hottest statements run on PostgreSQL as prepared statements
// with parameters, which each connection parses once (bun writes every
// value into the SQL text instead, so each call would be a new statement
// to parse). They are planned on every call, with the values at hand
// (plan_cache_mode, store.go).

// isPG reports whether db talks to PostgreSQL.
func isPG(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// pgQuery runs a constant PostgreSQL statement with $n parameters on db
// (a *bun.DB, bun.Tx or bun.Conn) as a cached prepared statement.
func pgQuery(ctx context.Context, db bun.IDB, query string, args ...any) (*sql.Rows, error) {
	a := make([]any, 0, len(args)+1)
	a = append(a, pgx.QueryExecModeCacheStatement)
	a = append(a, args...)
	switch q := db.(type) {
	case bun.Tx:
		return q.Tx.QueryContext(ctx, query, a...)
	case *bun.Tx:
		return q.Tx.QueryContext(ctx, query, a...)
	case *bun.DB:
		return q.DB.QueryContext(ctx, query, a...)
	case bun.Conn:
		return q.Conn.QueryContext(ctx, query, a...)
	}
	return nil, fmt.Errorf("pgQuery: unsupported handle %T", db)
}

// preparedSelects caches, per model type and WHERE clause, the SELECT
// bun writes for them with $n in place of each ?.
var preparedSelects sync.Map // selectKey → string

type selectKey struct {
	model reflect.Type
	where string
}

// selectOneWhere loads into model (a pointer to a struct model) the first
// row matching where (a constant clause with ? placeholders) and args.
// It returns sql.ErrNoRows when none matches. On PostgreSQL it runs as a
// prepared statement; elsewhere as a plain bun query.
func selectOneWhere(ctx context.Context, db bun.IDB, model any, where string, args ...any) error {
	if !isPG(db) {
		return db.NewSelect().Model(model).Where(where, args...).Limit(1).Scan(ctx)
	}
	key := selectKey{reflect.TypeOf(model), where}
	text, ok := preparedSelects.Load(key)
	if !ok {
		var b strings.Builder
		n := 0
		for _, r := range where {
			if r == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(r)
		}
		text = db.NewSelect().Model(model).Where(b.String()).Limit(1).String()
		preparedSelects.Store(key, text)
	}
	rows, err := pgQuery(ctx, db, text.(string), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := db.NewSelect().DB().ScanRow(ctx, rows, model); err != nil {
		return err
	}
	return rows.Close()
}
