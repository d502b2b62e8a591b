package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/sigil-oidc/sigil/internal/pgtest"
)

// Statements that touch many rows must find them without reading the rows
// they leave alone (migration 11). The cleanup: with the default lifetimes
// a flow is over after 30 minutes while its access token lives an hour and
// an offline grant's refresh token 30 days, and a cleanup that found
// candidates by the flow's expiry read every such live row in every batch.
// Disconnecting an application: it found the person's grants on the
// client's index and read every row of the client. On SQLite both held the
// only writer while sign-ins waited.

// TestManyRowStatementsSearchTheirIndexes: on SQLite the cleanup's plans
// search the indexes on when a row is over, and RevokeConsent's the
// client's and subject's. The plans they replace were SEARCHes as well, so
// TestLookupsUseIndexes cannot tell.
func TestManyRowStatementsSearchTheirIndexes(t *testing.T) {
	db := migrated(t, "sqlite", filepath.Join(t.TempDir(), "plan.db"), goose.DialectSQLite3, "../sqlite/migrations")
	q := buildQueries(Dialect{})
	for _, tc := range []struct{ name, query, search string }{
		{"deleteExpired", q.deleteExpired, "USING INDEX authorizations_purge_at"},
		{"sessions.deleteOver", q.sessions.deleteOver, "USING INDEX sessions_purge_at"},
		{"sessions.revokeGrants", q.sessions.revokeGrants, "USING INDEX authorizations_client_subject (client_id=? AND subject=?)"},
	} {
		plan := sqlitePlan(t, db, tc.name, tc.query)
		if !strings.Contains(strings.Join(plan, "\n"), tc.search) {
			t.Errorf("%s does not search %q: %q", tc.name, tc.search, plan)
		}
	}
}

// TestPostgresManyRowStatementsReadOnlyTheirRows runs the generic plans
// (the ones a prepared statement reuses) with EXPLAIN ANALYZE over 100,000
// rows the statement must leave alone and 40 it must change: the search
// for those 40 may read no more rows than it finds. The authorizations the
// cleanup leaves are the ones a search by the flow's expiry reads: their
// flow ended long ago, a token lives on (every third by its refresh token
// only); all are the same client's, as RevokeConsent meets them. The
// sessions it leaves neither expired nor ended; the 40 it deletes either
// expired or ended.
func TestPostgresManyRowStatementsReadOnlyTheirRows(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "pgx", pgtest.NewDatabase(t), goose.DialectPostgres, "../postgres/migrations")
	for _, stmt := range []string{
		`INSERT INTO clients (id, name, redirect_uris, grant_types, response_types, scope, created_at, updated_at)
			VALUES ('rp', 'RP', '[]', '[]', '[]', 'openid', 0, 0)`,
		`INSERT INTO authorizations (id, client_id, state, requested_at, expires_at, subject, code_hash, code_expires_at,
			access_token_hash, access_token_expires_at, refresh_family, refresh_token_hash, refresh_token_expires_at)
			SELECT 'live' || g, 'rp', 'exchanged', 0, g, 's' || (g % 1000) || '.crypto', sha256(('c' || g)::bytea), g,
			sha256(('a' || g)::bytea), CASE WHEN g % 3 = 0 THEN g ELSE 2000000 END,
			'f' || g, sha256(('r' || g)::bytea), CASE WHEN g % 3 = 0 THEN 3000000 ELSE NULL END
			FROM generate_series(1, 100000) g`,
		`INSERT INTO authorizations (id, client_id, state, requested_at, expires_at, subject, access_token_hash, access_token_expires_at)
			SELECT 'over' || g, 'rp', 'exchanged', 0, 5000 + g, 'mallory.crypto', sha256(('o' || g)::bytea), 900000 + g
			FROM generate_series(1, 40) g`,
		`INSERT INTO sessions (id, subject, auth_time, expires_at, ended_at)
			SELECT 'live' || g, 's' || (g % 1000), 0, 2000000 + g, CASE WHEN g % 5 = 0 THEN 1500000 END
			FROM generate_series(1, 100000) g`,
		`INSERT INTO sessions (id, subject, auth_time, expires_at, ended_at)
			SELECT 'over' || g, 'gone', 0, CASE WHEN g % 2 = 0 THEN 900000 + g ELSE 2000000 END,
			CASE WHEN g % 2 = 1 THEN 900000 + g END
			FROM generate_series(1, 40) g`,
		"ANALYZE",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	q := buildQueries(Dialect{Name: "postgres", Placeholder: Numbered, Greatest: "GREATEST"})
	for _, tc := range []struct {
		name, table, query, index string
		args                      []any
		// under is the plan node the search is found under: the cleanup's
		// subquery is under its LIMIT; how the DELETE then finds those 40
		// rows by id is the planner's choice by the table's size (on this
		// small a table it may scan it, on a large one it looks each up
		// by its key).
		under string
		// left is what must still match afterwards.
		left string
	}{
		{"deleteExpired", "authorizations", q.deleteExpired, "authorizations_purge_at", []any{1000000}, "Limit",
			"SELECT count(*) FROM authorizations"},
		{"sessions.deleteOver", "sessions", q.sessions.deleteOver, "sessions_purge_at", []any{1000000}, "Limit",
			"SELECT count(*) FROM sessions"},
		{"sessions.revokeGrants", "authorizations", q.sessions.revokeGrants, "authorizations_client_subject", []any{"rp", "mallory.crypto"}, "",
			"SELECT count(*) FROM authorizations WHERE state = 'exchanged'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, plan := explainAnalyzeGeneric(t, ctx, db, tc.query, tc.args, tc.left)
			searched := false
			check := func(n planNode) {
				if n.Relation != tc.table {
					return
				}
				searched = true
				if read := (n.ActualRows + n.RemovedByFilter + n.RemovedByRecheck) * n.ActualLoops; read > 40 {
					t.Errorf("%s on %s (index %q) read %d rows to find 40", n.NodeType, tc.table, n.Index, read)
				}
			}
			if tc.under == "" {
				plan.walk(check)
			}
			plan.walk(func(n planNode) {
				if tc.under != "" && n.NodeType == tc.under {
					n.walk(check)
				}
			})
			if !searched {
				t.Errorf("no search of %s:\n%s", tc.table, out)
			}
			if !strings.Contains(out, tc.index) {
				t.Errorf("the plan does not use %s:\n%s", tc.index, out)
			}
		})
	}
}

