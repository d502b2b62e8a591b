package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/store"
	"github.com/sigil-oidc/sigil/internal/store/postgres"
	"github.com/spf13/cobra"
)

func newMigrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations (serve also applies them at start)",
		Long: "Apply the embedded database migrations and say which were applied. Several nodes may migrate\n" +
			"one database at once: PostgreSQL migrations run under an advisory lock, SQLite ones under a lock\n" +
			"file beside the database, so one node applies them and the others wait and find them done.\n\n" +
			"It reads only the database settings; a --config file may hold the other settings of serve too.",
		Example: "  sigil migrate --data-dir /var/lib/sigil\n" +
			"  SIGIL_DSN=postgres://sigil@db:5432/sigil sigil migrate",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.LoadDatabase(cmd.Flags(), os.Getenv)
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
	config.RegisterDatabaseFlags(cmd.Flags())
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
	// A standby takes the migrations when they are all applied already,
	// then refuses Sigil's first write with a message about whatever that
	// write was: say what is wrong instead.
	if err := st.Ready(ctx); errors.Is(err, postgres.ErrReadOnly) {
		st.Close()
		return nil, fmt.Errorf("--dsn %s: %w: name the primary (for a list of hosts, add target_session_attrs=read-write)", redactDSN(cfg.DSN), postgres.ErrReadOnly)
	}
	return st, nil
}

// openBackend opens the database --dsn names (PostgreSQL for a
// postgres:// URL), or the SQLite file in the data dir, which it creates.
func openBackend(ctx context.Context, cfg *config.Config) (store.Backend, error) {
	if cfg.DSN == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, dataDirError(cfg.DataDir, err)
		}
	}
	st, err := store.Open(ctx, cfg.DatabaseDSN(), store.Options(cfg.DB))
	if err != nil {
		return nil, openError(cfg, err)
	}
	return st, nil
}

// dataDirError says which setting names a data dir that cannot be created
// or written, rather than only the system call that failed.
func dataDirError(dir string, err error) error {
	return fmt.Errorf("--data-dir %q cannot be used: %w (give a directory this user may create and write)", dir, err)
}

// openError names the setting behind a database that does not open: --dsn
// when it is given, else --data-dir (the SQLite file in it). For a SQLite
// file it says what is the matter with its directory, since the driver
// only says "unable to open database file".
func openError(cfg *config.Config, err error) error {
	if store.IsPostgres(cfg.DSN) {
		return fmt.Errorf("--dsn %s: cannot connect to PostgreSQL: %w", redactDSN(cfg.DSN), err)
	}
	if scheme, ok := store.URLScheme(cfg.DSN); ok && !strings.EqualFold(scheme, "file") {
		return fmt.Errorf("--dsn %s: %w", redactDSN(cfg.DSN), err)
	}
	setting, value := "--data-dir", cfg.DataDir
	if cfg.DSN != "" {
		setting, value = "--dsn", cfg.DSN
	}
	path, _, _ := strings.Cut(cfg.DatabaseDSN(), "?")
	path = strings.TrimPrefix(path, "file:")
	dir := filepath.Dir(path)
	why := "check that this user may read and write it and its directory"
	if info, statErr := os.Stat(dir); errors.Is(statErr, os.ErrNotExist) {
		why = fmt.Sprintf("its directory %s does not exist (SQLite creates the file, not the directory)", dir)
	} else if statErr == nil && !info.IsDir() {
		why = fmt.Sprintf("%s is not a directory", dir)
	}
	return fmt.Errorf("%s %q: cannot open the SQLite database %s: %s (%w)", setting, value, path, why, err)
}

// redactDSN hides the password of a DSN, for output: of any URL (a
// PostgreSQL one, or one of a database Sigil refuses), and of a libpq
// key/value string.
func redactDSN(dsn string) string {
	if scheme, ok := store.URLScheme(dsn); ok && !strings.EqualFold(scheme, "file") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "(a " + scheme + " URL)"
		}
		return u.Redacted()
	}
	if store.IsPostgres(dsn) {
		return keyValuePassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	return dsn
}

// keyValuePassword is the password of a libpq key/value DSN, quoted or
// not (libpq section 34.1.1.1).
var keyValuePassword = regexp.MustCompile(`(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
