package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commands lists every command a person can type, from the tree itself
// (so a new command is covered without editing the tests), each with its
// arguments: nil for jayaya itself, {"user", "add"} for "jayaya user add".
// Hidden commands (the shells' __complete) are left out.
func commands(t *testing.T) map[*cobra.Command][]string {
	t.Helper()
	cmds := map[*cobra.Command][]string{}
	walk(newRootCmd(envFunc(nil)), func(c *cobra.Command) {
		hidden := false
		for p := c; p != nil; p = p.Parent() {
			hidden = hidden || p.Hidden
		}
		if !hidden {
			cmds[c] = strings.Fields(c.CommandPath())[1:]
		}
	})
	if len(cmds) < 15 {
		t.Fatalf("only %d commands in the tree", len(cmds))
	}
	return cmds
}

// noDatabase is an environment whose database must never be created: the
// commands below must stop before they open it.
func noDatabase(t *testing.T) (map[string]string, string) {
	path := filepath.Join(t.TempDir(), "never.db")
	return map[string]string{"DATABASE_URL": "sqlite://" + path, "JAYAYA_ADDR": "127.0.0.1:0"}, path
}

func assertNoFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s was created (%v): a usage error must write nothing", path, err)
	}
}

// TestEveryCommandHelps: --help and -h on every command and subcommand
// print its usage on stdout and exit 0, doing nothing else.
func TestEveryCommandHelps(t *testing.T) {
	env, db := noDatabase(t)
	for c, path := range commands(t) {
		name := c.CommandPath()
		code, out, errs := jayaya(t, env, "", append(path, "--help")...)
		if code != 0 || errs != "" || !strings.Contains(out, "Usage:\n  "+name) || !strings.Contains(out, "-h, --help") {
			t.Errorf("%s --help: exit %d, stderr %q, stdout:\n%s", name, code, errs, out)
			continue
		}
		// Each flag is explained, and each required one says so.
		required := 0
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if !strings.Contains(out, "--"+f.Name+" ") {
				t.Errorf("%s --help lacks --%s", name, f.Name)
			}
			if isRequired(f) {
				required++
			}
		})
		if n := strings.Count(out, "(required)"); n != required {
			t.Errorf("%s --help: %d flags say (required), want %d:\n%s", name, n, required, out)
		}
		if code, short, _ := jayaya(t, env, "", append(path, "-h")...); code != 0 || short != out {
			t.Errorf("%s -h: exit %d, output differs from --help:\n%s", name, code, short)
		}
		if len(path) > 0 {
			if code, viaHelp, _ := jayaya(t, env, "", append([]string{"help"}, path...)...); code != 0 || viaHelp != out {
				t.Errorf("jayaya help %s: exit %d, output differs from --help:\n%s", strings.Join(path, " "), code, viaHelp)
			}
		}
	}
	assertNoFile(t, db)
}

// TestEveryCommandRefusesABadFlag: an unknown flag exits 2 with one line
// on stderr, prefixed with the command, naming the flag, and nothing on
// stdout.
func TestEveryCommandRefusesABadFlag(t *testing.T) {
	env, db := noDatabase(t)
	for c, path := range commands(t) {
		name := c.CommandPath()
		code, out, errs := jayaya(t, env, "", append(path, "--no-such-flag")...)
		if code != 2 || out != "" || errs != name+": unknown flag: --no-such-flag\n" {
			t.Errorf("%s --no-such-flag: exit %d, stdout %q, stderr %q", name, code, out, errs)
		}
	}
	assertNoFile(t, db)
}