// explainAnalyzeGeneric runs query's generic plan with args under EXPLAIN
// (ANALYZE) in a transaction it rolls back, checks that count (a SELECT
// count(*)) then finds the 100,000 rows the statement must leave, and
// returns the plan as JSON text and parsed.
func explainAnalyzeGeneric(t *testing.T, ctx context.Context, db *sql.DB, query string, args []any, count string) (string, planNode) {
	t.Helper()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range []string{"BEGIN", "SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE explained AS " + query} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	defer conn.ExecContext(ctx, "DEALLOCATE explained")
	defer conn.ExecContext(ctx, "ROLLBACK")
	// EXECUTE takes its parameters as literals.
	literals := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			literals[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		default:
			literals[i] = fmt.Sprint(v)
		}
	}
	var out string
	if err := conn.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE explained("+strings.Join(literals, ", ")+")").Scan(&out); err != nil {
		t.Fatal(err)
	}
	var explained []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(out), &explained); err != nil || len(explained) != 1 {
		t.Fatalf("EXPLAIN's JSON: %v\n%s", err, out)
	}
	var left int
	if err := conn.QueryRowContext(ctx, count).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 100000 {
		t.Errorf("%q = %d, want the 100,000 rows left alone", count, left)
	}
	return out, explained[0].Plan
}

// planNode is a node of PostgreSQL's EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	NodeType         string     `json:"Node Type"`
	Relation         string     `json:"Relation Name"`
	Index            string     `json:"Index Name"`
	ActualRows       int        `json:"Actual Rows"`
	ActualLoops      int        `json:"Actual Loops"`
	RemovedByFilter  int        `json:"Rows Removed by Filter"`
	RemovedByRecheck int        `json:"Rows Removed by Index Recheck"`
	Plans            []planNode `json:"Plans"`
}

// walk calls f on n and every node below it.
func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}
