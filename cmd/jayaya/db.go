package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jayaya/jayayacrm/core"
)

// openStore loads the configuration and opens the database, printing one
// clear line naming the variable on failure.
func openStore(ctx context.Context, getenv func(string) string, stderr io.Writer) (*Config, *core.Store, bool) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return nil, nil, false
	}
	st, err := core.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return nil, nil, false
	}
	return cfg, st, true
}

// openMigrated is openStore followed by migrating the database, for the
// subcommands that work on the data.
func openMigrated(ctx context.Context, getenv func(string) string, stderr io.Writer) (*core.Store, bool) {
	_, st, ok := openStore(ctx, getenv, stderr)
	if !ok {
		return nil, false
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return nil, false
	}
	return st, true
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	if len(args) > 1 || (action != "up" && action != "down" && action != "status") {
		fmt.Fprintln(stderr, "usage: jayaya migrate [up|down|status]")
		return 2
	}
	_, st, ok := openStore(ctx, getenv, stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	switch action {
	case "up":
		applied, err := st.Migrate(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "jayaya: %v\n", err)
			return 1
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "database is up to date")
		}
		for _, name := range applied {
			fmt.Fprintf(stdout, "applied %s\n", name)
		}
	case "down":
		undone, err := st.MigrateDown(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "jayaya: %v\n", err)
			return 1
		}
		if undone == "" {
			fmt.Fprintln(stdout, "no migration to undo")
		} else {
			fmt.Fprintf(stdout, "undid %s\n", undone)
		}
	case "status":
		list, err := st.Migrations(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "jayaya: %v\n", err)
			return 1
		}
		for _, m := range list {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%s_%s\t%s\n", m.Name, m.Comment, state)
		}
	}
	return 0
}
