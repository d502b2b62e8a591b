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

	"github.com/jackc/pgx/v5/pgconn"

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
			// The errors name --dsn or --data-dir; a deployment that sets
			// only variables (SIGIL_DSN=... sigil migrate) finds its own.
			if err := migrate(cmd, cfg); err != nil {
				return config.NamedAsGiven(err, cmd.Flags(), os.Getenv)
			}
			return nil
		},
	}
	config.RegisterDatabaseFlags(cmd.Flags())
	return cmd
}

// migrate applies the migrations to the database of cfg and says which.
func migrate(cmd *cobra.Command, cfg *config.Config) error {
	st, err := openBackend(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(cmd.Context())
	if err != nil {
		return migrateError(cfg, err)
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
		return nil, migrateError(cfg, err)
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
// file it says what to do about the kind of failure, since the driver
// only says "unable to open database file" or "file is not a database":
// a file that is damaged, or is no database, is to be restored from a
// backup; one that cannot be opened is a matter of its directory or of
// permissions. Any other failure is reported as it is, without advice
// that might send the operator the wrong way.
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
	switch sqliteFailure(err) {
	case sqliteCorrupt:
		// The integrity check's own error already says to restore the
		// file, and how to serve it anyway; do not say it twice.
		if strings.Contains(err.Error(), "restore it from a backup") {
			return fmt.Errorf("%s %q: %w", setting, value, err)
		}
		wrong := "the wrong directory"
		if setting == "--dsn" {
			wrong = "the wrong file"
		}
		return fmt.Errorf("%s %q: the SQLite database %s is corrupt or is not a Sigil database: restore it from a backup, "+
			"or correct %s if it names %s (%w)", setting, value, path, setting, wrong, err)
	case sqliteCannotOpen:
		dir := filepath.Dir(path)
		why := "check that this user may read and write it and its directory"
		if info, statErr := os.Stat(dir); errors.Is(statErr, os.ErrNotExist) {
			why = fmt.Sprintf("its directory %s does not exist (SQLite creates the file, not the directory)", dir)
		} else if statErr == nil && !info.IsDir() {
			why = fmt.Sprintf("%s is not a directory", dir)
		}
		return fmt.Errorf("%s %q: cannot open the SQLite database %s: %s (%w)", setting, value, path, why, err)
	default:
		return fmt.Errorf("%s %q: cannot open the SQLite database %s: %w", setting, value, path, err)
	}
}

// sqliteFailureKind is what openError advises on: a damaged file, a file
// that cannot be opened, or anything else.
type sqliteFailureKind int

const (
	sqliteOther sqliteFailureKind = iota
	sqliteCorrupt
	sqliteCannotOpen
)

// SQLite's primary result codes (https://sqlite.org/rescode.html) that
// sqliteFailure sorts; an extended code carries its primary code in its
// low byte.
const (
	codePerm     = 3  // SQLITE_PERM
	codeReadOnly = 8  // SQLITE_READONLY
	codeCorrupt  = 11 // SQLITE_CORRUPT
	codeCantOpen = 14 // SQLITE_CANTOPEN
	codeAuth     = 23 // SQLITE_AUTH
	codeNotADB   = 26 // SQLITE_NOTADB: "file is not a database"
)

// sqliteFailure sorts the error of opening a SQLite database by the result
// code the driver carries (modernc.org/sqlite's *Error has Code), or, for
// the integrity check's findings, which carry none, by their words.
func sqliteFailure(err error) sqliteFailureKind {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() & 0xff {
		case codeCorrupt, codeNotADB:
			return sqliteCorrupt
		case codeCantOpen, codePerm, codeReadOnly, codeAuth:
			return sqliteCannotOpen
		}
		return sqliteOther
	}
	if strings.Contains(err.Error(), "the database file is corrupt") {
		return sqliteCorrupt
	}
	return sqliteOther
}

// migrateError explains a migration that PostgreSQL refused for want of a
// privilege (SQLSTATE 42501, insufficient_privilege): since PostgreSQL 15
// only the database's owner may create tables in its schema public, so a
// database created by a superuser for another role fails at the first
// table, which goose reports by its own version table's name. The message
// names --dsn and what the role needs instead. Other errors are returned
// as they are.
func migrateError(cfg *config.Config, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		return err
	}
	// The advice names the role and the database when the DSN does
	// (pgconn reads it as pgx does, environment defaults included).
	role, database := "<role>", "<database>"
	if pc, parseErr := pgconn.ParseConfig(cfg.DSN); parseErr == nil {
		if pc.User != "" {
			role = pc.User
		}
		if pc.Database != "" {
			database = pc.Database
		}
	}
	return fmt.Errorf("--dsn %s: role %s may not create Sigil's tables in database %s (PostgreSQL: %s, SQLSTATE 42501): "+
		"the role must own the database (createdb -O %s %s for a new one, or ALTER DATABASE %s OWNER TO %s) "+
		"or have CREATE on its schema public (GRANT CREATE ON SCHEMA public TO %s, run in %s by its owner); "+
		"PostgreSQL 15 and later no longer give that to every role",
		redactDSN(cfg.DSN), role, database, pgErr.Message, role, database, database, role, role, database)
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
