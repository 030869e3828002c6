package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	slackad "github.com/jayaya/jayayacrm/adapters/slack"
	"github.com/jayaya/jayayacrm/core"
)

// newRouteCmd is "jayaya route list|add|delete": the routing rules, from
// the shell (the panel's Routing page also orders them).
func newRouteCmd(getenv func(string) string) *cobra.Command {
	return newGroupCmd("route", "list, add or delete the rules that send new tickets to Slack channels",
		newRouteListCmd(getenv), newRouteAddCmd(getenv), newRouteDeleteCmd(getenv))
}

func newRouteListCmd(getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "list the routing rules in the order they are tried",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return routeList(c.Context(), getenv, c.OutOrStdout())
		},
	}
}

func routeList(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	rules, err := st.ListRoutingRules(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tMATCHES\tSLACK CHANNEL\tNAME")
	for _, r := range rules {
		name := "-"
		if r.SlackChannelName != "" {
			name = "#" + r.SlackChannelName
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Match, r.SlackChannelID, name)
	}
	return tw.Flush()
}

func newRouteAddCmd(getenv func(string) string) *cobra.Command {
	var in core.RoutingRuleInput
	c := &cobra.Command{
		Use:   "add",
		Short: "add a rule, last of its kind",
		Long: `Add a routing rule: the new tickets of a company (--company, its exact
name), of the clients whose companies have an interest (--interest), or
opened from a Discord support channel (--discord-channel, one of
DISCORD_SUPPORT_CHANNEL) open their Slack thread in --slack-channel. Give
exactly one of the three. The channel is checked with Slack first
(SLACK_BOT_TOKEN): the bot joins a public channel; an unknown or archived
channel, or a private one without the bot, is refused and nothing is saved.
Rules are tried company first, then interest, then Discord channel; the
panel's Routing page changes their order within a kind.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return routeAdd(c, getenv, in)
		},
	}
	f := c.Flags()
	f.StringVar(&in.Company, "company", "", "the company's exact `NAME`")
	f.StringVar(&in.Interest, "interest", "", "the interest's `NAME`")
	f.StringVar(&in.DiscordChannel, "discord-channel", "", "a Discord support channel's `ID` (15 to 21 digits)")
	f.StringVar(&in.SlackChannel, "slack-channel", "", "the Slack channel's `ID`, C… (like C0123ABCD)")
	requireFlags(c, "slack-channel")
	return c
}

func routeAdd(c *cobra.Command, getenv func(string) string, in core.RoutingRuleInput) error {
	ctx := c.Context()
	cfg, st, err := openStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	if cfg.SlackEnabled() {
		st.SlackChannels = slackad.New(slackad.Config{BotToken: cfg.SlackBotToken, APIURL: cfg.SlackAPIURL,
			StaffChannel: cfg.SlackStaffChannel}, st, nil, slog.New(slog.DiscardHandler))
	}
	in.SupportChannels = []string{} // Discord off: no channel is a support channel
	if cfg.DiscordEnabled() {
		in.SupportChannels = cfg.DiscordSupportChannels
	}
	r, err := st.CreateRoutingRuleAs(ctx, core.Actor{RemoteAddr: "cli"}, in)
	if err != nil {
		return fieldError(c, err, nil)
	}
	name := ""
	if r.SlackChannelName != "" {
		name = " (#" + r.SlackChannelName + ")"
	}
	fmt.Fprintf(c.OutOrStdout(), "added rule %d: %s %s → %s%s\n", r.ID, r.Kind, r.Match, r.SlackChannelID, name)
	return nil
}

func newRouteDeleteCmd(getenv func(string) string) *cobra.Command {
	var id string
	c := &cobra.Command{
		Use:   "delete",
		Short: "delete a rule (its tickets keep their channel)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return routeDelete(c, getenv, id)
		},
	}
	c.Flags().StringVar(&id, "id", "", "the rule's `ID`, as route list shows it")
	requireFlags(c, "id")
	return c
}

func routeDelete(c *cobra.Command, getenv func(string) string, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return usagef("--id: want a rule's number, as route list shows it, got %q", id)
	}
	ctx := c.Context()
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.DeleteRoutingRuleAs(ctx, core.Actor{RemoteAddr: "cli"}, n)
	if err != nil {
		return fieldError(c, err, nil)
	}
	fmt.Fprintf(c.OutOrStdout(), "deleted rule %d: %s %s → %s\n", r.ID, r.Kind, r.Match, r.SlackChannelID)
	return nil
}
