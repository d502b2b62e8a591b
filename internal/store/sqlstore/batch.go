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
// There is no background goroutine and no timer. A caller that finds fewer
// than maxWriters batches being written becomes a writer at once and writes
// what is queued, its own item included; so a lone call is written
// immediately, with no added latency. Calls that arrive while every writer
// is busy queue up, and the next batch takes them all (up to maxBatch):
// the more concurrent the load, the larger the batches. A writer stops once
// its own item is written; if calls are still queued, it hands its place
// to a goroutine that drains them, so no caller writes for others for long.
type group[T any] struct {
	maxBatch   int
	maxWriters int
	// write stores items and returns one error per item (nil for
	// success), in order. The context is not canceled by any one caller.
	write func(ctx context.Context, items []T) []error

	mu      sync.Mutex
	queue   []*call[T]
	writers int // writers running, at most maxWriters
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
	lead := g.writers < g.maxWriters
	if lead {
		g.writers++
	}
	g.mu.Unlock()
	if lead {
		g.lead(ctx, c)
	}
	return <-c.done
}

// lead writes batches until c's item is written, then leaves the rest to a
// goroutine, or gives up its writer's place when nothing is queued. One
// caller's cancellation must not fail the others' writes, hence
// WithoutCancel; the database's own timeouts bound a write.
func (g *group[T]) lead(ctx context.Context, c *call[T]) {
	ctx = context.WithoutCancel(ctx)
	for len(c.done) == 0 {
		batch := g.next()
		if batch == nil {
			return // another writer took c; next gave up our place
		}
		g.flush(ctx, batch)
	}
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.writers--
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
		g.writers--
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
