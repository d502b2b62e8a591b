package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
	"github.com/spf13/cobra"
)

func newMigrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations (serve also applies them at start)",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "database %s is up to date\n", cfg.DatabaseDSN())
			return nil
		},
	}
	config.RegisterFlags(cmd.Flags())
	return cmd
}

// openStore creates the data directory, opens the database and applies the
// embedded migrations.
func openStore(ctx context.Context, cfg *config.Config) (*sqlite.Store, error) {
	if cfg.DSN == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	st, err := sqlite.Open(cfg.DatabaseDSN())
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
