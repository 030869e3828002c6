package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/jayaya/jayayacrm/core"
)

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: jayaya user add|list|delete …")
		return 2
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "list":
		return userList(ctx, args[1:], getenv, stdout, stderr)
	case "delete":
		return userDelete(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprintf(stderr, "jayaya user: unknown subcommand %q (want add, list or delete)\n", args[0])
	return 2
}

// parseFlags parses args, reporting problems on stderr; positional
// arguments are refused.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) bool {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jayaya %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false
	}
	return true
}

// userError prints a domain error: invalid input is a usage problem (2),
// anything else a failure (1).
func userError(stderr io.Writer, err error) int {
	if core.ErrorCode(err) == core.EINTERNAL {
		fmt.Fprintf(stderr, "jayaya: %v\n", err)
		return 1
	}
	if f := core.ErrorField(err); f != "" {
		fmt.Fprintf(stderr, "jayaya: --%s: %s\n", strings.ReplaceAll(f, "_", "-"), core.ErrorMessage(err))
	} else {
		fmt.Fprintf(stderr, "jayaya: %s\n", core.ErrorMessage(err))
	}
	if core.ErrorCode(err) == core.EINVALID {
		return 2
	}
	return 1
}

func userAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	var in core.NewUser
	fs.StringVar(&in.Login, "login", "", "login (required)")
	fs.StringVar(&in.Name, "name", "", "display name (required)")
	fs.StringVar(&in.Role, "role", "", "admin, staff or client (required)")
	fs.StringVar(&in.Email, "email", "", "email address")
	fs.StringVar(&in.Phone, "phone", "", "phone number")
	fs.StringVar(&in.SlackID, "slack-id", "", "Slack user ID (U…)")
	fs.StringVar(&in.DiscordID, "discord-id", "", "Discord user ID")
	fs.StringVar(&in.TimeZone, "time-zone", "", "IANA time zone, default UTC")
	pwStdin := fs.Bool("password-stdin", false, "read the web panel password from the first line of standard input")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	for _, req := range []struct{ name, val string }{{"login", in.Login}, {"name", in.Name}, {"role", in.Role}} {
		if strings.TrimSpace(req.val) == "" {
			fmt.Fprintf(stderr, "jayaya user add: --%s is required\n", req.name)
			return 2
		}
	}
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintf(stderr, "jayaya user add: reading password: %v\n", err)
			return 1
		}
		in.Password = strings.TrimRight(line, "\r\n")
		if in.Password == "" {
			fmt.Fprintln(stderr, "jayaya user add: --password-stdin: standard input held no password")
			return 2
		}
	}
	st, ok := openMigrated(ctx, getenv, stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, in)
	if err != nil {
		return userError(stderr, err)
	}
	fmt.Fprintf(stdout, "created %s %s (%s)\n", u.Role, u.Login, u.Name)
	return 0
}

func userList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	role := fs.String("role", "", "only users with this role")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	st, ok := openMigrated(ctx, getenv, stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	users, err := st.ListUsers(ctx, core.UserFilter{Role: role})
	if err != nil {
		return userError(stderr, err)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tNAME\tROLE\tEMAIL\tSLACK\tDISCORD\tSTATE")
	for _, u := range users {
		state := "active"
		if u.DisabledAt != nil {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Login, u.Name, u.Role, dash(u.Email), dashp(u.SlackID), dashp(u.DiscordID), state)
	}
	tw.Flush()
	return 0
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func dashp(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func userDelete(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("user delete", flag.ContinueOnError)
	login := fs.String("login", "", "login of the user to delete (required)")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	if strings.TrimSpace(*login) == "" {
		fmt.Fprintln(stderr, "jayaya user delete: --login is required")
		return 2
	}
	st, ok := openMigrated(ctx, getenv, stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	u, err := st.UserByLogin(ctx, *login)
	if err != nil {
		fmt.Fprintf(stderr, "jayaya user delete: no user with login %q\n", *login)
		return 1
	}
	if err := st.DeleteUser(ctx, u.ID); err != nil {
		return userError(stderr, err)
	}
	fmt.Fprintf(stdout, "deleted %s\n", u.Login)
	return 0
}
