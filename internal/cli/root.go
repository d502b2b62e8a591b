// Package cli is the sigil command line: serve, migrate, the admin
// commands, the development helpers and version. cmd/sigil only calls
// NewRootCommand.
package cli

import (
	"io"
	"log/slog"

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
	root.AddCommand(newServeCommand(), newMigrateCommand(), NewClientsCommand(), newWebFingerCommand(), NewKeysCommand(),
		NewSessionsCommand(), NewConsentsCommand(), newDevCommand(), newVersionCommand())
	return root
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(server.LogHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})))
}
