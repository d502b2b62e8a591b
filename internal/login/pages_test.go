package login

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains/static"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
	"github.com/sigil-oidc/sigil/web"
)

// pagesWorld is a real Sigil behind the login pages: a SQLite store, a
// static registry in which a key made here owns alice.crypto, and a clock
// the test can move.
type pagesWorld struct {
	srv *httptest.Server
	p   *oauth.Provider
	h   *Handler
	key []byte
	now atomic.Int64 // offset from the real time, in nanoseconds
}

func newPagesWorld(t *testing.T) *pagesWorld {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "pages.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sys := bytes.Repeat([]byte{7}, 32)
	secrets, _ := secret.Derive(sys)
	signer, err := keys.Load(ctx, st, sys)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.NewPages()
	if err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.ToECDSA(crypto.Keccak256([]byte("sigil pages test key")))
	w := &pagesWorld{key: crypto.FromECDSA(key)}
	registry, err := static.New(map[string]sigil.Domain{"alice.crypto": {Owner: crypto.PubkeyToAddress(key.PublicKey).Hex()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateClient(ctx, &sigil.Client{ID: "c1", Name: "Notes", RedirectURIs: []string{"https://rp.example/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid", "wallet"}, TokenEndpointAuthMethod: sigil.AuthMethodNone}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	issuer, _ := url.Parse(w.srv.URL)
	w.p = &oauth.Provider{Issuer: issuer, Store: st, Secrets: secrets, Signer: signer, Pages: pages,
		Cookies: &session.Cookies{Keys: secrets, Lifetime: time.Hour}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(time.Duration(w.now.Load())) }, Lifetimes: oauth.DefaultLifetimes, Domains: registry}
	h := &Handler{Provider: w.p, Domains: registry}
	w.h = h
	mux.HandleFunc("GET /oauth2/auth", w.p.Authorize)
	mux.HandleFunc("GET /login", h.LoginPage)
	mux.HandleFunc("GET /consent", h.ConsentPage)
	mux.HandleFunc("POST /login/challenge", h.Challenge)
	mux.HandleFunc("POST /login/verify", h.Verify)
	mux.HandleFunc("POST /consent/accept", h.Accept)
	mux.HandleFunc("POST /consent/reject", h.Reject)
	return w
}

// browser is a new browser: its own cookies, redirects not followed.
func (w *pagesWorld) browser() *http.Client {
	j, _ := cookiejar.New(nil)
	return &http.Client{Jar: j, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// start begins a flow in browser c and returns its id.
func (w *pagesWorld) start(t *testing.T, c *http.Client) string {
	t.Helper()
	v := url.Values{"client_id": {"c1"}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"}, "scope": {"openid wallet"},
		"state": {"st-12345678"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	resp, err := c.Get(w.srv.URL + "/oauth2/auth?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("flow") == "" {
		t.Fatalf("no flow in %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("flow")
}

// post calls the login API and fails the test unless it answers 200.
func (w *pagesWorld) post(t *testing.T, c *http.Client, path string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.Post(w.srv.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, raw)
	}
	out := map[string]any{}
	json.Unmarshal(raw, &out)
	return out
}

// signIn takes browser c's flow through challenge and a real signature.
func (w *pagesWorld) signIn(t *testing.T, c *http.Client, flow string) {
	t.Helper()
	ch := w.post(t, c, "/login/challenge", ChallengeRequest{Flow: flow, Domain: "alice.crypto"})
	key, _ := crypto.ToECDSA(w.key)
	sig, err := crypto.Sign(accounts.TextHash([]byte(ch["message"].(string))), key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	w.post(t, c, "/login/verify", VerifyRequest{Flow: flow, Signature: "0x" + hex.EncodeToString(sig)})
}

// page GETs a page in browser c.
func (w *pagesWorld) page(t *testing.T, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(w.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// TestPagesOfAnEndedFlow: coming back to the login or consent page of a
// flow that can go no further (Back after signing in, a reload, an old tab)
// says in plain words what happened and leads back to the application;
// another browser still gets only the error page, with no way to the app.
func TestPagesOfAnEndedFlow(t *testing.T) {
	w := newPagesWorld(t)

	t.Run("finished", func(t *testing.T) {
		c := w.browser()
		flow := w.start(t, c)
		w.signIn(t, c, flow)
		if resp, body := w.page(t, c, "/consent?flow="+flow); resp.StatusCode != 200 || !strings.Contains(body, "Allow") {
			t.Fatalf("consent page before deciding: %d", resp.StatusCode)
		}
		w.post(t, c, "/consent/accept", ConsentRequest{Flow: flow, GrantScope: []string{"openid", "wallet"}})
		for _, path := range []string{"/consent?flow=" + flow, "/login?flow=" + flow} {
			resp, body := w.page(t, c, path)
			if resp.StatusCode != 200 || !strings.Contains(body, "This sign-in is already finished") ||
				!strings.Contains(body, "You signed in to Notes as <strong>alice.crypto</strong>") || !strings.Contains(body, `href="https://rp.example/"`) {
				t.Errorf("%s: %d, want the finished page leading back to the app:\n%s", path, resp.StatusCode, body)
			}
			if strings.Contains(body, "invalid_request") {
				t.Errorf("%s: the finished page shows a protocol error", path)
			}
		}

		// Another browser learns nothing about the flow and gets no link.
		resp, body := w.page(t, w.browser(), "/consent?flow="+flow)
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "rp.example") || strings.Contains(body, "Notes") ||
			!strings.Contains(body, "request_forbidden") {
			t.Errorf("another browser: %d, want the 403 error page without a link:\n%s", resp.StatusCode, body)
		}
	})

	t.Run("declined", func(t *testing.T) {
		c := w.browser()
		flow := w.start(t, c)
		w.signIn(t, c, flow)
		w.post(t, c, "/consent/reject", ConsentRequest{Flow: flow})
		if resp, body := w.page(t, c, "/consent?flow="+flow); resp.StatusCode != 200 || !strings.Contains(body, "You declined this sign-in") {
			t.Errorf("declined: %d\n%s", resp.StatusCode, body)
		}
	})

	t.Run("expired", func(t *testing.T) {
		c := w.browser()
		flow := w.start(t, c)
		w.now.Store(int64(w.p.Lifetimes.Flow + time.Minute))
		defer w.now.Store(0)
		resp, body := w.page(t, c, "/login?flow="+flow)
		if resp.StatusCode != 200 || !strings.Contains(body, "This sign-in expired") || !strings.Contains(body, `href="https://rp.example/"`) {
			t.Errorf("expired: %d\n%s", resp.StatusCode, body)
		}
	})

	t.Run("consent before signing goes to the login page", func(t *testing.T) {
		c := w.browser()
		flow := w.start(t, c)
		resp, _ := w.page(t, c, "/consent?flow="+flow)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != w.srv.URL+"/login?flow="+flow {
			t.Errorf("got %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("unknown flow", func(t *testing.T) {
		resp, body := w.page(t, w.browser(), "/login?flow=no-such-flow")
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "There is no sign-in flow") {
			t.Errorf("got %d\n%s", resp.StatusCode, body)
		}
	})
}

// endingStore ends the browser's session just before a sign-in that
// renews it is written, as a sign-out in another tab at that moment would.
type endingStore struct {
	sigil.Store
	renewals int
}

func (s *endingStore) AuthenticateAuthorization(ctx context.Context, id string, browserHash []byte, auth sigil.Authentication, now time.Time) (*sigil.Authorization, error) {
	if auth.RenewSession {
		s.renewals++
		if _, err := s.Store.EndSession(ctx, auth.SessionID, now); err != nil {
			return nil, err
		}
	}
	return s.Store.AuthenticateAuthorization(ctx, id, browserHash, auth, now)
}

// TestSignInAgainWhenTheSessionEndsMeanwhile: a sign-in again in the same
// browser renews the browser's session; when that session ends between
// the check and the write, the write changes nothing and the sign-in goes
// on with a session of its own, which the browser then holds.
func TestSignInAgainWhenTheSessionEndsMeanwhile(t *testing.T) {
	w := newPagesWorld(t)
	ctx := context.Background()
	c := w.browser()
	w.signIn(t, c, w.start(t, c))
	first, err := w.p.Cookies.Read(&http.Request{Header: http.Header{"Cookie": {cookieHeader(c, w.srv.URL)}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := &endingStore{Store: w.p.Store}
	w.p.Store = st

	v := url.Values{"client_id": {"c1"}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"}, "scope": {"openid wallet"},
		"state": {"st-12345678"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}, "prompt": {"login"}}
	resp, err := c.Get(w.srv.URL + "/oauth2/auth?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	w.signIn(t, c, loc.Query().Get("flow"))

	second, err := w.p.Cookies.Read(&http.Request{Header: http.Header{"Cookie": {cookieHeader(c, w.srv.URL)}}}, time.Now())
	if err != nil || st.renewals != 1 || second.ID == first.ID {
		t.Fatalf("after the sign-in again: renewals %d, session %q (first %q), %v; want one renewal tried and a new session", st.renewals, second.ID, first.ID, err)
	}
	live, err := st.ListSessions(ctx, "alice.crypto", time.Now())
	if err != nil || len(live) != 1 || live[0].ID != second.ID {
		t.Fatalf("live sessions %+v, %v; want only the new %s", live, err, second.ID)
	}
}

// cookieHeader is the Cookie header browser c sends to base.
func cookieHeader(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range c.Jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// countingResolver counts the owner lookups that reach the domain source.
type countingResolver struct {
	sigil.DomainResolver
	n atomic.Int32
}

func (r *countingResolver) Resolve(ctx context.Context, name string) (sigil.Domain, error) {
	r.n.Add(1)
	return r.DomainResolver.Resolve(ctx, name)
}

// TestReplayedSignatureDoesNotReachTheChain: a used signature replayed
// with the challenge cookie it was made for is refused before the fresh
// owner lookup, which goes past the resolver's cache to the chain, so
// replays cannot spend the RPC provider's quota.
func TestReplayedSignatureDoesNotReachTheChain(t *testing.T) {
	w := newPagesWorld(t)
	counting := &countingResolver{DomainResolver: w.h.Domains}
	w.h.Domains = counting
	c := w.browser()
	flow := w.start(t, c)
	ch := w.post(t, c, "/login/challenge", ChallengeRequest{Flow: flow, Domain: "alice.crypto"})
	u, _ := url.Parse(w.srv.URL + "/login/verify")
	kept := c.Jar.Cookies(u) // the challenge cookie, as an attacker keeps it
	if len(kept) == 0 {
		t.Fatal("no challenge cookie to keep")
	}
	key, _ := crypto.ToECDSA(w.key)
	sig, err := crypto.Sign(accounts.TextHash([]byte(ch["message"].(string))), key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	body := VerifyRequest{Flow: flow, Signature: "0x" + hex.EncodeToString(sig)}
	w.post(t, c, "/login/verify", body)
	after := counting.n.Load()
	if after == 0 {
		t.Fatal("the sign-in did not look the owner up")
	}
	for range 3 {
		c.Jar.SetCookies(u, kept)
		b, _ := json.Marshal(body)
		resp, err := c.Post(w.srv.URL+"/login/verify", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("a replayed signature was accepted: %d", resp.StatusCode)
		}
	}
	if n := counting.n.Load(); n != after {
		t.Fatalf("replays looked the owner up %d more times, want none", n-after)
	}
}
