package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// usageWidth is where synopses wrap.
const usageWidth = 80

// writeUsage writes c's help: what it does, the synopsis of every command
// it holds (for jayaya itself: all of them, with every flag), and its own
// flags.
func writeUsage(w io.Writer, c *cobra.Command) {
	about := c.Long
	if about == "" {
		about = c.Short
	}
	fmt.Fprintf(w, "%s\n\nUsage:\n", strings.TrimSpace(about))
	cmds := runnable(c)
	for _, s := range cmds {
		for _, line := range wrap(synopsis(s), usageWidth-2, "    ") {
			fmt.Fprintf(w, "  %s\n", line)
		}
		if len(cmds) > 1 {
			for _, line := range wrap(strings.Fields(s.Short), usageWidth-6, "") {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
	c.InitDefaultHelpFlag() // not there yet when asked through "jayaya help"
	fmt.Fprint(w, "\nFlags:\n")
	writeFlags(w, c.LocalFlags())
	if !c.HasParent() {
		fmt.Fprint(w, "\nConfiguration comes from the environment; see the README.\n"+
			"Run \"jayaya COMMAND --help\" for a command's flags in full.\n")
	}
}

// runnable lists the commands "jayaya <c's path> …" can run, c first,
// in the tree's order; hidden ones and groups are left out.
func runnable(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	if c.Runnable() && !isGroup(c) && c.HasParent() {
		out = append(out, c)
	}
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() || s.Name() == "help" {
			out = append(out, runnable(s)...)
		}
	}
	return out
}

// synopsis is a command's usage line, in pieces that wrap stays whole:
// its path, the arguments its Use names, and each flag that Use does not
// mention (required ones bare, others in brackets), so that a new flag
// shows up by itself.
func synopsis(c *cobra.Command) []string {
	parts := []string{c.CommandPath()}
	_, args, _ := strings.Cut(c.Use, " ")
	if args != "" {
		parts = append(parts, args)
	}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "version" || f.Hidden || strings.Contains(args, "--"+f.Name) {
			return
		}
		s := "--" + f.Name
		if name := valueName(f); name != "" {
			s += " " + name
		}
		if !isRequired(f) {
			s = "[" + s + "]"
		}
		parts = append(parts, s)
	})
	return parts
}

// placeholderAnnotation holds the name of a flag's value in the usage
// ("L" in --login L).
const placeholderAnnotation = "jayaya_placeholder"

// takePlaceholder moves the `name` quoted in a flag's usage (the spf13/pflag
// convention) into an annotation, so that the usage reads as plain text
// where the shell completion shows it.
func takePlaceholder(f *pflag.Flag) {
	name, usage := pflag.UnquoteUsage(f)
	if usage != f.Usage {
		f.Usage = usage
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[placeholderAnnotation] = []string{name}
	}
}

// valueName is what the usage calls a flag's value: its placeholder, else
// its type; "" for a switch.
func valueName(f *pflag.Flag) string {
	if p := f.Annotations[placeholderAnnotation]; len(p) > 0 {
		return p[0]
	}
	name, _ := pflag.UnquoteUsage(f)
	return name
}

// writeFlags lists flags in two columns, the second wrapped, with each
// default that is not the zero value.
func writeFlags(w io.Writer, fs *pflag.FlagSet) {
	type row struct{ left, right string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		left := "    "
		if f.Shorthand != "" {
			left = "-" + f.Shorthand + ", "
		}
		left += "--" + f.Name
		if name := valueName(f); name != "" {
			left += " " + name
		}
		right := f.Usage
		if isRequired(f) {
			right += " (required)"
		}
		switch f.DefValue {
		case "", "0", "false", "[]":
		default:
			if f.Value.Type() == "string" {
				right += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				right += " (default " + f.DefValue + ")"
			}
		}
		rows = append(rows, row{left, right})
		width = max(width, len([]rune(left)))
	})
	for _, r := range rows {
		pad := strings.Repeat(" ", width-len([]rune(r.left))+3)
		lines := wrap(strings.Fields(r.right), max(usageWidth-width-5, 30), "")
		fmt.Fprintf(w, "  %s%s%s\n", r.left, pad, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "  %s%s\n", strings.Repeat(" ", width+3), l)
		}
	}
}

// wrap joins words with spaces into lines of at most width characters
// (a longer word has a line of its own), indenting the lines after the
// first.
func wrap(words []string, width int, indent string) []string {
	var lines []string
	line := ""
	for _, word := range words {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) > width:
			lines = append(lines, line)
			line = indent + word
		default:
			line += " " + word
		}
	}
	return append(lines, line)
}
