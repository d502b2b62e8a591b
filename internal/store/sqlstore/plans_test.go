package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/sigil-oidc/sigil/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// keyedBy matches the conditions of a statement that name one row by a
// unique key: its id or the hash of one of its credentials.
var keyedBy = regexp.MustCompile(`\b(id|code_hash|access_token_hash|refresh_token_hash|refresh_family) = \$`)

// TestPostgresPlansFindRowsByTheirKey guards the performance contract on
// PostgreSQL, with the postgres package's migrations. database/sql
// prepares each statement once per connection, and PostgreSQL then reuses
// a generic plan made from the statistics of that moment: on a new
// database, before autovacuum has analyzed anything, every index looked as
// good as any other, and the code exchange, the refresh and the revocation
// were planned on the client's index, filtering by hash every row of
// the client (1,688 rows read for one exchange after a few seconds of
// load, and more with every sign-in). So every statement that names a row
// by its key must be planned on that key's index, with no statistics and
// with statistics from a table of one large client, and no statement may
// scan authorizations but the cleanup, whose DELETE may look up the rows
// its subquery found by scanning a table this small (its search is what
// TestPostgresManyRowStatementsReadOnlyTheirRows checks).
func TestPostgresPlansFindRowsByTheirKey(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "pgx", pgtest.NewDatabase(t), goose.DialectPostgres, "../postgres/migrations")
	// The client's index (authorizations_client_id before migration 11).
	const clientIndex = "authorizations_client_subject"
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", clientIndex).Scan(&exists); err != nil || !exists {
		t.Fatalf("index %s: exists %v, %v", clientIndex, exists, err)
	}
	// Autovacuum must not gather statistics behind the test's back.
	if _, err := db.ExecContext(ctx, "ALTER TABLE authorizations SET (autovacuum_enabled = false)"); err != nil {
		t.Fatal(err)
	}
	mayScan := map[string]bool{"deleteExpired": true}
	queries := allQueries(buildQueries(Dialect{Name: "postgres", Placeholder: Numbered, Greatest: "GREATEST"}))
	check := func(when string) {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
			t.Fatal(err)
		}
		for name, q := range queries {
			plan := genericPlan(t, ctx, conn, name, q)
			if strings.Contains(plan, "Seq Scan on authorizations") && !mayScan[name] {
				t.Errorf("%s, %s scans authorizations:\n%s", when, name, plan)
			}
			if keyedBy.MatchString(q) && strings.Contains(plan, clientIndex) {
				t.Errorf("%s, %s finds its row through %s, not its key:\n%s", when, name, clientIndex, plan)
			}
		}
	}
	check("on an empty table")

	// One client with many flows in every state: first as a node sees
	// them before autovacuum's first ANALYZE (the case that went wrong),
	// then with the statistics autovacuum would gather.
	if _, err := db.ExecContext(ctx, `INSERT INTO clients (id, name, redirect_uris, grant_types, response_types, scope, created_at, updated_at)
		VALUES ('big', 'Big', '[]', '[]', '[]', 'openid', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	flows := func(from, to int) {
		t.Helper()
		if _, err := db.ExecContext(ctx, `INSERT INTO authorizations (id, client_id, state, redirect_uri, scope, requested_at, expires_at,
			code_hash, access_token_hash, refresh_family, refresh_token_hash, subject)
			SELECT 'a' || g, 'big', (ARRAY['requested', 'code_issued', 'exchanged'])[g % 3 + 1], 'https://big.example/cb', 'openid', 0, 1,
			sha256(('c' || g)::bytea), sha256(('a' || g)::bytea), 'f' || g, sha256(('r' || g)::bytea), 's' || (g % 50)
			FROM generate_series($1::int, $2::int) g`, from, to); err != nil {
			t.Fatal(err)
		}
	}
	flows(1, 50)
	check("with 50 rows and no statistics")
	flows(51, 2000)
	check("with 2,000 rows and no statistics")
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	check("with the statistics of one large client")
}

// genericPlan is EXPLAIN of q's generic plan (the one a connection reuses
// for every execution of a prepared statement), on conn.
func genericPlan(t *testing.T, ctx context.Context, conn *sql.Conn, name, q string) string {
	t.Helper()
	n := 0
	for strings.Contains(q, fmt.Sprintf("$%d", n+1)) {
		n++
	}
	if _, err := conn.ExecContext(ctx, "PREPARE plan_me AS "+q); err != nil {
		t.Fatalf("%s: PREPARE: %v", name, err)
	}
	defer conn.ExecContext(ctx, "DEALLOCATE plan_me")
	args := strings.TrimSuffix(strings.Repeat("'1', ", n), ", ")
	explain := "EXPLAIN EXECUTE plan_me"
	if n > 0 {
		explain += "(" + args + ")"
	}
	rows, err := conn.QueryContext(ctx, explain)
	if err != nil {
		t.Fatalf("%s: %s: %v", name, explain, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
