package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version describes this binary: its module version (a tagged release, or
// "(devel)" for a build from a checkout), the commit it was built from and
// whether the tree had changes, which the Go toolchain records in every
// build made inside the repository (go version -m shows the same). A fleet's
// nodes must all run one release (docs/deploy.md): this is how an operator
// checks.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (built without module information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " with uncommitted changes"
			}
		}
	}
	if revision != "" {
		v += ", commit " + revision + modified
	}
	return v + ", " + info.GoVersion
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the release, commit and Go version of this binary",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "sigil "+version())
			return err
		},
	}
}
