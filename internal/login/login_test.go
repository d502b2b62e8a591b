package login

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
	"github.com/sigil-oidc/sigil/web"
)

// lockedBuffer is a log the server writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// resolverFunc is a fake resolver, enough to produce resolver failures.
type resolverFunc func(name string) (sigil.Domain, error)

func (f resolverFunc) Resolve(_ context.Context, name string) (sigil.Domain, error) { return f(name) }

// newTestServer serves the authorization endpoint and the login API over a
// real SQLite store, with the given resolver.
func newTestServer(t *testing.T, resolver sigil.DomainResolver) (*httptest.Server, *http.Client) {
	srv, c, _ := newLoggedTestServer(t, resolver)
	return srv, c
}

// newLoggedTestServer is newTestServer that also returns the server's log.
func newLoggedTestServer(t *testing.T, resolver sigil.DomainResolver) (*httptest.Server, *http.Client, *lockedBuffer) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sys := bytes.Repeat([]byte{9}, 32)
	secrets, _ := secret.Derive(sys)
	signer, err := keys.Load(ctx, st, sys)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.NewPages()
	if err != nil {
		t.Fatal(err)
	}
	st.CreateClient(ctx, &sigil.Client{ID: "c1", RedirectURIs: []string{"https://rp.example/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid", "wallet"}, TokenEndpointAuthMethod: sigil.AuthMethodNone})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuer, _ := url.Parse(srv.URL)
	logs := &lockedBuffer{}
	p := &oauth.Provider{Issuer: issuer, Store: st, Secrets: secrets, Signer: signer, Pages: pages,
		Cookies: &session.Cookies{Keys: secrets, Lifetime: time.Hour}, Log: slog.New(slog.NewTextHandler(logs, nil)), Now: time.Now, Lifetimes: oauth.DefaultLifetimes}
	h := &Handler{Provider: p, Domains: resolver}
	mux.HandleFunc("GET /oauth2/auth", p.Authorize)
	mux.HandleFunc("POST /login/challenge", h.Challenge)
	jar, _ := cookiejar.New(nil)
	return srv, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, logs
}

func startFlow(t *testing.T, srv *httptest.Server, c *http.Client) string {
	t.Helper()
	v := url.Values{"client_id": {"c1"}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"}, "scope": {"openid wallet"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	resp, err := c.Get(srv.URL + "/oauth2/auth?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("flow") == "" {
		t.Fatalf("no flow in %s", loc)
	}
	return loc.Query().Get("flow")
}

func challenge(t *testing.T, srv *httptest.Server, c *http.Client, flow string) (int, map[string]string) {
	t.Helper()
	body, _ := json.Marshal(ChallengeRequest{Flow: flow, Domain: "alice.crypto"})
	resp, err := c.Post(srv.URL+"/login/challenge", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]string{}
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// TestResolverOutageIsTemporarilyUnavailable: an unreachable source of
// ownership is a 503 the person can retry, not a 500, and the flow survives.
func TestResolverOutageIsTemporarilyUnavailable(t *testing.T) {
	down := true
	owner := "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
	srv, c, logs := newLoggedTestServer(t, resolverFunc(func(name string) (sigil.Domain, error) {
		if down {
			return sigil.Domain{}, fmt.Errorf("rpc: %w", sigil.ErrResolverUnavailable)
		}
		return sigil.Domain{Name: name, Owner: owner}, nil
	}))
	flow := startFlow(t, srv, c)
	st, body := challenge(t, srv, c, flow)
	if st != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" || body["error_description"] == "" {
		t.Fatalf("got %d %v", st, body)
	}
	if !bytes.Contains(logs.Bytes(), []byte("level=WARN")) || !bytes.Contains(logs.Bytes(), []byte("rpc: domain resolver unavailable")) {
		t.Fatalf("the outage is not logged with its cause:\n%s", logs.Bytes())
	}
	if bytes.Contains([]byte(body["error_description"]), []byte("rpc")) {
		t.Fatal("the cause leaked to the person")
	}
	down = false
	if st, body := challenge(t, srv, c, flow); st != 200 || body["address"] != owner {
		t.Fatalf("after the outage: %d %v", st, body)
	}
}

// TestUnexpectedResolverErrorIsServerError: anything else is server_error
// with no internal detail in the answer.
func TestUnexpectedResolverErrorIsServerError(t *testing.T) {
	srv, c := newTestServer(t, resolverFunc(func(string) (sigil.Domain, error) {
		return sigil.Domain{}, errors.New("secret internal detail")
	}))
	st, body := challenge(t, srv, c, startFlow(t, srv, c))
	if st != 500 || body["error"] != "server_error" || bytes.Contains([]byte(body["error_description"]), []byte("secret internal")) {
		t.Fatalf("got %d %v", st, body)
	}
}
