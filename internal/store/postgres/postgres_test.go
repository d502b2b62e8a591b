package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/pgtest"
	"github.com/sigil-oidc/sigil/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openOn opens dsn and closes the store when t ends.
func openOn(t *testing.T, dsn string, opts Options) *Store {
	t.Helper()
	st, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// open returns a migrated store on a new database.
func open(t *testing.T) *Store {
	t.Helper()
	st := openOn(t, pgtest.NewDatabase(t), Options{})
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sigil.Store { return open(t) })
}

// allVersions are the versions of the embedded migrations, in order.
func allVersions(t *testing.T) []int64 {
	t.Helper()
	vs, err := schema.Versions()
	if err != nil || len(vs) < 2 {
		t.Fatalf("embedded migrations: %v, %v", vs, err)
	}
	return vs
}

// TestMigrate applies every migration once; a second Migrate applies
// nothing. Ready fails before, naming both versions, and passes after.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	st := openOn(t, pgtest.NewDatabase(t), Options{})
	want := allVersions(t)
	err := st.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema at version 0, this binary needs %d; run sigil migrate", want[len(want)-1])) {
		t.Fatalf("Ready before Migrate: %v", err)
	}
	got, err := st.Migrate(ctx)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("first Migrate: %v, %v; want %v", got, err, want)
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready after Migrate: %v", err)
	}
	got, err = st.Migrate(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("second Migrate: %v, %v; want nothing applied", got, err)
	}
}

// TestReadyBehind: a schema an older binary left (version 1) is not
// ready, and the error says which versions.
func TestReadyBehind(t *testing.T) {
	ctx := context.Background()
	st := openOn(t, pgtest.NewDatabase(t), Options{})
	p, err := schema.Provider(st.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	want := allVersions(t)
	err = st.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema at version 1, this binary needs %d", want[len(want)-1])) {
		t.Fatalf("Ready at version 1: %v", err)
	}
}

// TestReadyDown: a database that does not answer is not ready.
func TestReadyDown(t *testing.T) {
	st := open(t)
	st.db.Close()
	if err := st.Ready(context.Background()); err == nil {
		t.Fatal("Ready on a closed pool: nil error")
	}
}

// TestConcurrentMigrate is a fleet starting at once on one empty database:
// five separate pools migrate together, every one succeeds, the migrations
// are applied exactly once between them, and the schema is complete.
func TestConcurrentMigrate(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	const n = 5
	stores := make([]storetest.Migrator, n)
	for i := range stores {
		stores[i] = openOn(t, dsn, Options{MaxConns: 2})
	}
	storetest.MigrateAtOnce(t, stores, allVersions(t))
}

// TestStatementTimeout: Options.StatementTimeout reaches every connection,
// and the zero Options give the documented default.
func TestStatementTimeout(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "5s"},
		{Options{StatementTimeout: 250 * time.Millisecond}, "250ms"},
	} {
		st := openOn(t, dsn, tc.opts)
		var got string
		if err := st.db.QueryRow("SHOW statement_timeout").Scan(&got); err != nil || got != tc.want {
			t.Errorf("%+v: statement_timeout %q, %v; want %q", tc.opts, got, err, tc.want)
		}
	}
	st := openOn(t, dsn, Options{StatementTimeout: 100 * time.Millisecond})
	if _, err := st.db.Exec("SELECT pg_sleep(1)"); err == nil || sqlState(err) != "57014" {
		t.Errorf("a statement past the timeout: %v, want query_canceled (57014)", err)
	}
}

// TestOpenBadDSN: a DSN that does not parse is refused without echoing it
// (it may hold a password).
func TestOpenBadDSN(t *testing.T) {
	_, err := Open(context.Background(), "postgres://user:s3cret@[::1", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open(bad DSN): %v", err)
	}
}

// TestMigrateWithRows upgrades a PostgreSQL database that holds rows from
// every older schema version to the newest (storetest.MigrateWithRows).
func TestMigrateWithRows(t *testing.T) {
	storetest.MigrateWithRows(t, allVersions(t), func(t *testing.T) storetest.OldDatabase {
		st := openOn(t, pgtest.NewDatabase(t), Options{})
		return storetest.OldDatabase{
			Store: st,
			UpTo: func(ctx context.Context, version int64) error {
				p, err := schema.Provider(st.db)
				if err != nil {
					return err
				}
				_, err = p.UpTo(ctx, version)
				return err
			},
			Exec: func(ctx context.Context, query string) error {
				_, err := st.db.ExecContext(ctx, query)
				return err
			},
			Blob: func(b []byte) string { return fmt.Sprintf(`'\x%x'::bytea`, b) },
		}
	})
}

