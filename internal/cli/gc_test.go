package cli

import (
	"context"
	"runtime/debug"
	"testing"
)

// TestMemoryLimitFollowsTheLiveHeap checks the soft limit: the floor for a
// small live heap, and always three times the live heap above it, so that
// the collector never runs in a loop against a fixed limit.
func TestMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	for live, want := range map[uint64]int64{
		0:        gcFloor,
		4 << 20:  gcFloor,
		7 << 20:  21 << 20,
		64 << 20: 192 << 20,
	} {
		if got := memoryLimit(live); got != want {
			t.Errorf("memoryLimit(%d MiB) = %d MiB, want %d MiB", live>>20, got>>20, want>>20)
		}
	}
}

// TestTuneGCLeavesTheOperatorsSettings checks that GOGC or GOMEMLIMIT in the
// environment turn the tuning off, and that without them it sets GOGC=200
// and a limit of at least the floor.
func TestTuneGCLeavesTheOperatorsSettings(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, "100")
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(1 << 40)
			tuneGC(ctx)
			if p := debug.SetGCPercent(100); p != 100 {
				t.Errorf("with %s set, GOGC became %d", env, p)
			}
			if l := debug.SetMemoryLimit(-1); l != 1<<40 {
				t.Errorf("with %s set, the memory limit became %d", env, l)
			}
		})
	}
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(1 << 40)
	tuneGC(ctx)
	if p := debug.SetGCPercent(100); p != gcPercent {
		t.Errorf("GOGC = %d, want %d", p, gcPercent)
	}
	if l := debug.SetMemoryLimit(-1); l < gcFloor || l == 1<<40 {
		t.Errorf("memory limit = %d, want at least %d", l, gcFloor)
	}
}
