package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite"
)

// allQueries lists every statement of q by field name.
func allQueries(q queries) map[string]string {
	out := map[string]string{}
	addQueries(out, "", reflect.ValueOf(q))
	return out
}

// addQueries adds every string field of the struct v, descending into
// nested structs of statements (such as sessionQueries), named prefix.field.
func addQueries(out map[string]string, prefix string, v reflect.Value) {
	for i := range v.NumField() {
		name := prefix + v.Type().Field(i).Name
		switch f := v.Field(i); f.Kind() {
		case reflect.Struct:
			addQueries(out, name+".", f)
		case reflect.String:
			out[name] = f.String()
		}
	}
}

// TestNumberedPlaceholders checks the rebinding PostgreSQL will rely on: no
// "?" is left and the $n run from 1 without gaps.
func TestNumberedPlaceholders(t *testing.T) {
	plain := allQueries(buildQueries(Dialect{}))
	for name, q := range allQueries(buildQueries(Dialect{Placeholder: Numbered})) {
		if q == "" {
			t.Errorf("%s is empty", name)
		}
		if strings.Contains(q, "?") {
			t.Errorf("%s keeps a ?: %s", name, q)
		}
		n := strings.Count(plain[name], "?")
		for i := 1; i <= n; i++ {
			if !strings.Contains(q, "$"+strconv.Itoa(i)) {
				t.Errorf("%s lacks $%d: %s", name, i, q)
			}
		}
		if strings.Contains(q, "$"+strconv.Itoa(n+1)) {
			t.Errorf("%s has more than %d parameters: %s", name, n, q)
		}
	}
}

// migrated opens dsn with driver and applies the migrations in dir (a
// backend package's), closing the database when t ends.
func migrated(t *testing.T, driver, dsn string, dialect goose.Dialect, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(dialect, db, os.DirFS(dir), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestLookupsUseIndexes guards the performance contract on SQLite, with the
// sqlite package's migrations: every lookup and conditional write searches
// an index; none scans the authorizations table.
func TestLookupsUseIndexes(t *testing.T) {
	db := migrated(t, "sqlite", filepath.Join(t.TempDir(), "plan.db"), goose.DialectSQLite3, "../sqlite/migrations")
	// Only the two listings read whole (small) tables.
	scans := map[string]bool{"listClients": true, "listSigningKeys": true}
	for name, q := range allQueries(buildQueries(Dialect{})) {
		if name == "authenticateOpening" || name == "authenticateRenewing" || name == "grantRecording" {
			continue // PostgreSQL only (Dialect.WritesInWith)
		}
		plan := sqlitePlan(t, db, name, q)
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN") && !scans[name] {
				t.Errorf("%s scans a table: %q", name, plan)
			}
		}
		t.Logf("%s: %q", name, plan)
	}
}

// sqlitePlan is SQLite's EXPLAIN QUERY PLAN of q, named name, with every
// parameter 1: one line per step ("SEARCH authorizations USING INDEX ...").
func sqlitePlan(t *testing.T, db *sql.DB, name, q string) []string {
	t.Helper()
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = int64(1)
	}
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return plan
}