// TestFlowWritesCommitAsynchronously: by default half of MaxConns is a
// pool with synchronous_commit off, and the flow writes (the authorization
// request's INSERT, the verify step's single statement that also opens the
// session) run on it while a client's INSERT runs on the durable pool; with DurableFlowWrites, or a single connection, there is
// one durable pool. PoolSize is MaxConns in every case.
func TestFlowWritesCommitAsynchronously(t *testing.T) {
	// The test server commits asynchronously (pgtest trades durability for
	// speed); the DSN asks for PostgreSQL's default, which the durable
	// pool keeps and the flow pool overrides.
	dsn := pgtest.NewDatabase(t)
	if strings.Contains(dsn, "?") {
		dsn += "&synchronous_commit=on"
	} else {
		dsn += "?synchronous_commit=on"
	}
	st := openOn(t, dsn, Options{})
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if st.flow == nil {
		t.Fatal("no flow pool by default")
	}
	for _, pool := range []struct {
		name string
		db   interface {
			QueryRow(string, ...any) *sql.Row
		}
		want string
	}{{"durable pool", st.db, "on"}, {"flow pool", st.flow, "off"}} {
		var got string
		if err := pool.db.QueryRow("SHOW synchronous_commit").Scan(&got); err != nil || got != pool.want {
			t.Errorf("%s: synchronous_commit %q, %v; want %q", pool.name, got, err, pool.want)
		}
	}
	if got := st.PoolSize(); got != DefaultMaxConns {
		t.Errorf("PoolSize() = %d, want %d", got, DefaultMaxConns)
	}

	// Which pool ran a statement shows in pg_stat_activity: each pool has
	// its own application_name, and an idle backend keeps its last query.
	ctx := context.Background()
	client := &sigil.Client{ID: "flow-client", Name: "Flow", RedirectURIs: []string{"https://flow.example/cb"},
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid"},
		TokenEndpointAuthMethod: sigil.AuthMethodNone, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateClient(ctx, client); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	now := time.Now()
	if err := st.CreateAuthorization(ctx, &sigil.Authorization{ID: "flow-1", BrowserHash: []byte("browser"),
		ClientID: client.ID, State: sigil.StateRequested, RedirectURI: client.RedirectURIs[0], ResponseMode: "query",
		Scope: sigil.Scopes{"openid"}, CodeChallenge: strings.Repeat("a", 43), CodeChallengeMethod: "S256", MaxAge: -1,
		RequestedAt: now, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
		t.Fatalf("CreateAuthorization: %v", err)
	}
	inspect, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer inspect.Close()
	ranOn := func(prefix, want string) {
		t.Helper()
		var app string
		err := inspect.QueryRow("SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND query LIKE $1",
			prefix+"%").Scan(&app)
		if err != nil || app != want {
			t.Errorf("%s ran on %q (%v), want the pool named %q", prefix, app, err, want)
		}
	}
	ranOn("INSERT INTO clients", "sigil")
	ranOn("INSERT INTO authorizations", "sigil-flow")

	// The verify step: the signature and the session it opens, one
	// statement (a data-modifying WITH), through the flow pool.
	ch := sigil.Challenge{Subject: "alice.crypto", Address: "0x00000000000000000000000000000000000A11CE",
		Nonce: "nonce-1", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
	if _, err := st.ChallengeAuthorization(ctx, "flow-1", []byte("browser"), ch, now); err != nil {
		t.Fatalf("ChallengeAuthorization: %v", err)
	}
	before := st.Statements()
	if _, err := st.AuthenticateAuthorization(ctx, "flow-1", []byte("browser"), sigil.Authentication{
		ChallengeNonce: ch.Nonce, Message: "m", Signature: "0x51", AuthTime: now, SessionID: "sid-1",
		Session: &sigil.Session{ID: "sid-1", AuthTime: now, ExpiresAt: now.Add(time.Hour)},
	}, now); err != nil {
		t.Fatalf("AuthenticateAuthorization: %v", err)
	}
	if n := st.Statements() - before; n != 1 {
		t.Errorf("signing in and opening the session took %d statements, want 1", n)
	}
	if sess, err := st.GetSession(ctx, "sid-1"); err != nil || sess.Subject != ch.Subject {
		t.Errorf("the session opened: %+v, %v", sess, err)
	}

	ranOn("WITH a AS (UPDATE authorizations", "sigil-flow")

	for _, tc := range []struct {
		opts Options
		pool int
	}{{Options{DurableFlowWrites: true}, DefaultMaxConns}, {Options{MaxConns: 1}, 1}} {
		st := openOn(t, dsn, tc.opts)
		if st.flow != nil {
			t.Errorf("%+v: a flow pool was opened", tc.opts)
		}
		if got := st.PoolSize(); got != tc.pool {
			t.Errorf("%+v: PoolSize() = %d, want %d", tc.opts, got, tc.pool)
		}
	}
}

// TestStatementDeadlineWhenTheServerStopsAnswering: a server that stops
// answering (a primary that hangs, or vanishes from the network without a
// reset) cannot enforce its own statement_timeout; the client-side
// deadline ends the statement with an error instead of letting the request
// wait for the kernel's TCP timeouts. Here a proxy between the store and
// PostgreSQL stops forwarding; the store's call fails on its own deadline,
// while the caller's much longer one has not expired.
func TestStatementDeadlineWhenTheServerStopsAnswering(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	migrated := openOn(t, dsn, Options{})
	if _, err := migrated.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newBlackHoleProxy(t, u.Host)
	u.Host = proxy.addr
	st := openOn(t, u.String(), Options{StatementTimeout: 200 * time.Millisecond, MaxConns: 2, DurableFlowWrites: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := st.GetClient(ctx, "nobody"); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("through the proxy, before it stops: %v", err)
	}

	proxy.stop()
	_, err = st.GetClient(ctx, "nobody")
	if err == nil || errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("with the server silent: %v, want an error", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the call ended only with the caller's deadline (%v): the store set none of its own", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the error %v is not the statement's deadline", err)
	}
}

// blackHoleProxy forwards TCP connections to a server until stop, after
// which it keeps them open and forwards nothing more, as a server that
// hangs or vanishes from the network without a reset looks to a client.
type blackHoleProxy struct {
	addr    string
	stopped chan struct{}
	once    sync.Once
}

func newBlackHoleProxy(t *testing.T, target string) *blackHoleProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &blackHoleProxy{addr: ln.Addr().String(), stopped: make(chan struct{})}
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, client, server)
			mu.Unlock()
			go p.pipe(server, client)
			go p.pipe(client, server)
		}
	}()
	return p
}

