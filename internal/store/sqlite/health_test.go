package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// openAt opens and migrates the database at path.
func openAt(t *testing.T, path string) *Store {
	t.Helper()
	st, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return st
}

// TestReadyFailsWhileLocked: another process's write transaction held
// past the probe's timeout makes Ready fail (readers alone would still
// pass in WAL mode), within a bound; once it ends, Ready passes again.
func TestReadyFailsWhileLocked(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sigil.db")
	st := openAt(t, path)
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready before the lock: %v", err)
	}
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holder, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "UPDATE health SET checked_at = 0"); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	err = st.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), "takes no write") {
		t.Fatalf("Ready with the write lock held elsewhere = %v, want it to fail on the write", err)
	}
	if waited := time.Since(began); waited > 4*probeTimeout {
		t.Errorf("Ready took %s to fail, want about %s (the probe's own busy timeout)", waited, probeTimeout)
	}
	// Readers still pass: what the probe adds is the write.
	if _, err := st.GetClient(ctx, "nobody"); !errors.Is(err, sigil.ErrNotFound) {
		t.Errorf("a read during the lock = %v, want not found", err)
	}
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready after the lock ended: %v", err)
	}
}

// corruptPages overwrites pages from..to (1-based) of the database file
// with a pattern no SQLite page holds.
func corruptPages(t *testing.T, path string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const pageSize = 4096 // modernc's default
	junk := []byte(strings.Repeat("\xab", pageSize))
	for p := from; p <= to; p++ {
		if _, err := f.WriteAt(junk, int64(p-1)*pageSize); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenRefusesCorruptFile: a file whose B-tree pages are damaged is
// refused at open by PRAGMA quick_check, naming the file and the way out;
// --sqlite-skip-integrity-check (SkipIntegrityCheck) opens it anyway.
func TestOpenRefusesCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sigil.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Close() // the last connection: the WAL is checkpointed into the file
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the WAL outlived the last connection; the pages to corrupt may not be in the file")
	}
	corruptPages(t, path, 3, 6)

	_, err = Open(path)
	if err == nil {
		t.Fatal("Open accepted a corrupt file")
	}
	for _, want := range []string{path, "corrupt", "quick_check", "--sqlite-skip-integrity-check"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open's error %q does not name %q", err, want)
		}
	}
	skipped, err := OpenWith(path, Options{SkipIntegrityCheck: true})
	if err != nil {
		t.Fatalf("OpenWith(SkipIntegrityCheck) = %v, want the file opened unchecked", err)
	}
	skipped.Close()
}

// TestOpenRefusesNotADatabase: a file that is not SQLite at all is refused
// naming the file.
func TestOpenRefusesNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sigil.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open = %v, want an error naming %s", err, path)
	}
}

// TestReadyFailsOnCorruptFile: a file damaged under a running node makes
// Ready fail, though the pool's connections still hold pages in memory:
// the probe opens a connection of its own each time.
func TestReadyFailsOnCorruptFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sigil.db")
	st := openAt(t, path)
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready before: %v", err)
	}
	// Move every page into the file, so that the damage below is what a
	// reader finds (a page's newer copy in the WAL would hide it).
	if _, err := st.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	corruptPages(t, path, 1, 1) // the header and the schema's root
	if err := st.Ready(ctx); err == nil {
		t.Fatal("Ready passed on a file whose header and schema are destroyed")
	}
}

// TestReadyFailsOnFullDisk: on a file system with no room left (less than
// MinFreeBytes) Ready fails; with room again, it passes. It
// needs a small tmpfs, so it runs only as root where mount works.
func TestReadyFailsOnFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	ctx := context.Background()
	path := filepath.Join(dir, "sigil.db")
	st := openAt(t, path)
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready before the disk filled: %v", err)
	}
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	f.Close()
	// The probe's write may well succeed (the WAL reuses its space), so
	// Ready reads the free space too.
	err = st.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), "bytes free") && !strings.Contains(err.Error(), "takes no write") {
		t.Fatalf("Ready on a full disk = %v, want the write to fail", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready with room again: %v", err)
	}
}
