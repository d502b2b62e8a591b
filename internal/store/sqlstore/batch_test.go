package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sigil-oidc/sigil"
)

// recorder is a fake write for group: it records each batch and can hold a
// batch until the test releases it.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	active  int                // writes running now
	overlap bool               // two writes ran at once
	entered chan []int         // each batch as its write starts
	hold    map[int]chan error // first item -> released by the test
	fail    map[int]error      // item -> its error
}

func newRecorder() *recorder {
	return &recorder{entered: make(chan []int, 100), hold: map[int]chan error{}, fail: map[int]error{}}
}

func (r *recorder) write(_ context.Context, items []int) []error {
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(items))
	gate := r.hold[items[0]]
	r.active++
	r.overlap = r.overlap || r.active > 1
	r.mu.Unlock()
	r.entered <- slices.Clone(items)
	if gate != nil {
		<-gate
	}
	r.mu.Lock()
	r.active--
	r.mu.Unlock()
	errs := make([]error, len(items))
	for i, it := range items {
		errs[i] = r.fail[it]
	}
	return errs
}

func (r *recorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, b := range r.batches {
		out = append(out, len(b))
	}
	return out
}

// queued reports how many calls wait in g's queue.
func queued[T any](g *group[T]) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// waitQueued waits until n calls are queued in g.
func waitQueued[T any](t *testing.T, g *group[T], n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for queued(g) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", queued(g), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitIdle waits until g has no writer and nothing queued: a goroutine
// draining the queue gives up its place just after its last batch.
func waitIdle[T any](t *testing.T, g *group[T]) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		w, q := g.writing, len(g.queue)
		g.mu.Unlock()
		if !w && q == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("writing %v with %d queued calls left, want neither", w, q)
		}
		time.Sleep(time.Millisecond)
	}
}

// start runs g.do(item) in a goroutine and returns where its error arrives.
func start(g *group[int], item int) chan error {
	done := make(chan error, 1)
	go func() { done <- g.do(context.Background(), item) }()
	return done
}

