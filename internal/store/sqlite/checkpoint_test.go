package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/sigil-oidc/sigil"
)

// openStopped opens a migrated file store with a client "rp" and its
// checkpointer stopped, so that a test decides when checkpoints run.
func openStopped(t *testing.T) *Store {
	t.Helper()
	st := open(t)
	st.checkpoints.close()
	if err := st.CreateClient(context.Background(), &sigil.Client{ID: "rp"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// saveConsent commits one write: a consent for subject n.
func saveConsent(st *Store, prefix string, n int) error {
	return st.SaveConsent(context.Background(), sigil.Consent{
		Subject: fmt.Sprintf("%s%d.crypto", prefix, n), Address: "0xabc", ClientID: "rp",
		Scope: sigil.Scopes{"openid"}, GrantedAt: time.Now(),
	})
}

// TestCommitsDoNotCheckpoint checks that no commit checkpoints the log on
// its own (wal_autocheckpoint 0): after 1500 commits, each of at least one
// frame, the log still holds them all. With SQLite's default, the commit
// that took the log past 1000 frames would have copied them back and the
// log would have started again.
func TestCommitsDoNotCheckpoint(t *testing.T) {
	st := openStopped(t)
	const commits = 1500
	for i := range commits {
		if err := saveConsent(st, "p", i); err != nil {
			t.Fatal(err)
		}
	}
	wal, err := checkpoint(context.Background(), st.db)
	if err != nil {
		t.Fatal(err)
	}
	if wal.frames < commits {
		t.Errorf("the log holds %d frames after %d commits: a commit checkpointed it", wal.frames, commits)
	}
}

// TestRoundStartsTheLogAgainUnderWrites runs checkpoint rounds while four
// goroutines write without pause, and checks that the log keeps starting
// again (a round sees fewer frames than the one before). The log starts
// again only when a write begins with every frame copied; a checkpoint on
// a reader connection alone never gets there under such load (the writer
// appends while it copies), and the log grew without bound: 900 MB in eight
// seconds of the benchmark's client_credentials. The round's last step, on
// the writer's own connection, is what this test checks.
func TestRoundStartsTheLogAgainUnderWrites(t *testing.T) {
	st := openStopped(t)
	c := newCheckpointer(st.db, st.writer, slog.Default())
	c.restartFrames = 10
	ctx := context.Background()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := saveConsent(st, fmt.Sprintf("w%d-", w), i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}

	const rounds = 20
	restarts, last := 0, 0
	for range rounds {
		time.Sleep(20 * time.Millisecond)
		wal, err := c.round(ctx)
		if err != nil {
			t.Fatalf("round: %v", err)
		}
		if wal.frames < last {
			restarts++
		}
		last = wal.frames
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a write failed during the checkpoints: %v", err)
	}
	if restarts < rounds/4 {
		t.Errorf("the log started again %d times in %d rounds under writes, want at least %d", restarts, rounds, rounds/4)
	}
}

// TestCheckpointerCopiesTheLogIntoTheFile checks that the store's own
// checkpointer runs: after 1000 commits the database file grows, which
// only a checkpoint does (every commit appends to the log alone). Close
// stops it.
func TestCheckpointerCopiesTheLogIntoTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sigil.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateClient(ctx, &sigil.Client{ID: "rp"}); err != nil {
		t.Fatal(err)
	}
	// Copy what the migrations wrote, so that the size below is the
	// file's before the commits.
	if _, err := checkpoint(ctx, st.writer); err != nil {
		t.Fatal(err)
	}
	before := fileSize(t, path)
	for i := range 1000 {
		if err := saveConsent(st, "p", i); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes for 10 s after 1000 commits: nothing checkpointed the log", before)
		}
		time.Sleep(20 * time.Millisecond)
	}

	st.Close()
	select {
	case <-st.checkpoints.done:
	default:
		t.Error("Close returned with the checkpointer still running")
	}
}

// TestFailingCheckpointsLogOnce checks that rounds that keep failing (here
// on a closed pool; in production a full disk or a read-only file) log one
// warning, not one every round.
func TestFailingCheckpointsLogOnce(t *testing.T) {
	st := openStopped(t)
	readers, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	readers.Close() // every round now fails: "sql: database is closed"
	// Only the checkpointer's goroutine writes logs, and close waits for
	// it to end, so the buffer is read after the last write.
	var logs bytes.Buffer
	c := startCheckpointer(readers, st.writer, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	time.Sleep(100 * time.Millisecond)
	c.close()
	if n := strings.Count(logs.String(), "checkpoints of the write-ahead log fail"); n != 1 {
		t.Errorf("%d warnings after 100 ms of failing rounds, want 1:\n%s", n, logs.String())
	}
}

// TestFailingTrimIsItsOwnWarning: when the checkpoints work but releasing
// the writer's page cache fails (here on a closed writer pool), the warning
// names the page cache, not the checkpoints, which go on working.
func TestFailingTrimIsItsOwnWarning(t *testing.T) {
	st := openStopped(t)
	writer, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	writer.Close() // every trim now fails: "sql: database is closed"
	var logs bytes.Buffer
	c := newCheckpointer(st.db, writer, slog.New(slog.NewTextHandler(&logs, nil)))
	c.trimEvery = 20 * time.Millisecond
	c.start(5 * time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	c.close()
	if n := strings.Count(logs.String(), "releasing the writer's page cache fails"); n < 1 {
		t.Errorf("no page-cache warning after 100 ms of failing trims:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "checkpoints of the write-ahead log fail") {
		t.Errorf("a failing trim was reported as failing checkpoints:\n%s", logs.String())
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestTwoNodesCheckpointOneFile runs two stores on one file, as two nodes
// of a fleet would, each writing and running checkpoint rounds at the same
// time: SQLite lets one checkpoint run at a time, and the other round must
// come back busy or done, never with an error, and no write may fail.
func TestTwoNodesCheckpointOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sigil.db")
	ctx := context.Background()
	var nodes []*Store
	for range 2 {
		st, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		st.checkpoints.close() // the test runs the rounds itself
		nodes = append(nodes, st)
	}
	if _, err := nodes[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].CreateClient(ctx, &sigil.Client{ID: "rp"}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for n, st := range nodes {
		c := newCheckpointer(st.db, st.writer, slog.Default())
		c.restartFrames = 10
		wg.Add(2)
		go func() { // the node's writes
			defer wg.Done()
			for i := range 300 {
				if err := saveConsent(st, fmt.Sprintf("n%d-", n), i); err != nil {
					errs <- fmt.Errorf("node %d: write: %w", n, err)
					return
				}
			}
		}()
		go func() { // the node's checkpoints, back to back
			defer wg.Done()
			for range 100 {
				if _, err := c.round(ctx); err != nil {
					errs <- fmt.Errorf("node %d: checkpoint: %w", n, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for n, st := range nodes {
		var count int
		if err := st.db.QueryRowContext(ctx, "SELECT count(*) FROM consents WHERE subject LIKE ?", fmt.Sprintf("n%d-%%", n)).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != 300 {
			t.Errorf("node %d: %d consents stored, want 300", n, count)
		}
	}
}

// writerCacheKiB is the memory of the writer connection's page cache
// (SQLITE_DBSTATUS_CACHE_USED), in KiB.
func writerCacheKiB(t *testing.T, st *Store) int {
	t.Helper()
	c, err := st.writer.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var used int
	if err := c.Raw(func(dc any) error {
		used, _, err = dc.(sqlite.DBStatus).Status(sqlite.DBStatusCacheUsed, false)
		return err
	}); err != nil {
		t.Fatalf("sqlite3_db_status: %v", err)
	}
	return used / 1024
}

// TestCheckpointerReleasesTheWritersCache: the checkpointer's rounds
// release the page cache of the writer's connection every trimEvery, and
// leave it alone otherwise (see trimInterval).
func TestCheckpointerReleasesTheWritersCache(t *testing.T) {
	for _, trim := range []bool{false, true} {
		t.Run(fmt.Sprintf("trim=%v", trim), func(t *testing.T) {
			st := openStopped(t)
			for i := range 1000 {
				if err := saveConsent(st, "c", i); err != nil {
					t.Fatal(err)
				}
			}
			before := writerCacheKiB(t, st)
			if before < 64 {
				t.Fatalf("the writer's cache holds %d KiB after 1000 writes; the test needs a full one", before)
			}
			c := newCheckpointer(st.db, st.writer, slog.Default())
			c.trimEvery = 0 // never
			if trim {
				c.trimEvery = 20 * time.Millisecond
			}
			c.start(5 * time.Millisecond)
			time.Sleep(200 * time.Millisecond)
			c.close()
			after := writerCacheKiB(t, st)
			t.Logf("the writer's page cache: %d KiB, then %d KiB", before, after)
			switch {
			case trim && after > 16:
				t.Errorf("the writer's cache holds %d KiB after rounds that trim it (%d before)", after, before)
			case !trim && after < before:
				t.Errorf("the writer's cache went from %d to %d KiB with trimming off", before, after)
			}
		})
	}
}

// TestRoundCatchesUpBeforeTheWriter checks the order of a round's
// checkpoints with the log past restartFrames, on reports that a test
// makes up (which pool ran each checkpoint is what is checked): the round
// runs more passes on the readers while each had more than writerTail
// frames to copy (frames appended during the pass before), at most
// catchUpPasses of them, and only then the writer's step, which every
// write waits for; a busy or failed pass ends the round without it.
func TestRoundCatchesUpBeforeTheWriter(t *testing.T) {
	readers, writer := &sql.DB{}, &sql.DB{}
	// pass is a report of a checkpoint that copied every frame it found.
	pass := func(frames int) walState { return walState{frames: frames, done: frames} }
	for _, tc := range []struct {
		name    string
		reports []walState // the readers' passes, in order
		fail    bool       // the last pass fails
		want    string     // r: a pass on the readers, w: the writer's step
	}{
		{"a small log: no more", []walState{pass(3999)}, false, "r"},
		{"the next pass copies a short tail", []walState{pass(5000), pass(5000 + writerTail)}, false, "rrw"},
		{"long tails, then a short one", []walState{pass(5000), pass(5600), pass(6000), pass(6100)}, false, "rrrrw"},
		{"long tails: catchUpPasses, then the writer", []walState{pass(5000), pass(6000), pass(7000), pass(8000), pass(9000), pass(10000)},
			false, "r" + strings.Repeat("r", catchUpPasses) + "w"},
		{"another node's checkpoint runs", []walState{pass(5000), {busy: true}}, false, "rr"},
		{"a pass fails", []walState{pass(5000), pass(6000)}, true, "rr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			n := 0
			c := &checkpointer{readers: readers, writer: writer, restartFrames: 4000,
				checkpoint: func(ctx context.Context, db *sql.DB) (walState, error) {
					if db == writer {
						got.WriteString("w")
						return pass(0), nil
					}
					got.WriteString("r")
					if n >= len(tc.reports) {
						t.Fatalf("pass %d on the readers; the test has %d reports", n+1, len(tc.reports))
					}
					st := tc.reports[n]
					n++
					if tc.fail && n == len(tc.reports) {
						return walState{}, fmt.Errorf("disk I/O error")
					}
					return st, nil
				}}
			_, err := c.round(context.Background())
			if (err != nil) != tc.fail {
				t.Errorf("round: %v, want an error %v", err, tc.fail)
			}
			if got.String() != tc.want {
				t.Errorf("checkpoints %q, want %q", got.String(), tc.want)
			}
		})
	}
}
