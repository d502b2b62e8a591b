package sqlstore

import (
	"context"
	"strings"
	"sync"
)

// maxTokenBatch bounds how many client credentials tokens one INSERT
// stores: 64 rows of 8 parameters stay far below the parameter limits of
// SQLite (32766) and PostgreSQL (65535), and one batch per size means at
// most 64 prepared statements.
const maxTokenBatch = 64

// group is group commit: concurrent calls of do are joined into batches,
// each written with one call of write, and every caller returns only once
// its own item's write has finished, with its own error.
//
// One batch is written at a time, and there is no background goroutine and
// no timer. A caller that finds no batch being written becomes the writer
// at once and writes what is queued, its own item included; so a lone call
// is written immediately, with no added latency. Calls that arrive while a
// batch is written queue up, and the next batch takes them all (up to
// maxBatch): the more concurrent the load, the larger the batches. The
// writer stops once its own item is written; if calls are still queued, it
// hands its place to a goroutine that drains them, so no caller writes for
// others for long.
//
// Why one batch at a time, on PostgreSQL too, where two could be written
// on two connections: a second writer mostly wrote the one call that
// arrived while the first was busy, and a batch costs the database about
// as much as its rows together (PostgreSQL 15 here: 0.094 ms to insert
// one row, 0.33 ms for fourteen, then a commit each). With one writer,
// client_credentials on PostgreSQL ran 16-27% faster in six interleaved
// pairs (7,118-8,053 -> 8,851-9,613 grants/s at 16 concurrent requests),
// with 0.043-0.050 ms of database CPU a grant instead of 0.072-0.081. A
// second writer started only once several calls were queued was slower
// too: two INSERTs at once meet on the last pages of the time-ordered
// indexes. SQLite has one writing connection anyway.
type group[T any] struct {
	maxBatch int
	// write stores items and returns one error per item (nil for
	// success), in order. The context is not canceled by any one caller.
	write func(ctx context.Context, items []T) []error

	mu      sync.Mutex
	queue   []*call[T]
	writing bool // a caller or drain is writing batches
}

// call is one caller's item and where its result arrives.
type call[T any] struct {
	item T
	done chan error // buffered: the writer never waits for the caller
}

// do queues item and returns once it was written, with its error.
func (g *group[T]) do(ctx context.Context, item T) error {
	c := &call[T]{item: item, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.writing
	g.writing = true
	g.mu.Unlock()
	if lead {
		g.lead(ctx, c)
	}
	return <-c.done
}

// lead writes batches until c's item is written, then leaves the rest to a
// goroutine, or gives up the writer's place when nothing is queued. One
// caller's cancellation must not fail the others' writes, hence
// WithoutCancel; the database's own timeouts bound a write.
func (g *group[T]) lead(ctx context.Context, c *call[T]) {
	ctx = context.WithoutCancel(ctx)
	for len(c.done) == 0 {
		batch := g.next()
		if batch == nil {
			return // cannot happen while c is queued: no one else writes
		}
		g.flush(ctx, batch)
	}
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.writing = false
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	go g.drain(ctx)
}

// drain writes batches until nothing is queued.
func (g *group[T]) drain(ctx context.Context) {
	for batch := g.next(); batch != nil; batch = g.next() {
		g.flush(ctx, batch)
	}
}

// next takes the oldest queued calls, at most maxBatch of them. With
// nothing queued it returns nil and gives up the caller's writer place, in
// the same critical section, so that a call queued just after is never left
// without a writer.
func (g *group[T]) next() []*call[T] {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.writing = false
		return nil
	}
	n := min(len(g.queue), g.maxBatch)
	batch := make([]*call[T], n)
	copy(batch, g.queue)
	rest := copy(g.queue, g.queue[n:])
	clear(g.queue[rest:])
	g.queue = g.queue[:rest]
	return batch
}

// flush writes one batch and hands each caller its result.
func (g *group[T]) flush(ctx context.Context, batch []*call[T]) {
	items := make([]T, len(batch))
	for i, c := range batch {
		items[i] = c.item
	}
	errs := g.write(ctx, items)
	for i, c := range batch {
		c.done <- errs[i]
	}
}

// multiRowInsert returns an INSERT of n rows: head (the INSERT INTO ...
// VALUES part), then n copies of row joined by commas, rebound to d.
func multiRowInsert(d Dialect, head, row string, n int) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = row
	}
	return d.rebind(head + strings.Join(rows, ", "))
}