// TestGroupLoneCallsWriteAlone checks that calls without concurrency are
// each written at once in a batch of their own, and that no writer is left
// behind.
func TestGroupLoneCallsWriteAlone(t *testing.T) {
	r := newRecorder()
	g := &group[int]{maxBatch: 64, write: r.write}
	for i := range 5 {
		if err := g.do(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.sizes(); !slices.Equal(got, []int{1, 1, 1, 1, 1}) {
		t.Errorf("batch sizes %v, want five batches of 1", got)
	}
	waitIdle(t, g)
}

// TestGroupJoinsWaitingCalls checks group commit itself: calls that arrive
// while a batch is being written are written together by the next write,
// in batches of at most maxBatch, and the first caller returns once its
// own batch is written, without waiting for the batches of others.
func TestGroupJoinsWaitingCalls(t *testing.T) {
	r := newRecorder()
	gate0, gate1 := make(chan error), make(chan error)
	r.hold[0], r.hold[1] = gate0, gate1
	g := &group[int]{maxBatch: 8, write: r.write}

	first := start(g, 0)
	if b := <-r.entered; !slices.Equal(b, []int{0}) {
		t.Fatalf("first batch %v, want [0]", b)
	}
	var rest []chan error
	for i := 1; i <= 10; i++ {
		rest = append(rest, start(g, i))
		waitQueued(t, g, i) // in order, so that item 1 leads the next batch
	}
	close(gate0)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// The first caller has returned while the next batch is still held.
	if b := <-r.entered; len(b) != 8 || b[0] != 1 {
		t.Fatalf("second batch %v, want the 8 oldest waiting calls from 1", b)
	}
	select {
	case err := <-rest[0]:
		t.Fatalf("call 1 returned (%v) before its batch was written", err)
	default:
	}
	close(gate1)
	for i, done := range rest {
		if err := <-done; err != nil {
			t.Errorf("call %d: %v", i+1, err)
		}
	}
	if got := r.sizes(); !slices.Equal(got, []int{1, 8, 2}) {
		t.Errorf("batch sizes %v, want [1 8 2]", got)
	}
	waitIdle(t, g)
}

// TestGroupErrorsPerCall checks that each caller gets its own item's error.
func TestGroupErrorsPerCall(t *testing.T) {
	r := newRecorder()
	gate := make(chan error)
	r.hold[0] = gate
	r.fail[3] = errors.New("item 3 failed")
	r.fail[5] = errors.New("item 5 failed")
	g := &group[int]{maxBatch: 64, write: r.write}
	first := start(g, 0)
	<-r.entered
	dones := map[int]chan error{}
	for i := 1; i <= 6; i++ {
		dones[i] = start(g, i)
	}
	waitQueued(t, g, 6)
	close(gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 6; i++ {
		err := <-dones[i]
		if want := r.fail[i]; err != want {
			t.Errorf("call %d: error %v, want %v", i, err, want)
		}
	}
	if got := r.sizes(); !slices.Equal(got, []int{1, 6}) {
		t.Errorf("batch sizes %v, want [1 6]", got)
	}
}

// TestGroupWritesOneBatchAtATime checks that a call arriving while a
// batch is written waits for it instead of writing a batch of its own, even
// when that batch is held for long: a second writer would mostly write
// batches of one row (see group).
func TestGroupWritesOneBatchAtATime(t *testing.T) {
	r := newRecorder()
	gate := make(chan error)
	r.hold[0] = gate
	g := &group[int]{maxBatch: 64, write: r.write}
	d0 := start(g, 0)
	<-r.entered
	d1 := start(g, 1)
	d2 := start(g, 2)
	waitQueued(t, g, 2)
	select {
	case b := <-r.entered:
		t.Fatalf("a second batch %v started while the first was written", b)
	case <-time.After(20 * time.Millisecond):
	}
	close(gate)
	for i, d := range []chan error{d0, d1, d2} {
		if err := <-d; err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := r.sizes(); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("batch sizes %v, want [1 2]", got)
	}
	waitIdle(t, g)
}

// TestGroupManyConcurrent checks under real concurrency (no gates) that
// every call returns its own item's result, batches stay within maxBatch
// and no two are written at once.
func TestGroupManyConcurrent(t *testing.T) {
	r := newRecorder()
	r.entered = make(chan []int, 1000)
	for i := 0; i < 500; i += 7 {
		r.fail[i] = fmt.Errorf("item %d", i)
	}
	g := &group[int]{maxBatch: 16, write: r.write}
	var wg sync.WaitGroup
	errs := make([]error, 500)
	for i := range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = g.do(context.Background(), i)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != r.fail[i] {
			t.Errorf("call %d: %v, want %v", i, err, r.fail[i])
		}
	}
	total := 0
	for _, n := range r.sizes() {
		if n > 16 {
			t.Errorf("a batch of %d, more than maxBatch", n)
		}
		total += n
	}
	if total != 500 {
		t.Errorf("%d items written, want 500", total)
	}
	if r.overlap {
		t.Error("two batches were written at once")
	}
	waitIdle(t, g)
}

// TestWriteClientTokensIsolatesConflicts checks the fallback of the real
// write on SQLite: a batch in which one token repeats another's id and one
// names an unknown client fails as a whole, and is then written row by
// row, so that only those two callers get ErrConflict and ErrNotFound.
func TestWriteClientTokensIsolatesConflicts(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	if err := s.CreateClient(ctx, &sigil.Client{ID: "m2m", Scope: sigil.Scopes{"api"}}); err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1_800_000_000_000)
	tok := func(id, client string) sigil.ClientToken {
		return sigil.ClientToken{ID: id, ClientID: client, Scope: sigil.Scopes{"api"},
			AccessTokenHash: []byte("hash of " + id + client), IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	batch := []sigil.ClientToken{tok("a", "m2m"), tok("b", "m2m"), tok("a", "m2m"), tok("c", "nobody"), tok("d", "m2m")}
	batch[2].AccessTokenHash = []byte("another hash")
	before := s.Statements()
	errs := s.writeClientTokens(ctx, batch)
	if n := s.Statements() - before; n != uint64(1+len(batch)) {
		t.Errorf("%d statements, want the failed batch and one per token: %d", n, 1+len(batch))
	}
	for i, want := range []error{nil, nil, sigil.ErrConflict, sigil.ErrNotFound, nil} {
		if want == nil && errs[i] != nil || want != nil && !errors.Is(errs[i], want) {
			t.Errorf("token %d (%s): %v, want %v", i, batch[i].ID, errs[i], want)
		}
	}
	for _, i := range []int{0, 1, 4} {
		if _, err := s.GetAuthorizationByAccessToken(ctx, batch[i].AccessTokenHash, now); err != nil {
			t.Errorf("token %s was not stored: %v", batch[i].ID, err)
		}
	}
	// A batch without conflicts is one statement.
	before = s.Statements()
	errs = s.writeClientTokens(ctx, []sigil.ClientToken{tok("e", "m2m"), tok("f", "m2m"), tok("g", "m2m")})
	if n := s.Statements() - before; n != 1 || errors.Join(errs...) != nil {
		t.Errorf("a clean batch of 3: %d statements, errors %v; want 1 statement, no error", n, errs)
	}
}

// openSQLite opens a Store on a new SQLite file with the sqlite package's
// migrations and its constraint codes.
func openSQLite(t *testing.T) *Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "batch.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS("../sqlite/migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	code := func(err error) int {
		var e *sqlite.Error
		if errors.As(err, &e) {
			return e.Code()
		}
		return 0
	}
	s := New(db, Dialect{
		Name: "sqlite",
		IsUniqueViolation: func(err error) bool {
			return code(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || code(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE
		},
		IsForeignKeyViolation: func(err error) bool { return code(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY },
	})
	t.Cleanup(func() { s.Close() })
	return s
}

// TestWritesYieldOnOneWriter: where every write shares one connection
// (Dialect.OneWriter, SQLite), a write yields the processor once it has
// given the connection back (yieldAfter): an INSERT through exec, an
// UPDATE ... RETURNING through queryRow, the sign-in's transaction with its
// session, and the group commit's INSERT. Reads never yield, and nothing
// yields where writes have a pool of connections (PostgreSQL).
func TestWritesYieldOnOneWriter(t *testing.T) {
	for _, oneWriter := range []bool{true, false} {
		t.Run(fmt.Sprintf("OneWriter=%v", oneWriter), func(t *testing.T) {
			s := openSQLite(t)
			s.dialect.OneWriter = oneWriter
			var yields, holding int
			s.yield = func() {
				yields++
				if s.writer.Stats().InUse != 0 {
					holding++ // the connection is not back in the pool yet
				}
			}
			ctx := context.Background()
			now := time.UnixMilli(1_800_000_000_000)
			step := func(what string, write bool, f func() error) {
				t.Helper()
				before := yields
				if err := f(); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				want := 0
				if write && oneWriter {
					want = 1
				}
				if got := yields - before; got != want {
					t.Errorf("%s yielded %d times, want %d", what, got, want)
				}
			}
			step("CreateClient", true, func() error {
				return s.CreateClient(ctx, &sigil.Client{ID: "rp", RedirectURIs: []string{"https://rp.example/cb"}, Scope: sigil.Scopes{"openid"}})
			})
			a := &sigil.Authorization{ID: "flow-1", BrowserHash: []byte("browser"), ClientID: "rp", State: sigil.StateRequested,
				RedirectURI: "https://rp.example/cb", ResponseMode: "query", Scope: sigil.Scopes{"openid"}, MaxAge: -1,
				RequestedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
			step("CreateAuthorization (exec)", true, func() error { return s.CreateAuthorization(ctx, a) })
			ch := sigil.Challenge{Subject: "alice.crypto", Address: "0x00000000000000000000000000000000000A11CE",
				Nonce: "nonce-1", IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
			step("ChallengeAuthorization (UPDATE ... RETURNING)", true, func() error {
				_, err := s.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, ch, now)
				return err
			})
			step("GetAuthorization (a read)", false, func() error {
				_, err := s.GetAuthorization(ctx, a.ID)
				return err
			})
			auth := sigil.Authentication{ChallengeNonce: ch.Nonce, Message: "message", Signature: "0x5151", AuthTime: now,
				SessionID: "session-1", Session: &sigil.Session{ID: "session-1", AuthTime: now, ExpiresAt: now.Add(time.Hour)}}
			step("AuthenticateAuthorization (a transaction)", true, func() error {
				_, err := s.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, now)
				return err
			})
			step("CreateClientToken (group commit)", true, func() error {
				return s.CreateClientToken(ctx, sigil.ClientToken{ID: "t1", ClientID: "rp", Scope: sigil.Scopes{"openid"},
					AccessTokenHash: []byte("hash"), IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
			})
			if holding != 0 {
				t.Errorf("%d of %d yields came while the connection was still taken", holding, yields)
			}
		})
	}
}
