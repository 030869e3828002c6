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
	"github.com/jayaya/jayayacrm/core/i18n"
)

// newUserCmd is "jayaya user add|edit|list|delete": the users, from the
// shell.
func newUserCmd(getenv func(string) string) *cobra.Command {
	return newGroupCmd("user", "add, edit, list or delete users",
		newUserAddCmd(getenv), newUserEditCmd(getenv), newUserListCmd(getenv), newUserDeleteCmd(getenv))
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
	userFieldFlags(c, &in, &pwStdin)
	requireFlags(c, "login", "name", "role")
	return c
}

// userFieldFlags declares the flags of a user's fields, shared by add and
// edit, into in.
func userFieldFlags(c *cobra.Command, in *core.NewUser, pwStdin *bool) {
	f := c.Flags()
	f.StringVar(&in.Login, "login", "", "`L`ogin: 2-64 letters, digits, '.', '_', '-', '@'")
	f.StringVar(&in.Name, "name", "", "`N`ame shown to others")
	f.StringVar(&in.Role, "role", "", "the user's role, `admin|staff|client`")
	f.StringVar(&in.Email, "email", "", "`E`mail address")
	f.StringVar(&in.Phone, "phone", "", "`P`hone number")
	f.StringVar(&in.SlackID, "slack-id", "", "Slack user ID, `U…` (like U0123ABCD)")
	f.StringVar(&in.DiscordID, "discord-id", "", "Discord user ID, `D…` (15 to 21 digits)")
	f.StringVar(&in.TimeZone, "time-zone", "", "`Z`one: IANA time zone, like Europe/Paris (default UTC)")
	f.StringVar(&in.Locale, "locale", "", "the user's language, `en|fr` (default: what Slack, Discord or the browser says, else JAYAYA_LOCALE)")
	f.BoolVar(pwStdin, "password-stdin", false, "read the web panel password from the first line of standard input")
	c.RegisterFlagCompletionFunc("locale", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, l := range i18n.Locales() {
			out = append(out, cobra.CompletionWithDesc(l.String(), i18n.T(i18n.EN, "common.language."+l.String())))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// readUserInput checks what add and edit can check before any database
// is opened: a --locale the product does not speak is refused ("" means
// none); with --password-stdin, the password is read into in.
func readUserInput(c *cobra.Command, in *core.NewUser, pwStdin bool) error {
	if _, ok := i18n.Parse(in.Locale); !ok && strings.TrimSpace(in.Locale) != "" {
		return usagef("--locale: want %s, got %q", orList(localeCodes()), in.Locale)
	}
	if !pwStdin {
		return nil
	}
	var err error
	in.Password, err = readPassword(c)
	return err
}

func localeCodes() []string {
	var out []string
	for _, l := range i18n.Locales() {
		out = append(out, l.String())
	}
	return out
}

// readPassword reads the web panel password from the first line of
// standard input, for --password-stdin.
func readPassword(c *cobra.Command) (string, error) {
	line, err := bufio.NewReader(c.InOrStdin()).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usagef("--password-stdin: standard input held no password")
	}
	return pw, nil
}

// userFlags names, for a field of core's errors that has no flag of its
// own name, the flag that gave it.
var userFlags = map[string]string{"password": "password-stdin"}

func userAdd(c *cobra.Command, getenv func(string) string, in core.NewUser, pwStdin bool) error {
	if err := readUserInput(c, &in, pwStdin); err != nil {
		return err
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
	u, err := userByLogin(ctx, st, login)
	if err != nil {
		return err
	}
	if err := st.DeleteUser(ctx, u.ID); err != nil {
		return fieldError(c, err, userFlags)
	}
	fmt.Fprintf(c.OutOrStdout(), "deleted %s\n", u.Login)
	return nil
}

// userByLogin finds the user a command names by login, or says there is
// none.
func userByLogin(ctx context.Context, st *core.Store, login string) (*core.User, error) {
	u, err := st.UserByLogin(ctx, login)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, fmt.Errorf("no user with login %q", login)
	}
	return u, err
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
