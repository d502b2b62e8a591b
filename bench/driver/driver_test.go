package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil/bench/internal/report"
)

func TestParseStatusKiB(t *testing.T) {
	status := "Name:\tsigil\nVmPeak:\t  900000 kB\nVmHWM:\t   38912 kB\nVmRSS:\t   30720 kB\n"
	if n, err := parseStatusKiB(status, "VmHWM"); err != nil || n != 38 {
		t.Errorf("VmHWM = %v, %v; want 38", n, err)
	}
	if n, err := parseStatusKiB(status, "VmRSS"); err != nil || n != 30 {
		t.Errorf("VmRSS = %v, %v; want 30", n, err)
	}
	if _, err := parseStatusKiB(status, "VmSwap"); err == nil {
		t.Error("a missing field gave no error")
	}
}

// TestCountTCP: only established connections of the process's own sockets
// to the database port count.
func TestCountTCP(t *testing.T) {
	// Port 5432 is 1538 in hex; state 01 is ESTABLISHED, 0A LISTEN.
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 111 1 0 100 0 0 10 0
   1: 0100007F:A001 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1
   2: 0100007F:A002 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0 20 4 30 10 -1
   3: 0100007F:1538 0100007F:A001 01 00000000:00000000 00:00000000 00000000   105        0 444 1 0 20 4 30 10 -1
   4: 0100007F:A003 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 555 1 0 20 4 30 10 -1
   5: 0100007F:A004 0100007F:1538 06 00000000:00000000 00:00000000 00000000     0        0 666 1 0 20 4 30 10 -1
`
	inodes := socketInodes([]string{"socket:[222]", "socket:[333]", "socket:[555]", "socket:[666]", "/tmp/x/sigil.db", "pipe:[9]"})
	if len(inodes) != 4 || inodes["9"] {
		t.Fatalf("socketInodes = %v", inodes)
	}
	if got := countTCP(table, inodes, 5432); got != 2 {
		t.Errorf("countTCP = %d, want 2 (222 and 333)", got)
	}
	if got := countTCP(table, map[string]bool{}, 5432); got != 0 {
		t.Errorf("countTCP with no sockets of ours = %d", got)
	}
}

func TestMetricInt(t *testing.T) {
	text := "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 23\ngo_goroutines_other 5\n"
	if got := metricInt(text, "go_goroutines"); got != 23 {
		t.Errorf("go_goroutines = %d, want 23", got)
	}
	if got := metricInt(text, "missing"); got != -1 {
		t.Errorf("missing metric = %d, want -1", got)
	}
}

// TestWriteDoc: the generated section replaces only what is between the
// markers; a document without them gets them appended once.
func TestWriteDoc(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "benchmarks.md")
	if err := os.WriteFile(path, []byte("# Benchmarks\n\nHand-written method.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeDoc(path, "run one\n"); err != nil {
		t.Fatal(err)
	}
	if err := writeDoc(path, "run two\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	doc := string(b)
	if !strings.HasPrefix(doc, "# Benchmarks\n\nHand-written method.\n") || strings.Contains(doc, "run one") ||
		!strings.Contains(doc, report.BeginMarker+"\nrun two\n"+report.EndMarker) || strings.Count(doc, report.BeginMarker) != 1 {
		t.Errorf("document:\n%s", doc)
	}
}

// TestInstall: the installed binary is a byte-for-byte, executable copy of
// what the linker wrote, which is gone afterwards.
func TestInstall(t *testing.T) {
	dir := t.TempDir()
	built, to := filepath.Join(dir, "sigil.built"), filepath.Join(dir, "sigil")
	content := []byte("\x7fELF not really, but bytes\x00\xff")
	if err := os.WriteFile(built, content, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := install(built, to); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(to)
	if err != nil || string(got) != string(content) {
		t.Fatalf("installed %q, %v; want %q", got, err, content)
	}
	if fi, err := os.Stat(to); err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("installed binary mode %v, %v; want executable", fi.Mode(), err)
	}
	if _, err := os.Stat(built); !os.IsNotExist(err) {
		t.Errorf("the linker's output is still there: %v", err)
	}
	if err := install(filepath.Join(dir, "missing"), to); err == nil {
		t.Error("installing a file that does not exist succeeded")
	}
}