// TestReadsAndWritesTakeTheirHandles checks the split NewSplit relies on:
// every statement that changes a row goes to the writer, and what goes to
// the read pool only reads.
func TestReadsAndWritesTakeTheirHandles(t *testing.T) {
	for _, d := range []Dialect{{Name: "sqlite"}, {Name: "postgres", Placeholder: Numbered}} {
		for name, q := range allQueries(buildQueries(d)) {
			upper := strings.ToUpper(q)
			writes := strings.Contains(upper, "INSERT INTO") || strings.Contains(upper, "DELETE FROM") ||
				strings.Contains(upper, "UPDATE ") || strings.Contains(upper, "ON CONFLICT")
			if isRead(q) && writes {
				t.Errorf("%s %s: a write would go to the read pool: %.80s", d.Name, name, q)
			}
			if !isRead(q) && !writes {
				t.Errorf("%s %s: a read would queue for the writer: %.80s", d.Name, name, q)
			}
		}
	}
	for q, want := range map[string]bool{
		"SELECT 1": true, "  \n\tselect id FROM t": true, "UPDATE t SET a = 1": false,
		"WITH x AS (UPDATE t SET a = 1 RETURNING id) SELECT id FROM x": false, "": false, "SELEC": false,
	} {
		if got := isRead(q); got != want {
			t.Errorf("isRead(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestFlowWritesTakeTheFlowHandle checks the routing of NewWith: the
// steps of a sign-in before the code exchange, and the session it opens,
// go to Handles.Flow (asynchronous commit on PostgreSQL); every write whose
// loss could grant more (a use, a refusal, a revocation, a token, a
// remembered consent) goes to Write; reads go to Read. Without a Flow
// handle the flow writes go to Write.
func TestFlowWritesTakeTheFlowHandle(t *testing.T) {
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	read, write, flow := open(), open(), open()
	s := NewWith(Handles{Read: read, Write: write, Flow: flow}, Dialect{Name: "postgres", Placeholder: Numbered})
	defer s.Close()
	flowWrites := map[string]bool{
		"createAuthorization": true, "challenge": true, "authenticate": true, "authenticateOpening": true, "authenticateRenewing": true,
		"resume": true, "grant": true, "grantRecording": true, "sessions.create": true, "sessions.renew": true, "sessions.record": true,
	}
	mustWait := []string{"exchange", "refresh", "revokeToken", "createClientToken", "reject", "saveConsent",
		"revokeReplayed", "revokeReused", "sessions.end", "sessions.revokeGrants", "deleteSigningKey"}
	queries := allQueries(s.q)
	for _, name := range mustWait {
		if _, ok := queries[name]; !ok || flowWrites[name] {
			t.Fatalf("test table: %s is not a statement that must wait for the disk", name)
		}
	}
	for name, q := range queries {
		want, what := write, "the durable writer"
		switch {
		case isRead(q):
			want, what = read, "the read pool"
		case flowWrites[name]:
			want, what = flow, "the flow pool"
		}
		if got := s.handle(q); got != want {
			t.Errorf("%s goes to the wrong handle, want %s: %.80s", name, what, q)
		}
	}

	alone := NewWith(Handles{Read: read, Write: write}, Dialect{Name: "sqlite"})
	if got := alone.handle(alone.q.challenge); got != write {
		t.Errorf("without a Flow handle, a flow write does not go to the writer")
	}
}

// TestSessionCleanupDeletesInBatches: one statement of the sessions'
// cleanup deletes at most cleanupBatch rows, so that a wave of expired
// sessions never holds SQLite's writer for long (one DELETE of a wave
// made sign-ins behind it wait past admission control's 50 ms in the soak
// run); DeleteExpired repeats it until fewer go (storetest checks that).
// A store with one writer (SQLite) deletes in smaller batches than one
// with a pool (see cleanupBatchOneWriter).
func TestSessionCleanupDeletesInBatches(t *testing.T) {
	for _, d := range []Dialect{{OneWriter: true}, {}} {
		size := d.cleanupBatch()
		t.Run(fmt.Sprintf("OneWriter=%v", d.OneWriter), func(t *testing.T) {
			db := migrated(t, "sqlite", filepath.Join(t.TempDir(), "cleanup.db"), goose.DialectSQLite3, "../sqlite/migrations")
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			for i := range size*2 + 10 {
				if _, err := tx.Exec("INSERT INTO sessions (id, subject, auth_time, expires_at) VALUES (?, 'a.crypto', 1, 2)", fmt.Sprint("s", i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			q := buildQueries(d)
			for _, want := range []int64{int64(size), int64(size), 10, 0} {
				res, err := db.Exec(q.sessions.deleteOver, 100, 100)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := res.RowsAffected(); n != want {
					t.Fatalf("one cleanup statement deleted %d sessions, want %d", n, want)
				}
			}
		})
	}
	if one, pooled := (Dialect{OneWriter: true}).cleanupBatch(), (Dialect{}).cleanupBatch(); one != 100 || pooled != 500 {
		t.Errorf("cleanup batches: %d with one writer, %d with a pool; want 100 and 500", one, pooled)
	}
}
