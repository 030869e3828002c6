package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// doctorTimeout bounds each platform's checks, so that an unreachable
// server makes doctor fail instead of hang.
const doctorTimeout = 30 * time.Second

// doctor runs checks and prints one line per check: "ok", "FAIL" with how
// to fix it, or "skip" when a check cannot run because an earlier one
// failed or the platform is not configured.
type doctor struct {
	out    io.Writer
	checks int
	failed int
}

func (d *doctor) ok(name, detail string) {
	d.checks++
	fmt.Fprintf(d.out, "ok    %-24s %s\n", name, detail)
}

func (d *doctor) fail(name, problem, fix string) {
	d.checks++
	d.failed++
	fmt.Fprintf(d.out, "FAIL  %-24s %s — fix: %s\n", name, problem, fix)
}

func (d *doctor) skip(name, why string) {
	fmt.Fprintf(d.out, "skip  %-24s %s\n", name, why)
}

// cmdDoctor checks the configuration against the database and the live
// platforms. It exits 0 only when every check passed.
func cmdDoctor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "jayaya doctor: unexpected argument %q (configuration comes from the environment)\n", args[0])
		return 2
	}
	d := &doctor{out: stdout}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		d.fail("configuration", err.Error(), "set the variable as the README's Configuration table says")
		fmt.Fprintln(stdout, "1 check failed")
		return 1
	}
	d.ok("configuration", "environment parsed")

	st := d.checkDatabase(ctx, cfg) // nil when the users cannot be read
	if st != nil {
		defer st.Close()
	}
	if cfg.SlackEnabled() {
		sctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		d.checkSlack(sctx, cfg, st)
		cancel()
	} else {
		d.skip("slack", "not configured (SLACK_BOT_TOKEN unset)")
	}
	if cfg.DiscordEnabled() {
		dctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		d.checkDiscord(dctx, cfg, st)
		cancel()
	} else {
		d.skip("discord", "not configured (DISCORD_BOT_TOKEN unset)")
	}
	if !cfg.SlackEnabled() && !cfg.DiscordEnabled() {
		d.fail("chat platforms", "neither Slack nor Discord is configured", "set SLACK_BOT_TOKEN and/or DISCORD_BOT_TOKEN (see the README's operator section)")
	}

	if d.failed > 0 {
		fmt.Fprintf(stdout, "%d of %d checks failed\n", d.failed, d.checks)
		return 1
	}
	fmt.Fprintf(stdout, "all %d checks passed\n", d.checks)
	return 0
}

// checkDatabase checks the database answers and has every migration; it
// returns the open store for the checks of users, or nil when the
// database is unreachable or not migrated (the store is then closed).
func (d *doctor) checkDatabase(ctx context.Context, cfg *Config) *core.Store {
	st, err := core.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		d.fail("database", err.Error(), "check DATABASE_URL and that the database server is running")
		d.skip("database migrations", "database unreachable")
		return nil
	}
	d.ok("database", "reachable ("+st.Engine()+")")
	pending, err := st.PendingMigrations(ctx)
	switch {
	case err != nil:
		d.fail("database migrations", err.Error(), "check the database user may read the bun_migrations table")
	case len(pending) > 0:
		d.fail("database migrations", fmt.Sprintf("%d pending: %s", len(pending), strings.Join(pending, ", ")),
			"run `jayaya migrate` (jayaya serve also migrates when it starts)")
	default:
		d.ok("database migrations", "up to date")
		return st
	}
	st.Close()
	return nil
}

// linkedUsers returns the enabled users of the given roles, split into
// those with an ID for a platform (by id) and a count of those without.
func linkedUsers(ctx context.Context, st *core.Store, id func(*core.User) *string, roles ...string) ([]*core.User, int, error) {
	var with []*core.User
	without := 0
	for _, role := range roles {
		users, err := st.ListUsers(ctx, core.UserFilter{Role: &role})
		if err != nil {
			return nil, 0, err
		}
		for _, u := range users {
			switch {
			case u.DisabledAt != nil:
			case id(u) == nil || *id(u) == "":
				without++
			default:
				with = append(with, u)
			}
		}
	}
	return with, without, nil
}
