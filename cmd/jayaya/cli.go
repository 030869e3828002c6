package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Commands are listed in the order newRootCmd adds them, not sorted (a
// setting of the cobra package, so set once for the process).
func init() { cobra.EnableCommandSorting = false }

// newRootCmd builds the command tree. Every command lives in the file of
// what it does (serve.go, user.go, …) and is added here; its flags, help,
// the top-level usage, completion and the --help and bad-flag tests all
// come from the tree.
func newRootCmd(getenv func(string) string) *cobra.Command {
	root := &cobra.Command{
		Use:   "jayaya",
		Short: "JayayaCRM — a CRM that lives in Slack and Discord.",
		// A bare "jayaya" is a usage error: the usage goes to stderr.
		Args: unknownSubcommand,
		RunE: func(c *cobra.Command, _ []string) error {
			writeUsage(c.ErrOrStderr(), c)
			return exitStatus(2)
		},
		Version:       version,
		SilenceErrors: true, // run prints every error, in one shape
		SilenceUsage:  true,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true, // completion.go has ours: bash, zsh, fish
		},
	}
	root.SetVersionTemplate("jayaya {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeUsage(c.OutOrStdout(), c) })
	root.SetHelpCommand(newHelpCmd())
	root.AddCommand(
		newDemoCmd(getenv),
		newServeCmd(getenv),
		newMigrateCmd(getenv),
		newUserCmd(getenv),
		newRouteCmd(getenv),
		newChannelCmd(getenv),
		newDoctorCmd(getenv),
		newSlackManifestCmd(getenv),
		newDiscordInviteCmd(getenv),
		newDemoDataCmd(getenv),
		newCompletionCmd(),
		newVersionCmd(),
	)
	// The help command joins the tree now rather than at the first run,
	// so that walking the tree (usage, tests) finds it.
	root.InitDefaultHelpCmd()
	walk(root, func(c *cobra.Command) {
		c.Flags().SortFlags = false
		c.Flags().VisitAll(takePlaceholder)
	})
	return root
}

// walk calls fn on c and every command under it, parents first.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, s := range c.Commands() {
		walk(s, fn)
	}
}

// usageError is a problem with the command line itself (an unknown flag,
// a missing or bad value, a stray argument): exit status 2, and nothing
// was done.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef is a usageError with a message; it names the flag at fault.
func usagef(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// exitStatus ends a command with this status and no message: the command
// already said why (doctor's report, serve's logs, the usage).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// exitCode prints err, if any, as one line prefixed with the command's
// path ("jayaya user add: …"), and returns the process's exit status: 0
// ok, 2 bad usage, 1 any other failure.
func exitCode(c *cobra.Command, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	path := "jayaya"
	if c != nil {
		path = c.CommandPath()
	}
	fmt.Fprintf(stderr, "%s: %s\n", path, oneLine(err.Error()))
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// oneLine keeps an error on one line, whatever a library put in it.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// flagError turns the flag parser's complaints into usage errors that name
// the flag in its --long form.
func flagError(c *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if errors.As(err, &bad) {
		return usagef("--%s: want %s, got %q", bad.GetFlag().Name, valueKind(bad.GetFlag()), bad.GetValue())
	}
	// -login is read as the short flags -l -o -g…: say what was meant.
	var unknown *pflag.NotExistError
	if errors.As(err, &unknown) && unknown.GetSpecifiedShortnames() != "" {
		if name, _, _ := strings.Cut(unknown.GetSpecifiedShortnames(), "="); c.Flags().Lookup(name) != nil {
			return usagef("-%s: flags take two dashes: --%s", name, name)
		}
	}
	return usageError{err}
}

// valueKind says in words what a flag's value must be.
func valueKind(f *pflag.Flag) string {
	switch t := f.Value.Type(); {
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int"):
		return "a whole number"
	case strings.HasPrefix(t, "uint"):
		return "a whole number, 0 or more"
	default:
		return "a " + t
	}
}

// requiredAnnotation marks a flag a command cannot run without.
const requiredAnnotation = "jayaya_required"

// requireFlags marks c's flags it cannot run without: its synopsis shows
// them bare, and a run without one (or with only spaces in it) is refused
// with "--NAME is required", in the order given.
func requireFlags(c *cobra.Command, names ...string) {
	for _, n := range names {
		if err := c.Flags().SetAnnotation(n, requiredAnnotation, []string{"true"}); err != nil {
			panic(err) // a typo in the command's definition
		}
	}
	c.PreRunE = func(c *cobra.Command, _ []string) error {
		for _, n := range names {
			if strings.TrimSpace(c.Flags().Lookup(n).Value.String()) == "" {
				return usagef("--%s is required", n)
			}
		}
		return nil
	}
}

func isRequired(f *pflag.Flag) bool { return len(f.Annotations[requiredAnnotation]) > 0 }

// noArgs refuses positional arguments: the command takes flags only.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// noArgsFromEnv refuses positional arguments of a command configured by
// the environment alone.
func noArgsFromEnv(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q (configuration comes from the environment)", args[0])
	}
	return nil
}

// unknownSubcommand refuses an argument where a subcommand was expected,
// suggesting the nearest one.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	what := "subcommand"
	if !c.HasParent() {
		what = "command"
	}
	c.SuggestionsMinimumDistance = 2
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		return usagef("unknown %s %q (did you mean %s?)", what, args[0], orList(s))
	}
	if !c.HasParent() {
		return usagef("unknown command %q (\"jayaya --help\" lists them)", args[0])
	}
	return usagef("unknown subcommand %q (want %s)", args[0], orList(subcommandNames(c)))
}

// newGroupCmd is a command that only holds subcommands: run alone, it
// says which ones there are (exit 2).
func newGroupCmd(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  unknownSubcommand,
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("want a subcommand: %s", orList(subcommandNames(c)))
		},
		Annotations: map[string]string{groupAnnotation: "true"},
	}
	c.AddCommand(subs...)
	return c
}

// groupAnnotation marks a command run only through its subcommands.
const groupAnnotation = "jayaya_group"

func isGroup(c *cobra.Command) bool { return c.Annotations[groupAnnotation] != "" }

// subcommandNames lists c's visible subcommands.
func subcommandNames(c *cobra.Command) []string {
	var names []string
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() {
			names = append(names, s.Name())
		}
	}
	return names
}

// orList writes a list of choices: "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// newHelpCmd is "jayaya help [command]": the command's --help, or a usage
// error for a command that does not exist.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "show a command's help (like COMMAND --help)",
		ValidArgsFunction: func(c *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, s := range target.Commands() {
				if s.IsAvailableCommand() && strings.HasPrefix(s.Name(), prefix) {
					names = append(names, cobra.CompletionWithDesc(s.Name(), s.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err == nil && len(rest) > 0 {
				err = unknownSubcommand(target, rest)
			}
			if err != nil {
				return usageError{err}
			}
			writeUsage(c.OutOrStdout(), target)
			return nil
		},
	}
}

// newVersionCmd is "jayaya version" (also "jayaya --version").
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(c.OutOrStdout(), "jayaya %s\n", version)
			return nil
		},
	}
}
