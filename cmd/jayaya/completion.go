package main

import (
	"io"

	"github.com/spf13/cobra"
)

// completionShells writes each shell's completion script for the tree
// under root (cobra generates them from the commands and flags).
var completionShells = map[string]func(root *cobra.Command, w io.Writer) error{
	"bash": func(root *cobra.Command, w io.Writer) error { return root.GenBashCompletionV2(w, true) },
	"zsh":  func(root *cobra.Command, w io.Writer) error { return root.GenZshCompletion(w) },
	"fish": func(root *cobra.Command, w io.Writer) error { return root.GenFishCompletion(w, true) },
}

// newCompletionCmd is "jayaya completion bash|zsh|fish": the shell's
// completion script on stdout.
func newCompletionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "print the shell completion script",
		Long: `Print the shell completion script for bash, zsh or fish on standard output.

Load it in the current shell:
  bash:  source <(jayaya completion bash)
  zsh:   source <(jayaya completion zsh)
  fish:  jayaya completion fish | source

or keep it, for every new shell:
  bash:  jayaya completion bash > /etc/bash_completion.d/jayaya
  zsh:   jayaya completion zsh > "${fpath[1]}/_jayaya"
  fish:  jayaya completion fish > ~/.config/fish/completions/jayaya.fish`,
		ValidArgs: []cobra.Completion{"bash", "zsh", "fish"},
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("want one shell: bash, zsh or fish")
			}
			if completionShells[args[0]] == nil {
				return usagef("unknown shell %q (want bash, zsh or fish)", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return completionShells[args[0]](c.Root(), c.OutOrStdout())
		},
	}
}
