package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to prepare the role

	"github.com/sigil-oidc/sigil/internal/admin"
	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/pgtest"
)

// TestMain stops the PostgreSQL that pgtest.NewDatabase starts, if a test
// started one.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestBadFlagValueSaysWhatTheFlagTakes: a boolean flag given another word
// says what it takes, not strconv.ParseBool's syntax error; other flag
// errors keep pflag's message.
func TestBadFlagValueSaysWhatTheFlagTakes(t *testing.T) {
	for _, args := range [][]string{
		{"clients", "create", "--require-pkce=maybe"},
		{"keys", "rotate", "--now=soon"},
		{"serve", "--dev=maybe"},
	} {
		_, errOut, err := runRoot(t, "", args...)
		flag, value, _ := strings.Cut(args[len(args)-1], "=")
		want := fmt.Sprintf("%s takes true or false, not %q", flag, value)
		if err == nil || !strings.Contains(errOut, want) || strings.Contains(errOut, "strconv") || strings.Contains(errOut, "ParseBool") {
			t.Errorf("%v: %v, stderr %q, want %q", args, err, errOut, want)
		}
	}
	if _, errOut, err := runRoot(t, "", "clients", "create", "--no-such-flag"); err == nil || !strings.Contains(errOut, "unknown flag: --no-such-flag") {
		t.Errorf("unknown flag: %v, stderr %q", err, errOut)
	}
}

// TestNonUTF8FlagRefused: a client name (or any text flag) that is not
// UTF-8 is refused before any request, since JSON would store U+FFFD in
// place of each invalid byte.
func TestNonUTF8FlagRefused(t *testing.T) {
	api := newTestAPI(t)
	for _, args := range [][]string{
		{"create", "--name", "\xff\xfe", "--redirect-uri", "https://app.example.com/cb"},
		{"create", "--name", "App", "--redirect-uri", "https://app.example.com/\xe9"},
		{"create", "--name", "Caf\xe9", "--scope", "openid", "--redirect-uri", "https://app.example.com/cb"},
	} {
		_, errOut, err := run(t, append(args, "--admin-url", api.url, "--admin-token", cliToken)...)
		if err == nil || !strings.Contains(errOut, "bytes that are not UTF-8") {
			t.Errorf("%q: %v, stderr %q", args, err, errOut)
		}
	}
	if n := api.requests.Load(); n != 0 {
		t.Errorf("%d requests sent for values that are not UTF-8", n)
	}
	if out := api.runOK(t, "create", "--id", "cafe", "--name", "Café ☕", "--redirect-uri", "https://app.example.com/cb"); !strings.Contains(out, "Café ☕") {
		t.Errorf("a UTF-8 name: %s", out)
	}
}

// TestDevSignSaysMessageMustBeAString: a challenge answer whose "message"
// is not a string is named in the JSON's terms, not Go's.
func TestDevSignSaysMessageMustBeAString(t *testing.T) {
	dir := t.TempDir()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, devWalletFile), []byte(hex.EncodeToString(crypto.FromECDSA(key))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIGIL_DATA_DIR", "")
	for stdin, want := range map[string]string{
		`{"message":12}`:               `"message" must be a string (it is of JSON type number)`,
		`{"message":["a"]}`:            `"message" must be a string (it is of JSON type array)`,
		`{"message":"x","error":true}`: `"error" must be a string`,
	} {
		_, errOut, err := runRoot(t, stdin, "dev", "sign", "--data-dir", dir)
		if err == nil || !strings.Contains(errOut, want) || strings.Contains(errOut, "Go struct") {
			t.Errorf("%s: %v, stderr %q, want %q", stdin, err, errOut, want)
		}
	}
}

// TestCorruptSQLiteSaysRestore: a file that is not a database, or whose
// pages are damaged, is reported as corrupt with the advice to restore it,
// not with advice about permissions; a missing directory still says so.
func TestCorruptSQLiteSaysRestore(t *testing.T) {
	t.Setenv("SIGIL_DSN", "")
	t.Setenv("SIGIL_DATA_DIR", "")
	notADB := t.TempDir()
	if err := os.WriteFile(filepath.Join(notADB, "sigil.db"), bytes.Repeat([]byte("not a database\n"), 100), 0o600); err != nil {
		t.Fatal(err)
	}
	damaged := t.TempDir()
	if _, errOut, err := runRoot(t, "", "migrate", "--data-dir", damaged); err != nil {
		t.Fatalf("migrate: %v %s", err, errOut)
	}
	f, err := os.OpenFile(filepath.Join(damaged, "sigil.db"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Past the header, over the tables' pages.
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 8192), 4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"migrate", "--data-dir", notADB}, []string{`--data-dir "` + notADB + `"`, "is corrupt or is not a Sigil database", "restore it from a backup"}},
		{[]string{"migrate", "--dsn", filepath.Join(notADB, "sigil.db")}, []string{"--dsn", "is corrupt or is not a Sigil database", "if it names the wrong file"}},
		{[]string{"migrate", "--data-dir", damaged}, []string{`--data-dir "` + damaged + `"`, "corrupt", "restore it from a backup"}},
	} {
		_, errOut, err := runRoot(t, "", tc.args...)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(errOut, w) {
				t.Errorf("%v: %v, stderr %q lacks %q", tc.args, err, errOut, w)
			}
		}
		if strings.Contains(errOut, "may read and write") {
			t.Errorf("%v: permission advice for a corrupt file: %s", tc.args, errOut)
		}
		if strings.Count(errOut, "restore it from a backup") > 1 {
			t.Errorf("%v: the advice twice: %s", tc.args, errOut)
		}
	}
}

