package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// The positional-argument checks of the leaf commands. Cobra's own say
// "accepts 1 arg(s), received 0" or, for a command that takes none,
// "unknown command"; these name what is missing or extra and show the
// command's usage line. A stray "true" or "false" is almost always a
// boolean flag given its value after a space (--dev false), which the flag
// parser reads as --dev and a separate word: that would turn the setting
// on, so it is refused with the form that works.

// noArgs refuses any positional argument.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return fmt.Errorf("%s takes no arguments, but was given %q%s; usage: %s", cmd.CommandPath(), strings.Join(args, " "), boolHint(args), cmd.UseLine())
}

// exactArgs wants n positional arguments, those the Use line names.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return fmt.Errorf("%s takes %d argument%s, but was given %d%s; usage: %s", cmd.CommandPath(), n, plural(n), len(args), boolHint(args), cmd.UseLine())
	}
}

// maxArgs wants at most n positional arguments.
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		return fmt.Errorf("%s takes at most %d argument%s, but was given %d%s; usage: %s", cmd.CommandPath(), n, plural(n), len(args), boolHint(args), cmd.UseLine())
	}
}

// boolHint explains a "true" or "false" among the arguments.
func boolHint(args []string) string {
	for _, a := range args {
		if a == "true" || a == "false" {
			return fmt.Sprintf(" (a boolean flag takes its value after =, as --dev=%s; after a space it is a separate argument)", a)
		}
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
