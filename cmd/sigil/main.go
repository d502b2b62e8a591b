// Command sigil is the Sigil OpenID Connect provider: one binary that serves
// the protocol, the login pages and the admin API, and administers clients.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sigil-oidc/sigil/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.NewRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		os.Exit(1)
	}
}