// pipe copies from src to dst until stop, then drops what it reads.
func (p *blackHoleProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		select {
		case <-p.stopped:
			continue
		default:
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (p *blackHoleProxy) stop() { p.once.Do(func() { close(p.stopped) }) }

// TestParseTimeout: statement_timeout values as PostgreSQL reads them
// (milliseconds, or a number and a unit); anything else is not one.
func TestParseTimeout(t *testing.T) {
	for v, want := range map[string]time.Duration{"5000": 5 * time.Second, "250ms": 250 * time.Millisecond, "5s": 5 * time.Second,
		"1min": time.Minute, "1.5s": 1500 * time.Millisecond, "0": 0, " 2 s": 2 * time.Second} {
		if got, ok := parseTimeout(v); !ok || got != want {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "soon", "5 parsecs", "-1"} {
		if got, ok := parseTimeout(v); ok {
			t.Errorf("parseTimeout(%q) = %v, want not a timeout", v, got)
		}
	}
}

// TestReadyReadOnly: a database that refuses writes (a standby, here a
// session made read-only) is not ready, with ErrReadOnly, which sigil
// serve and migrate name at start.
func TestReadyReadOnly(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	openOn(t, dsn, Options{}).Migrate(context.Background())
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	ro := openOn(t, dsn+sep+"options="+strings.ReplaceAll(url.QueryEscape("-c default_transaction_read_only=on"), "+", "%20"), Options{})
	if err := ro.Ready(context.Background()); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Ready on a read-only database: %v, want ErrReadOnly", err)
	}
}