// TestTopLevelUsageListsEveryFlag: "jayaya --help" shows every command
// with every one of its flags, and a bare "jayaya" shows the same usage
// on stderr with exit 2.
func TestTopLevelUsageListsEveryFlag(t *testing.T) {
	code, usage, _ := jayaya(t, nil, "", "--help")
	if code != 0 {
		t.Fatalf("jayaya --help: exit %d", code)
	}
	walk(newRootCmd(envFunc(nil)), func(c *cobra.Command) {
		if c.Hidden || !c.HasParent() || isGroup(c) {
			return
		}
		if !strings.Contains(usage, "\n  "+c.CommandPath()) {
			t.Errorf("usage lacks %q", c.CommandPath())
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" && !strings.Contains(usage, "--"+f.Name) {
				t.Errorf("usage lacks %s's --%s", c.CommandPath(), f.Name)
			}
		})
	})
	for _, want := range []string{"--phone P", "--login L --name N --role admin|staff|client", "[--password-stdin]"} {
		if !strings.Contains(usage, want) {
			t.Errorf("usage lacks %q:\n%s", want, usage)
		}
	}
	code, out, errs := jayaya(t, nil, "")
	if code != 2 || out != "" || errs != usage {
		t.Errorf("bare jayaya: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}

// TestUsageErrors: bad command lines exit 2 with one line naming the
// command and the real flag, write nothing on stdout and open no database.
func TestUsageErrors(t *testing.T) {
	env, db := noDatabase(t)
	cases := []struct {
		args  []string
		stdin string
		want  string // the whole of stderr
	}{
		{[]string{"frobnicate"}, "", `jayaya: unknown command "frobnicate" ("jayaya --help" lists them)`},
		{[]string{"sevre"}, "", `jayaya: unknown command "sevre" (did you mean serve?)`},
		{[]string{"--bogus"}, "", "jayaya: unknown flag: --bogus"},
		{[]string{"user"}, "", "jayaya user: want a subcommand: add, edit, list or delete"},
		{[]string{"user", "frobnicate"}, "", `jayaya user: unknown subcommand "frobnicate" (want add, edit, list or delete)`},
		{[]string{"user", "lst"}, "", `jayaya user: unknown subcommand "lst" (did you mean list?)`},
		{[]string{"user", "list", "--role", "boss"}, "", `jayaya user list: --role: want admin, staff or client, got "boss"`},
		{[]string{"user", "list", "--role"}, "", "jayaya user list: flag needs an argument: --role"},
		{[]string{"user", "add", "--login", " ", "--name", "A", "--role", "staff"}, "", "jayaya user add: --login is required"},
		{[]string{"user", "add", "--login", "ab", "--role", "staff"}, "", "jayaya user add: --name is required"},
		{[]string{"user", "add", "-login", "ab"}, "", "jayaya user add: -login: flags take two dashes: --login"},
		{[]string{"user", "add", "--login", "ab", "--name", "A", "--role", "staff", "--password-stdin"}, "\n", "jayaya user add: --password-stdin: standard input held no password"},
		{[]string{"user", "delete"}, "", "jayaya user delete: --login is required"},
		{[]string{"user", "add", "--login", "ab", "--name", "A", "--role", "staff", "--locale", "xx"}, "", `jayaya user add: --locale: want en or fr, got "xx"`},
		{[]string{"user", "edit", "--locale", "fr"}, "", "jayaya user edit: --login is required"},
		{[]string{"user", "edit", "--login", "ab", "--locale", "de-DE"}, "", `jayaya user edit: --locale: want en or fr, got "de-DE"`},
		{[]string{"user", "edit", "--login", "ab"}, "", "jayaya user edit: nothing to change: give at least one field's flag (see jayaya user edit --help)"},
		{[]string{"migrate", "up", "now"}, "", `jayaya migrate: unexpected argument "now"`},
		{[]string{"demo-data", "--companies", "many"}, "", `jayaya demo-data: --companies: want a whole number, got "many"`},
		{[]string{"demo-data", "--seed", "-1", "--companies", "1"}, "", `jayaya demo-data: --seed: want a whole number, 0 or more, got "-1"`},
		{[]string{"demo-data", "--small", "--people", "3"}, "", "jayaya demo-data: give either --small or --companies N (with --people M)"},
		{[]string{"demo", "--db", "mysql://x"}, "", "jayaya demo: --db: want postgres://… or sqlite://PATH"},
		{[]string{"demo", "--addr", "nowhere"}, "", `jayaya demo: --addr: want host:port (like localhost:8080), got "nowhere"`},
		{[]string{"serve", "now"}, "", `jayaya serve: unexpected argument "now" (configuration comes from the environment)`},
		{[]string{"completion"}, "", "jayaya completion: want one shell: bash, zsh or fish"},
		{[]string{"completion", "tcsh"}, "", `jayaya completion: unknown shell "tcsh" (want bash, zsh or fish)`},
		{[]string{"help", "frobnicate"}, "", `jayaya help: unknown command "frobnicate" ("jayaya --help" lists them)`},
		{[]string{"help", "user", "ad"}, "", `jayaya help: unknown subcommand "ad" (did you mean add?)`},
		{[]string{"version", "now"}, "", `jayaya version: unexpected argument "now"`},
	}
	for _, c := range cases {
		code, out, errs := jayaya(t, env, c.stdin, c.args...)
		if code != 2 || out != "" || errs != c.want+"\n" {
			t.Errorf("jayaya %q: exit %d, stdout %q, stderr %q; want 2 and %q", c.args, code, out, errs, c.want)
		}
	}
	assertNoFile(t, db)
}

// TestVersion: "jayaya version" and "jayaya --version" say the same.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		if code, out, errs := jayaya(t, nil, "", args...); code != 0 || out != "jayaya "+version+"\n" || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestCompletion: each shell's script is generated for jayaya, and the
// hidden command the scripts call completes commands, flags and
// arguments from the tree.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_jayaya",
		"zsh":  "#compdef jayaya",
		"fish": "complete -c jayaya",
	} {
		code, out, errs := jayaya(t, nil, "", "completion", shell)
		if code != 0 || errs != "" || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, stderr %q, %d bytes without %q", shell, code, errs, len(out), want)
		}
	}
	cases := []struct {
		line []string
		want []string // completions, in order, without their descriptions
	}{
		{[]string{"user", ""}, []string{"add", "edit", "list", "delete"}},
		{[]string{"user", "edit", "--locale", ""}, []string{"en", "fr"}},
		{[]string{"migrate", ""}, []string{"up", "down", "status"}},
		{[]string{"completion", "z"}, []string{"zsh"}},
		{[]string{"user", "add", "--t"}, []string{"--time-zone"}},
		{[]string{"help", "user", "d"}, []string{"delete"}},
	}
	for _, c := range cases {
		code, out, _ := jayaya(t, nil, "", append([]string{cobra.ShellCompRequestCmd}, c.line...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var got []string
		for _, l := range lines[:len(lines)-1] { // the last is the directive, ":4"
			name, _, _ := strings.Cut(l, "\t")
			got = append(got, name)
		}
		if code != 0 || strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("completing %q: exit %d, got %q, want %q", c.line, code, got, c.want)
		}
	}
	// Flag descriptions read as plain text (no `placeholder` quotes).
	if _, out, _ := jayaya(t, nil, "", cobra.ShellCompRequestCmd, "user", "add", "--log"); !strings.Contains(out, "--login\tLogin: ") {
		t.Errorf("flag description: %q", out)
	}
}