// TestMigrateWithoutCreateOnSchemaPublic: on PostgreSQL 15 and later a role
// that neither owns the database nor has CREATE on its schema public
// cannot migrate; the error names --dsn, the role, the database and what
// the role needs, not goose's version table. The same role migrates once
// it owns the database.
func TestMigrateWithoutCreateOnSchemaPublic(t *testing.T) {
	superDSN := pgtest.NewDatabase(t)
	admin, err := sql.Open("pgx", superDSN)
	if err != nil {
		t.Fatal(err)
	}
	role := fmt.Sprintf("sigil_nocreate_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Runs before pgtest drops the database, which the role then
		// owns; roles outlive databases, so it goes explicitly.
		_, _ = admin.Exec("REASSIGN OWNED BY " + role + " TO CURRENT_USER")
		_, _ = admin.Exec("DROP OWNED BY " + role)
		if _, err := admin.Exec("DROP ROLE " + role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
		admin.Close()
	})
	u, err := url.Parse(superDSN)
	if err != nil {
		t.Fatal(err)
	}
	database := strings.TrimPrefix(u.Path, "/")
	u.User = url.UserPassword(role, "pg-secret-word")
	dsn := u.String()
	t.Setenv("SIGIL_DSN", "")
	_, errOut, err := runRoot(t, "", "migrate", "--dsn", dsn, "--db-max-conns", "2")
	for _, want := range []string{"--dsn postgres://" + role + ":xxxxx@", "role " + role + " may not create Sigil's tables in database " + database,
		"SQLSTATE 42501", "createdb -O " + role, "GRANT CREATE ON SCHEMA public TO " + role} {
		if err == nil || !strings.Contains(errOut, want) {
			t.Errorf("migrate as %s: %v, stderr %q lacks %q", role, err, errOut, want)
		}
	}
	if strings.Contains(errOut, "goose") || strings.Contains(errOut, "pg-secret-word") {
		t.Errorf("the error names goose's table or shows the password: %s", errOut)
	}
	// Given as SIGIL_DSN, the error names the variable.
	t.Setenv("SIGIL_DSN", dsn)
	if _, errOut, err := runRoot(t, "", "migrate", "--db-max-conns", "2"); err == nil || !strings.Contains(errOut, "SIGIL_DSN (--dsn) postgres://") {
		t.Errorf("migrate with SIGIL_DSN: %v, stderr %q", err, errOut)
	}
	t.Setenv("SIGIL_DSN", "")
	if _, err := admin.Exec("ALTER DATABASE " + database + " OWNER TO " + role); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL 15's schema public belongs to pg_database_owner, so the
	// database's new owner may create in it.
	if out, errOut, err := runRoot(t, "", "migrate", "--dsn", dsn, "--db-max-conns", "2"); err != nil || !strings.Contains(out, "applied migrations") {
		t.Fatalf("migrate as the owner: %v %q %q", err, out, errOut)
	}
}

// TestMigrateErrorLeavesOtherErrors: only insufficient_privilege is
// rewritten; any other error, PostgreSQL's or not, is kept as it is.
func TestMigrateErrorLeavesOtherErrors(t *testing.T) {
	cfg := &config.Config{DSN: "postgres://sigil@db/sigil"}
	for _, err := range []error{
		fmt.Errorf("postgres: migrate: %w", &pgconn.PgError{Code: "42P07", Message: "relation exists"}),
		context.DeadlineExceeded,
	} {
		if got := migrateError(cfg, err); got != err {
			t.Errorf("migrateError(%v) = %v, want it unchanged", err, got)
		}
	}
}

// TestMissingDomainsFileNamesTheSetting: a --domains file that does not
// exist is an error naming --domains (or SIGIL_DOMAINS, when that is where
// it came from) and the other value it takes, uns.
func TestMissingDomainsFileNamesTheSetting(t *testing.T) {
	t.Setenv("GOGC", "100") // serve leaves the collector alone
	missing := filepath.Join(t.TempDir(), "nonexist.yaml")
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--domains", missing}, "", `--domains "` + missing + `"`},
		{nil, missing, `SIGIL_DOMAINS (--domains) "` + missing + `"`},
	} {
		t.Setenv("SIGIL_DOMAINS", tc.env)
		args := append([]string{"serve", "--admin-token", "0123456789abcdef", "--data-dir", t.TempDir(),
			"--public-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:1"}, tc.args...)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		_, errOut, err := runRootContext(ctx, args...)
		cancel()
		for _, w := range []string{tc.want, "no such file or directory", "or uns"} {
			if err == nil || !strings.Contains(errOut, w) {
				t.Errorf("%v SIGIL_DOMAINS=%q: %v, stderr %q lacks %q", tc.args, tc.env, err, errOut, w)
			}
		}
	}
}

// runRootContext is runRoot under ctx, for a command that may serve.
func runRootContext(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	cmd := NewRootCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

// TestListingsShareOneDateFormat: sessions and consents print their dates
// as keys list does, RFC 3339 in UTC.
func TestListingsShareOneDateFormat(t *testing.T) {
	at := time.Date(2026, 12, 7, 23, 28, 25, 0, time.FixedZone("CET", 3600))
	var keys bytes.Buffer
	if err := printKeys(&keys, []admin.KeyJSON{{CreatedAt: at, ActivatesAt: at}}); err != nil {
		t.Fatal(err)
	}
	if got := unixTime(at.Unix()); got != "2026-12-07T22:28:25Z" || !strings.Contains(keys.String(), got) {
		t.Errorf("unixTime = %q; keys list prints:\n%s", got, keys.String())
	}
}
