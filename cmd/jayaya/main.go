// Command jayaya runs JayayaCRM: the HTTP server with its Slack endpoints and
// admin panel, the Slack and Discord adapters and the reminder scheduler
// (serve), the same against simulated chats to try it (demo), and the
// operator's tools (migrate, user, doctor, slack-manifest, discord-invite,
// demo-data, completion, version).
//
// The command line is built on spf13/cobra (cli.go), chosen over
// urfave/cli v3 and alecthomas/kong for what this binary needs: a tree of
// commands where --help and -h work everywhere; GNU-style --long flags
// (spf13/pflag) whose parse errors are typed, so that every error becomes
// one line with the command's name and exit status 2; completion scripts
// for bash, zsh and fish generated from the tree (kong needs a third-party
// library for that); and a tree of plain values that the usage and the
// tests walk, so that a new command or flag is documented and tested
// without being listed again. It is also the library that kubectl, gh and
// hugo use, so operators already know its conventions. Each command is a
// function newXCmd in the file of what it does, added in newRootCmd; a
// flag is one line there.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones without the host's zoneinfo
)

// version is set at release build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, testable in-process: it returns the exit status
// (0 ok, 1 failure, 2 bad usage, with nothing done).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(getenv)
	root.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	c, err := root.ExecuteContextC(ctx)
	return exitCode(c, err, stderr)
}
