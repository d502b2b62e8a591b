package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/store"
	"github.com/spf13/cobra"
)

func newMigrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations (serve also applies them at start)",
		Long: "Apply the embedded database migrations and say which were applied. Several nodes may migrate\n" +
			"one database at once: PostgreSQL migrations run under an advisory lock, SQLite ones under a lock\n" +
			"file beside the database, so one node applies them and the others wait and find them done.",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return err
			}
			st, err := openBackend(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			applied, err := st.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			where := redactDSN(cfg.DatabaseDSN())
			if len(applied) > 0 {
				versions := make([]string, len(applied))
				for i, v := range applied {
					versions[i] = strconv.FormatInt(v, 10)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "database %s: applied migrations %s; now at version %d\n",
					where, strings.Join(versions, ", "), applied[len(applied)-1])
				return nil
			}
			version := "the newest"
			if v, ok := st.(interface {
				Version(context.Context) (int64, error)
			}); ok {
				if n, err := v.Version(cmd.Context()); err == nil {
					version = strconv.FormatInt(n, 10)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database %s: already at version %s, nothing to apply\n", where, version)
			return nil
		},
	}
	config.RegisterFlags(cmd.Flags())
	return cmd
}

// openStore opens the database and applies the embedded migrations, which
// is safe when several nodes start at once (see store.Backend.Migrate).
func openStore(ctx context.Context, cfg *config.Config) (store.Backend, error) {
	st, err := openBackend(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// openBackend opens the database --dsn names (PostgreSQL for a
// postgres:// URL), or the SQLite file in the data dir, which it creates.
func openBackend(ctx context.Context, cfg *config.Config) (store.Backend, error) {
	if cfg.DSN == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	return store.Open(ctx, cfg.DatabaseDSN(), store.Options(cfg.DB))
}

// redactDSN hides the password of a PostgreSQL URL, for output.
func redactDSN(dsn string) string {
	if !store.IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(postgres)"
	}
	return u.Redacted()
}
