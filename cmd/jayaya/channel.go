package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/jayaya/jayayacrm/core"
)

// newChannelCmd is "jayaya channel language|list": the chat channels'
// own settings, from the shell (the panel's Channels page also sets
// them).
func newChannelCmd(getenv func(string) string) *cobra.Command {
	return newGroupCmd("channel", "set or list the language of Slack staff channels and Discord support channels",
		newChannelLanguageCmd(getenv), newChannelListCmd(getenv))
}

func newChannelLanguageCmd(getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "language CHANNEL en|fr|default",
		Short: "set the language of what everyone reads in a channel",
		Long: `Set a channel's language: on a Slack staff channel (C…), the ticket cards
and the lines the relay posts in their threads; on a Discord support
channel (15 to 21 digits), the ticket threads of clients Discord says
nothing about (a client's own language comes first). "default" goes back
to JAYAYA_LOCALE. Every replica follows within a few seconds. The change
is recorded in the audit log.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("want a channel ID and a language (en, fr or default), got %d arguments", len(args))
			}
			if _, ok := core.ChannelPlatform(args[0]); !ok {
				return usagef("%q is neither a Slack channel ID (like C0123ABCD) nor a Discord channel ID (15 to 21 digits)", args[0])
			}
			if _, err := core.ParseChannelLocale(args[1]); err != nil || strings.TrimSpace(args[1]) == "" {
				return usagef("unknown language %q: want en, fr or default", args[1])
			}
			return nil
		},
		// The shell completes the language; a channel's ID is the user's
		// to type.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 1 {
				return []cobra.Completion{"en", "fr", "default"}, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			return channelLanguage(c, getenv, args[0], args[1])
		},
	}
}

func channelLanguage(c *cobra.Command, getenv func(string) string, channel, locale string) error {
	ctx := c.Context()
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	before, err := st.SetChannelLocaleAs(ctx, core.Actor{RemoteAddr: "cli"}, "", channel, locale)
	if err != nil {
		return fieldError(c, err, nil)
	}
	after, _ := core.ParseChannelLocale(locale)
	fmt.Fprintf(c.OutOrStdout(), "channel %s: language %s (was %s)\n", channel, languageName(after), languageName(before))
	return nil
}

// languageName is a channel's language as the CLI shows it.
func languageName(l string) string {
	if l == "" {
		return "default"
	}
	return l
}

func newChannelListCmd(getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "list the channels that have a language of their own",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return channelList(c.Context(), getenv, c.OutOrStdout())
		},
	}
}

func channelList(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ChannelSettings(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLATFORM\tCHANNEL\tLANGUAGE")
	for _, cs := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cs.Platform, cs.ChannelID, cs.Locale)
	}
	return tw.Flush()
}
