package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// Checkpointing moves the pages that commits appended to the write-ahead
// log back into the database file, so that the log can start again from its
// beginning (https://sqlite.org/wal.html#checkpointing).
//
// SQLite does it by default in the connection that commits: the commit that
// takes the log past 1000 pages also copies them and syncs both files
// before it returns. Sigil has one connection that writes (see OpenWith), so
// for those milliseconds every other write waits in line behind it. Moving
// them off the writer made client_credentials on SQLite 27% faster in four
// A/B pairs, with a p99 about a third lower (docs/benchmarks.md).
//
// So Sigil's connections open with wal_autocheckpoint 0, and a goroutine
// of the store checkpoints every checkpointInterval on a connection of the
// read pool, alongside the writer: a PASSIVE checkpoint never waits for,
// nor holds up, a writer or a reader. It copies every frame that existed
// when it began; frames committed meanwhile wait for its next round.
//
// The log starts again only when a write transaction begins with every
// frame already copied, and under a steady load the writer has always
// appended some while the round ran. So once the log holds walRestartFrames
// frames, the round copies the rest through the writer's own connection:
// writes wait for the frames of the last few milliseconds, and the next
// write starts the log again. Without that step the log grew by 900 MB in
// eight seconds of client_credentials load. That step costs the writer two
// fsyncs (the log's, then the file's) whatever it copies, so it is kept for
// a log of 4000 frames (16 MiB of 4 KiB pages) rather than SQLite's 1000:
// at 20,000 frames a second (client_credentials at full speed) one round
// in two.
//
// What the writer's step copies is what was appended while the round on
// the readers ran, and on a large database file that round is slow: with
// the 220 MB file a benchmark run leaves, sign-ins appended some 500
// frames during it, the writer's step then took 15-79 ms (up to 123 ms by
// hand), every write waited, and the odd sign-in was refused by admission
// control (its 50 ms queue). So before that step the round catches up on
// the readers, up to catchUpPasses more passes, each copying what arrived
// during the one before, until a pass had no more than writerTail frames
// to copy: the writer's step then copies the last few milliseconds' worth.
// With two passes on that file, in two runs of whole flows by hand, the
// writer's steps took 284-291 ms in all instead of 661-777 ms, the longest
// 15-19 ms instead of 93-123 ms, and the p99 of a flow went from 31-35 to
// 27-28 ms.
const (
	checkpointInterval = 100 * time.Millisecond
	walRestartFrames   = 4000
	catchUpPasses      = 4
	writerTail         = 256
)

// trimInterval is how often the checkpointer also releases the page cache
// of the writer's connection (PRAGMA shrink_memory, which frees the pages
// no statement holds). Under a steady load of sign-ins that cache grew past
// its cache_size (2 MiB) by about 3 KiB a second for as long as it ran: 2.8
// MiB after 3 minutes, with the process's memory outside the Go heap growing
// 0.5 MiB a minute over 15 (each cached page takes an 8 KiB slot of the
// driver's allocator). Those pages are unpinned (shrink_memory frees them
// all) yet setting cache_size again does not trim them, and a smaller read
// pool cache (the connections share one page budget in this build of
// SQLite) did not bound them either; the cause inside SQLite is not found.
// Releasing the cache once a minute bounds it, and costs the writer one
// refill from the operating system's file cache (the cache was back at 2 MiB
// within 20 seconds under load).
const trimInterval = time.Minute

// checkpointer runs checkpoint rounds on a file database until stopped.
type checkpointer struct {
	// readers is the pool the rounds run on, writer the one connection that
	// writes, which finishes a round when the log must start again.
	readers, writer *sql.DB
	// restartFrames is the size of the log, in frames, from which a round
	// finishes on the writer (walRestartFrames; smaller in tests).
	restartFrames int
	// checkpoint runs one checkpoint on a pool (the function checkpoint;
	// tests watch or replace it).
	checkpoint func(ctx context.Context, db *sql.DB) (walState, error)
	// trimEvery is how often a round also releases the writer's page
	// cache (trimInterval; 0: never).
	trimEvery time.Duration
	log       *slog.Logger
	stop      context.CancelFunc
	done      chan struct{}
}

