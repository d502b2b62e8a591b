package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestReadOrCreateOneContentForAll: callers that find no file at once, as
// nodes starting together on a shared data dir (no --system-secret), all
// end up with the same content, written whole, and the file holds it with
// mode 0600; later callers read it without generating.
func TestReadOrCreateOneContentForAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "system-secret")
	const n = 32
	got := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			b, err := readOrCreate(path, func() []byte { return []byte(fmt.Sprintf("secret of caller %02d, long enough\n", i)) })
			if err != nil {
				t.Error(err)
			}
			got[i] = string(b)
		})
	}
	close(start)
	wg.Wait()
	for i := range got {
		if got[i] != got[0] || len(got[i]) != len("secret of caller 00, long enough\n") {
			t.Fatalf("caller %d read %q, caller 0 %q", i, got[i], got[0])
		}
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the file: %v, %v", info, err)
	}
	if b, err := readOrCreate(path, func() []byte { t.Fatal("generated again"); return nil }); err != nil || string(b) != got[0] {
		t.Fatalf("a later read: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}
