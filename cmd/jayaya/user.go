package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/jayaya/jayayacrm/core"
)

// newUserCmd is "jayaya user add|list|delete": the users, from the shell.
func newUserCmd(getenv func(string) string) *cobra.Command {
	return newGroupCmd("user", "add, list or delete users",
		newUserAddCmd(getenv), newUserListCmd(getenv), newUserDeleteCmd(getenv))
}

func newUserAddCmd(getenv func(string) string) *cobra.Command {
	var in core.NewUser
	var pwStdin bool
	c := &cobra.Command{
		Use:   "add",
		Short: "create a user",
		Long: `Create a user. With --password-stdin, the password for the web panel is
the first line of standard input; without it the user cannot log in to the
panel (clients and Slack-only staff need no password).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return userAdd(c, getenv, in, pwStdin)
		},
	}
	f := c.Flags()
	f.StringVar(&in.Login, "login", "", "`L`ogin: 2-64 letters, digits, '.', '_', '-', '@'")
	f.StringVar(&in.Name, "name", "", "`N`ame shown to others")
	f.StringVar(&in.Role, "role", "", "the user's role, `admin|staff|client`")
	f.StringVar(&in.Email, "email", "", "`E`mail address")
	f.StringVar(&in.Phone, "phone", "", "`P`hone number")
	f.StringVar(&in.SlackID, "slack-id", "", "Slack user ID, `U…` (like U0123ABCD)")
	f.StringVar(&in.DiscordID, "discord-id", "", "Discord user ID, `D…` (15 to 21 digits)")
	f.StringVar(&in.TimeZone, "time-zone", "", "`Z`one: IANA time zone, like Europe/Paris (default UTC)")
	f.BoolVar(&pwStdin, "password-stdin", false, "read the web panel password from the first line of standard input")
	requireFlags(c, "login", "name", "role")
	return c
}

// userFlags names, for a field of core's errors that has no flag of its
// own name, the flag that gave it.
var userFlags = map[string]string{"password": "password-stdin"}

func userAdd(c *cobra.Command, getenv func(string) string, in core.NewUser, pwStdin bool) error {
	if pwStdin {
		line, err := bufio.NewReader(c.InOrStdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading password: %w", err)
		}
		in.Password = strings.TrimRight(line, "\r\n")
		if in.Password == "" {
			return usagef("--password-stdin: standard input held no password")
		}
	}
	ctx := c.Context()
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, in)
	if err != nil {
		return fieldError(c, err, userFlags)
	}
	fmt.Fprintf(c.OutOrStdout(), "created %s %s (%s)\n", u.Role, u.Login, u.Name)
	return nil
}

func newUserListCmd(getenv func(string) string) *cobra.Command {
	var role string
	c := &cobra.Command{
		Use:   "list",
		Short: "list users",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return userList(c.Context(), getenv, role, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&role, "role", "", "only users with this role: `admin|staff|client`")
	return c
}

// roles are the values of a user's role.
var roles = []string{core.RoleAdmin, core.RoleStaff, core.RoleClient}

func userList(ctx context.Context, getenv func(string) string, role string, stdout io.Writer) error {
	role = strings.ToLower(strings.TrimSpace(role))
	if role != "" && !slices.Contains(roles, role) {
		return usagef("--role: want %s, got %q", orList(roles), role)
	}
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListUsers(ctx, core.UserFilter{Role: &role})
	if err != nil {
		return err
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
	return tw.Flush()
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

func newUserDeleteCmd(getenv func(string) string) *cobra.Command {
	var login string
	c := &cobra.Command{
		Use:   "delete",
		Short: "delete a user (never the last admin)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return userDelete(c, getenv, login)
		},
	}
	c.Flags().StringVar(&login, "login", "", "`L`ogin of the user to delete")
	requireFlags(c, "login")
	return c
}

func userDelete(c *cobra.Command, getenv func(string) string, login string) error {
	ctx := c.Context()
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByLogin(ctx, login)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return fmt.Errorf("no user with login %q", login)
	}
	if err != nil {
		return err
	}
	if err := st.DeleteUser(ctx, u.ID); err != nil {
		return fieldError(c, err, userFlags)
	}
	fmt.Fprintf(c.OutOrStdout(), "deleted %s\n", u.Login)
	return nil
}

// fieldError words an error of core for the command line: invalid input
// is a usage error naming the flag that gave the field (by the field's
// name, else as flags says), anything else a failure; an internal error
// keeps its detail.
func fieldError(c *cobra.Command, err error, flags map[string]string) error {
	if core.ErrorCode(err) == core.EINTERNAL {
		return err
	}
	msg := core.ErrorMessage(err)
	if field := core.ErrorField(err); field != "" {
		name := strings.ReplaceAll(field, "_", "-")
		if alias, ok := flags[field]; ok {
			name = alias
		}
		if c.Flags().Lookup(name) != nil {
			msg = "--" + name + ": " + msg
		}
	}
	if core.ErrorCode(err) == core.EINVALID {
		return usagef("%s", msg)
	}
	return errors.New(msg)
}
