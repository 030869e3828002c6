package core

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Listen holds a connection of its own listening on the PostgreSQL
// channel and calls fn for every notification (Notify), until ctx ends
// (it then returns ctx's error) or the connection fails (it returns why;
// the caller may listen again, having missed what came meanwhile). ready,
// when not nil, is called once LISTEN is in place. On SQLite, where one
// process has no one to hear from, it returns nil at once.
func (s *Store) Listen(ctx context.Context, channel string, ready, fn func()) error {
	if s.engine != EnginePostgres {
		return nil
	}
	conn, err := pgx.Connect(ctx, s.connDSN())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		fn()
	}
}
