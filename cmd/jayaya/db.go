package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/jayaya/jayayacrm/core"
)

// openStore loads the configuration and opens the database; its error
// names the variable at fault.
func openStore(ctx context.Context, getenv func(string) string) (*Config, *core.Store, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, nil, err
	}
	st, err := core.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

// openMigrated is openStore followed by migrating the database, for the
// subcommands that work on the data.
func openMigrated(ctx context.Context, getenv func(string) string) (*core.Store, error) {
	_, st, err := openStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// migrateActions are what "jayaya migrate" does, by its argument.
var migrateActions = map[string]func(ctx context.Context, c *cobra.Command, st *core.Store) error{
	"up":     migrateUp,
	"down":   migrateDown,
	"status": migrateStatus,
}

// newMigrateCmd is "jayaya migrate [up|down|status]".
func newMigrateCmd(getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate [up|down|status]",
		Short: "apply pending migrations (up), undo the last one (down), or list them",
		Long: `Apply the pending database migrations (up, the default), undo the last
one (down), or list them with their state (status).`,
		ValidArgs: []cobra.Completion{"up", "down", "status"},
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return usagef("unexpected argument %q", args[1])
			case len(args) == 1 && migrateActions[args[0]] == nil:
				return usagef("unknown action %q (want up, down or status)", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			action := "up"
			if len(args) == 1 {
				action = args[0]
			}
			ctx := c.Context()
			_, st, err := openStore(ctx, getenv)
			if err != nil {
				return err
			}
			defer st.Close()
			return migrateActions[action](ctx, c, st)
		},
	}
}

func migrateUp(ctx context.Context, c *cobra.Command, st *core.Store) error {
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(c.OutOrStdout(), "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintf(c.OutOrStdout(), "applied %s\n", name)
	}
	return nil
}

func migrateDown(ctx context.Context, c *cobra.Command, st *core.Store) error {
	undone, err := st.MigrateDown(ctx)
	if err != nil {
		return err
	}
	if undone == "" {
		fmt.Fprintln(c.OutOrStdout(), "no migration to undo")
	} else {
		fmt.Fprintf(c.OutOrStdout(), "undid %s\n", undone)
	}
	return nil
}

func migrateStatus(ctx context.Context, c *cobra.Command, st *core.Store) error {
	list, err := st.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range list {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		fmt.Fprintf(c.OutOrStdout(), "%s_%s\t%s\n", m.Name, m.Comment, state)
	}
	return nil
}
