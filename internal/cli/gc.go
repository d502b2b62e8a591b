package cli

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's settings when the operator sets neither GOGC nor
// GOMEMLIMIT (docs/operations.md, "Memory"; measurements in
// docs/benchmarks.md):
//
//   - gcPercent 200: a sign-in allocates mostly short-lived garbage, and at
//     GOGC=200 the collector runs half as often as at Go's default of 100.
//     On SQLite under whole-flow load that cut the server's CPU per flow by
//     about 5% for about 4 MiB more peak RSS; GOGC=400 saved little more
//     and pushed RSS past 55 MiB.
//   - a soft memory limit of gcFloor, or gcLiveFactor times the live heap
//     when that is more: a small heap (a few MiB live, the usual case) then
//     collects before it triples under a burst, which kept the peak RSS of
//     the benchmark's overload scenario about 3 MiB lower (58.8 to
//     55.9 MiB). The limit follows the live heap, so a node whose live
//     heap grows (many clients cached, say) never meets a fixed limit and
//     collects in a loop: it is always at least three times the live heap,
//     an effective GOGC of no less than about 150 once the runtime's own
//     memory is counted.
const (
	gcPercent    = 200
	gcFloor      = 20 << 20
	gcLiveFactor = 3
	// gcRetune is how often the limit is set again from the live heap.
	gcRetune = time.Second
)

// tuneGC applies the settings above unless GOGC or GOMEMLIMIT is set, and
// keeps the memory limit in step with the live heap until ctx ends.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(gcPercent)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	retune := func() {
		metrics.Read(sample)
		var live uint64
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = sample[0].Value.Uint64()
		}
		debug.SetMemoryLimit(memoryLimit(live))
	}
	retune()
	go func() {
		t := time.NewTicker(gcRetune)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				retune()
			}
		}
	}()
}

// memoryLimit is the soft memory limit for a live heap of live bytes.
func memoryLimit(live uint64) int64 {
	return int64(max(gcFloor, gcLiveFactor*live))
}
