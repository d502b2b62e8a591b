package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/sigil-oidc/sigil"
)

// Migrator is a backend that can migrate its schema and report readiness,
// as every store.Backend can.
type Migrator interface {
	sigil.Store
	Migrate(ctx context.Context) ([]int64, error)
	Ready(ctx context.Context) error
}

// MigrateAtOnce is a fleet starting at once on one empty database: the
// stores, each its own pool on that database, migrate together; every one
// must succeed, the migrations (versions, in order) must be applied exactly
// once between them, every store must then be Ready, and a client written
// through one must read through all.
func MigrateAtOnce(t *testing.T, stores []Migrator, versions []int64) {
	t.Helper()
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		applied = make([][]int64, len(stores))
		errs    = make([]error, len(stores))
	)
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = st.Migrate(context.Background())
		}()
	}
	close(start)
	wg.Wait()
	var all []int64
	for i := range stores {
		if errs[i] != nil {
			t.Errorf("Migrate #%d: %v", i, errs[i])
		}
		all = append(all, applied[i]...)
	}
	slices.Sort(all)
	if !slices.Equal(all, versions) {
		t.Errorf("versions applied between the %d: %v, want each of %v once", len(stores), all, versions)
	}
	ctx := context.Background()
	for i, st := range stores {
		if err := st.Ready(ctx); err != nil {
			t.Errorf("Ready #%d: %v", i, err)
		}
	}
	if err := stores[0].CreateClient(ctx, &sigil.Client{ID: "rp"}); err != nil {
		t.Fatal(err)
	}
	for i, st := range stores {
		if _, err := st.GetClient(ctx, "rp"); err != nil {
			t.Errorf("GetClient on #%d: %v", i, err)
		}
	}
}
