// Package cli is the sigil command line: serve, migrate, the admin
// commands, the development helpers and version. cmd/sigil only calls
// NewRootCommand.
package cli

import (
	"fmt"
	"io"
	"log/slog"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/sigil-oidc/sigil/internal/server"
)

// NewRootCommand returns the sigil command with its subcommands.
func NewRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "sigil",
		Short: "Sigil: sign in with a blockchain domain over OpenID Connect",
		Long: "Sigil is an OpenID Connect provider: people sign in to websites with a blockchain domain\n" +
			"(such as alice.crypto) by signing a message with the wallet that owns it.\n\n" +
			"Start a development server with a demo:  sigil serve --dev",
		SilenceUsage:  true,
		SilenceErrors: false,
		Version:       version(),
	}
	root.SetVersionTemplate("sigil {{.Version}}\n")
	// Every subcommand inherits it (cobra looks up the parents).
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newServeCommand(), newMigrateCommand(), NewClientsCommand(), newWebFingerCommand(), NewKeysCommand(),
		NewSessionsCommand(), NewConsentsCommand(), newDevCommand(), newVersionCommand())
	return root
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(server.LogHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})))
}

// invalidFlagValue matches pflag's message for a value its type does not
// parse: `invalid argument "maybe" for "--require-pkce" flag:
// strconv.ParseBool: parsing "maybe": invalid syntax`.
var invalidFlagValue = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-[a-zA-Z], )?--([a-z0-9-]+)" flag: `)

// flagError rewrites pflag's message for a bad boolean value, which ends in
// Go's strconv error, as what the flag takes. Other flag errors ("unknown
// flag: --x") already say what is wrong and are kept.
func flagError(cmd *cobra.Command, err error) error {
	m := invalidFlagValue.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	value, name := m[1], m[2]
	if f := cmd.Flags().Lookup(name); f != nil && f.Value.Type() == "bool" {
		return fmt.Errorf("--%s takes true or false, not %q (write --%s=false to turn it off; --%s alone means true)", name, value, name, name)
	}
	return err
}
