// Command jayaya runs JayayaCRM: the HTTP server with its Slack endpoints and
// admin panel, the Slack and Discord adapters and the reminder scheduler
// (serve), the same against simulated chats to try it (demo), and the
// operator's tools (migrate, user, version).
package main

import (
	"context"
	"fmt"
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

const usage = `JayayaCRM — a CRM that lives in Slack and Discord.

Usage:
  jayaya demo [--addr A] [--db URL]   try it: the product with simulated Slack and
                               Discord and demo data, shown side by side at /demo/
  jayaya serve                 migrate, then run HTTP, the adapters and the scheduler
  jayaya migrate [up|down|status]
  jayaya user add --login L --name N --role admin|staff|client [--email E]
                  [--slack-id U…] [--discord-id D…] [--time-zone Z] [--password-stdin]
  jayaya user list [--role R]
  jayaya user delete --login L
  jayaya doctor                check the configuration against the database, Slack and Discord
  jayaya slack-manifest [--socket-mode] [--name N]   print the Slack app manifest
  jayaya discord-invite [--app-id ID]                print the Discord bot invite URL
  jayaya demo-data --small | --companies N --people M
                               fill an empty database with contacts to try or measure
  jayaya version

Configuration comes from the environment; see the README.
`

// run is the whole program, testable in-process: it returns the exit status
// (0 ok, 1 failure, 2 bad usage).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "demo-data":
		return cmdDemoData(ctx, args[1:], getenv, stdout, stderr)
	case "user":
		return cmdUser(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "doctor":
		return cmdDoctor(ctx, args[1:], getenv, stdout, stderr)
	case "slack-manifest":
		return cmdSlackManifest(args[1:], getenv, stdout, stderr)
	case "discord-invite":
		return cmdDiscordInvite(args[1:], getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "jayaya %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "jayaya: unknown command %q\n\n%s", args[0], usage)
	return 2
}
