package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/jayaya/jayayacrm/core"
)

// doctorTimeout bounds each platform's checks, so that an unreachable
// server makes doctor fail instead of hang.
const doctorTimeout = 30 * time.Second

// doctor runs checks and prints one line per check: "ok", "FAIL" with how
// to fix it, or "skip" when a check cannot run because an earlier one
// failed or the platform is not configured. Every line printed is counted.
type doctor struct {
	out                     io.Writer
	passed, skipped, failed int
}

func (d *doctor) ok(name, detail string) {
	d.passed++
	fmt.Fprintf(d.out, "ok    %-24s %s\n", name, detail)
}

func (d *doctor) fail(name, problem, fix string) {
	d.failed++
	fmt.Fprintf(d.out, "FAIL  %-24s %s — fix: %s\n", name, problem, fix)
}

func (d *doctor) skip(name, why string) {
	d.skipped++
	fmt.Fprintf(d.out, "skip  %-24s %s\n", name, why)
}

// summary is the last line: "all N checks passed" when every check ran
// and passed, else each count ("6 checks: 3 ok, 2 skipped, 1 failed").
func (d *doctor) summary() string {
	total := d.passed + d.skipped + d.failed
	if total == d.passed {
		return fmt.Sprintf("all %d checks passed", total)
	}
	return fmt.Sprintf("%d %s: %d ok, %d skipped, %d failed", total, plural(total, "check", "checks"), d.passed, d.skipped, d.failed)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// newDoctorCmd is "jayaya doctor".
func newDoctorCmd(getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "check the configuration against the database, Slack and Discord",
		Long: `Check the configuration against the database, Slack and Discord: one line
per check, ok, skip (cannot run: not configured, or an earlier check failed)
or FAIL with how to fix it, then the count of each. Exit status 0 only when
no check failed. Configuration comes from the environment.`,
		Args: noArgsFromEnv,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDoctor(c.Context(), getenv, c.OutOrStdout())
		},
	}
}

// runDoctor checks the configuration against the database and the live
// platforms. It fails (exit status 1, the report said why) when a check
// failed.
func runDoctor(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	d := &doctor{out: stdout}
	defer func() { fmt.Fprintln(stdout, d.summary()) }()
	cfg, err := LoadConfig(getenv)
	if err != nil {
		d.fail("configuration", err.Error(), "set the variable as the README's Configuration table says")
		return exitStatus(1)
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
		return exitStatus(1)
	}
	return nil
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
