package sqlstore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/sigil-oidc/sigil/internal/pgtest"
)

// The cleanup must find the rows it deletes without reading the live ones.
// With the default lifetimes a flow is over after 30 minutes while its
// access token lives an hour and an offline grant's refresh token 30 days:
// a cleanup that finds candidates by the flow's expiry and checks the
// tokens row by row reads every such live row in every batch, and on
// SQLite it does so holding the only writer while sign-ins wait
// (migration 11).

// TestCleanupSearchesTheLastExpiry: on SQLite the cleanup's plans search
// the indexes on when a row is over (authorizations_purge_at,
// sessions_purge_at). A plan on the flow's own expiry is a SEARCH as well,
// so TestLookupsUseIndexes cannot tell.
func TestCleanupSearchesTheLastExpiry(t *testing.T) {
	db := migrated(t, "sqlite", filepath.Join(t.TempDir(), "plan.db"), goose.DialectSQLite3, "../sqlite/migrations")
	q := buildQueries(Dialect{})
	for query, index := range map[string]string{
		q.deleteExpired:       "authorizations_purge_at",
		q.sessions.deleteOver: "sessions_purge_at",
	} {
		rows, err := db.Query("EXPLAIN QUERY PLAN "+query, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(plan, "\n"), "USING INDEX "+index) {
			t.Errorf("the cleanup does not search %s: %q", index, plan)
		}
	}
}

// TestPostgresCleanupReadsOnlyWhatItDeletes runs each cleanup's generic
// plan (the one a prepared statement reuses) with EXPLAIN ANALYZE over
// 100,000 live rows and 40 that are over: the search for what to delete
// may read no more rows than the 40 it finds. The live authorizations are the ones
// a search by the flow's expiry reads: their flow ended long ago, a token
// lives on (every third by its refresh token only). The live sessions
// neither expired nor ended; the 40 over either expired or ended.
func TestPostgresCleanupReadsOnlyWhatItDeletes(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "pgx", pgtest.NewDatabase(t), goose.DialectPostgres, "../postgres/migrations")
	for _, stmt := range []string{
		`INSERT INTO clients (id, name, redirect_uris, grant_types, response_types, scope, created_at, updated_at)
			VALUES ('rp', 'RP', '[]', '[]', '[]', 'openid', 0, 0)`,
		`INSERT INTO authorizations (id, client_id, state, requested_at, expires_at, code_hash, code_expires_at,
			access_token_hash, access_token_expires_at, refresh_family, refresh_token_hash, refresh_token_expires_at)
			SELECT 'live' || g, 'rp', 'exchanged', 0, g, sha256(('c' || g)::bytea), g,
			sha256(('a' || g)::bytea), CASE WHEN g % 3 = 0 THEN g ELSE 2000000 END,
			'f' || g, sha256(('r' || g)::bytea), CASE WHEN g % 3 = 0 THEN 3000000 ELSE NULL END
			FROM generate_series(1, 100000) g`,
		`INSERT INTO authorizations (id, client_id, state, requested_at, expires_at, access_token_hash, access_token_expires_at)
			SELECT 'over' || g, 'rp', 'exchanged', 0, 5000 + g, sha256(('o' || g)::bytea), 900000 + g
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
	for table, query := range map[string]string{"authorizations": q.deleteExpired, "sessions": q.sessions.deleteOver} {
		t.Run(table, func(t *testing.T) {
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, stmt := range []string{"BEGIN", "SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE cleanup_" + table + " AS " + query} {
				if _, err := conn.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			defer conn.ExecContext(ctx, "ROLLBACK")
			var out string
			if err := conn.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE cleanup_"+table+"(1000000)").Scan(&out); err != nil {
				t.Fatal(err)
			}
			var explained []struct{ Plan planNode }
			if err := json.Unmarshal([]byte(out), &explained); err != nil || len(explained) != 1 {
				t.Fatalf("EXPLAIN's JSON: %v\n%s", err, out)
			}
			// The search is the subquery under LIMIT. How the DELETE then
			// finds those 40 rows by id is the planner's choice by the
			// table's size: on this small a table it may scan it, on a
			// large one it looks each up by its key.
			searched := false
			explained[0].Plan.walk(func(limit planNode) {
				if limit.NodeType != "Limit" {
					return
				}
				limit.walk(func(n planNode) {
					if n.Relation != table {
						return
					}
					searched = true
					if read := (n.ActualRows + n.RemovedByFilter + n.RemovedByRecheck) * n.ActualLoops; read > 40 {
						t.Errorf("%s on %s (index %q) read %d rows to find the 40 to delete", n.NodeType, table, n.Index, read)
					}
				})
			})
			if !searched {
				t.Errorf("no search of %s under LIMIT:\n%s", table, out)
			}
			var left int
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != 100000 {
				t.Errorf("%d rows left, want the 100,000 live ones", left)
			}
			if !strings.Contains(out, table+"_purge_at") {
				t.Errorf("the plan does not use %s_purge_at:\n%s", table, out)
			}
		})
	}
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