// startCheckpointer starts checkpointing every interval, logging to log;
// close ends it.
func startCheckpointer(readers, writer *sql.DB, interval time.Duration, log *slog.Logger) *checkpointer {
	c := newCheckpointer(readers, writer, log)
	c.start(interval)
	return c
}

// newCheckpointer is a checkpointer with the production settings, not yet
// started (tests change its settings first).
func newCheckpointer(readers, writer *sql.DB, log *slog.Logger) *checkpointer {
	return &checkpointer{readers: readers, writer: writer, restartFrames: walRestartFrames, checkpoint: checkpoint,
		trimEvery: trimInterval, log: log, done: make(chan struct{})}
}

// start runs the rounds every interval in a goroutine until close.
func (c *checkpointer) start(interval time.Duration) {
	ctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	go c.run(ctx, interval)
}

// run checkpoints every interval until ctx ends. A failed round is retried
// at the next tick: a checkpoint only reclaims space, and no write depends
// on it. Only the first failure of a run of them is logged, and the
// recovery, so that a full disk does not write ten lines a second.
func (c *checkpointer) run(ctx context.Context, interval time.Duration) {
	defer close(c.done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	failing := false
	trimmed := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		_, err := c.round(ctx)
		if err == nil && c.trimEvery > 0 && time.Since(trimmed) >= c.trimEvery {
			// A failed trim is its own warning, not a failed checkpoint:
			// the log does not grow, the process's memory may. It comes
			// once a trimEvery at most.
			if terr := c.trim(ctx); terr != nil && ctx.Err() == nil {
				c.log.Warn("sqlite: releasing the writer's page cache fails; retrying every "+c.trimEvery.String()+", memory may grow meanwhile", "err", terr)
			}
			trimmed = time.Now()
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			c.log.Warn("sqlite: checkpoints of the write-ahead log fail; retrying every round, the log grows meanwhile", "err", err)
		case err == nil && failing:
			c.log.Info("sqlite: checkpoints of the write-ahead log work again")
		}
		failing = err != nil
	}
}

// close stops the rounds and waits for the one running, if any, before
// the pools are closed.
func (c *checkpointer) close() {
	c.stop()
	<-c.done
}

// walState is what PRAGMA wal_checkpoint reports: whether the checkpoint
// could not run (another connection's checkpoint held the lock), the frames
// in the log, and how many of them are copied into the database file.
type walState struct {
	busy         bool
	frames, done int
}

// round is one checkpoint: a PASSIVE one on a reader connection, then,
// when the log holds restartFrames frames or more, more on the readers
// until one had at most writerTail frames to copy (catchUpPasses at most),
// then one on the writer's connection for the frames appended meanwhile.
// (A checkpoint's report cannot tell those: it counts the frames there
// were when it began.) It returns the state after the last checkpoint it
// ran.
func (c *checkpointer) round(ctx context.Context) (walState, error) {
	st, err := c.checkpoint(ctx, c.readers)
	if err != nil || st.busy || st.frames < c.restartFrames {
		return st, err
	}
	for range catchUpPasses {
		copied := st.done
		st, err = c.checkpoint(ctx, c.readers)
		if err != nil || st.busy {
			return st, err
		}
		if st.frames-copied <= writerTail {
			break
		}
	}
	return c.checkpoint(ctx, c.writer)
}

// checkpoint runs PRAGMA wal_checkpoint(PASSIVE) on a connection of db.
func checkpoint(ctx context.Context, db *sql.DB) (walState, error) {
	var busy, frames, done int
	err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
	if err != nil {
		return walState{}, fmt.Errorf("PRAGMA wal_checkpoint(PASSIVE): %w", err)
	}
	return walState{busy: busy != 0, frames: frames, done: done}, nil
}

// trim releases the page cache of the writer's connection (see
// trimInterval). It waits in line with the writes, and takes a moment.
func (c *checkpointer) trim(ctx context.Context) error {
	if _, err := c.writer.ExecContext(ctx, "PRAGMA shrink_memory"); err != nil {
		return fmt.Errorf("PRAGMA shrink_memory: %w", err)
	}
	return nil
}
