package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/sigil-oidc/sigil/internal/chaintest"
)

// xffTransport sends every request as if through a reverse proxy on
// 127.0.0.1 (a trusted proxy in these tests) for the client address ip.
type xffTransport struct{ ip string }

func (x xffTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", x.ip)
	return http.DefaultTransport.RoundTrip(r)
}

// clientFrom is an HTTP client whose requests come from ip (through the
// trusted proxy), following no redirects.
func clientFrom(ip string) *http.Client {
	return &http.Client{Transport: xffTransport{ip}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// answer is a response with its body read.
type answer struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, c *http.Client, method, u string, form url.Values, edit func(*http.Request)) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if edit != nil {
		edit(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// checkTooMany asserts a 429 with Retry-After and the catalogue's body.
func checkTooMany(t *testing.T, what string, a answer, wantJSON bool) {
	t.Helper()
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d Retry-After %q, want 429 with Retry-After: %s", what, a.status, a.header.Get("Retry-After"), a.body)
	}
	if !wantJSON {
		if !strings.Contains(a.body, "temporarily_unavailable") {
			t.Errorf("%s: the page does not name the error: %s", what, a.body)
		}
		return
	}
	var body struct{ Error, ErrorDescription string }
	if err := json.Unmarshal([]byte(a.body), &body); err != nil || body.Error != "temporarily_unavailable" {
		t.Errorf("%s: body %s is not the catalogue's temporarily_unavailable", what, a.body)
	}
	checkErrorDescription(t, body.ErrorDescription)
}

// TestRateLimitsPerAddress: every limited endpoint class answers 429 with
// Retry-After and the catalogue's body once an address is over its limit,
// while another address (through the trusted proxy) is unaffected.
func TestRateLimitsPerAddress(t *testing.T) {
	in := startSigil(t, "--trusted-proxies", "127.0.0.1",
		"--rate-limit-authorize-ip", "3/h", "--rate-limit-login-ip", "3/h",
		"--rate-limit-token-ip", "3/h", "--rate-limit-webfinger-ip", "3/h")
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	auth := in2auth(in, id)
	challenge := func(c *http.Client) answer {
		return send(t, c, "POST", in.Issuer+"/login/challenge", nil, func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"flow":"bogus","domain":"alice.crypto"}`))
			r.Header.Set("Content-Type", "application/json")
		})
	}
	for _, tc := range []struct {
		class string
		do    func(c *http.Client) answer
		json  bool
	}{
		{"authorize", func(c *http.Client) answer { return send(t, c, "GET", auth, nil, nil) }, false},
		{"login", challenge, true},
		{"token", func(c *http.Client) answer {
			return send(t, c, "POST", in.Issuer+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"nope"}}, nil)
		}, true},
		{"revoke (token class)", func(c *http.Client) answer {
			return send(t, c, "POST", in.Issuer+"/oauth2/revoke", url.Values{"token": {"x"}, "client_id": {"nope"}}, nil)
		}, true},
		{"webfinger", func(c *http.Client) answer {
			return send(t, c, "GET", in.Issuer+"/.well-known/webfinger?resource=acct%3Aalice.crypto%40x", nil, nil)
		}, true},
	} {
		t.Run(tc.class, func(t *testing.T) {
			attacker := clientFrom(fmt.Sprintf("198.51.100.%d", len(tc.class)))
			if tc.class == "revoke (token class)" {
				// The token endpoint's subtest used this address's
				// budget up: revocation shares it.
				attacker = clientFrom("198.51.100.5")
			} else {
				for i := range 3 {
					if a := tc.do(attacker); a.status == http.StatusTooManyRequests {
						t.Fatalf("request %d within the limit refused: %s", i, a.body)
					}
				}
			}
			checkTooMany(t, tc.class+" over the limit", tc.do(attacker), tc.json)
			if a := tc.do(clientFrom("203.0.113.77")); a.status == http.StatusTooManyRequests {
				t.Errorf("another address was refused: %s", a.body)
			}
		})
	}
	// Without the proxy header the peer (127.0.0.1) is the address: its
	// own budget, untouched by the addresses above.
	if a := send(t, http.DefaultClient, "GET", in.Issuer+"/.well-known/webfinger?resource=acct%3Aalice.crypto%40x", nil, nil); a.status == 429 {
		t.Errorf("the proxy itself was refused: %s", a.body)
	}
	// The discovery document and the keys have no limit.
	c := clientFrom("198.51.100.5")
	if a := send(t, c, "GET", in.Issuer+"/.well-known/openid-configuration", nil, nil); a.status != 200 {
		t.Errorf("discovery from a limited address: %d", a.status)
	}
}

// TestRateLimitPerClient: a client over its limit is refused from any
// address; other clients are not; and requests with a wrong secret, which
// anyone can send with a client's id, do not use up that client's limit.
func TestRateLimitPerClient(t *testing.T) {
	in := startSigil(t, "--trusted-proxies", "127.0.0.1", "--rate-limit-token-client", "2/h", "--rate-limit-token-ip", "off")
	meta := map[string]any{"grant_types": []string{"client_credentials"}}
	victim, secret := in.createClient(t, meta)
	other, otherSecret := in.createClient(t, meta)
	cc := func(ip, id, secret string) answer {
		return send(t, clientFrom(ip), "POST", in.Issuer+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, func(r *http.Request) {
			r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		})
	}
	for i := range 20 {
		if a := cc(fmt.Sprintf("198.51.100.%d", i), victim, "wrong-secret"); a.status != http.StatusUnauthorized {
			t.Fatalf("wrong secret %d: %d %s", i, a.status, a.body)
		}
	}
	for i := range 2 {
		if a := cc("203.0.113.1", victim, secret); a.status != 200 {
			t.Fatalf("the client's request %d after the attacker's: %d %s", i, a.status, a.body)
		}
	}
	checkTooMany(t, "the client over its limit, from a new address", cc("203.0.113.2", victim, secret), true)
	if a := cc("203.0.113.2", other, otherSecret); a.status != 200 {
		t.Errorf("another client: %d %s", a.status, a.body)
	}
}

// TestParamLengthCaps: state, nonce and login_hint are capped at 512 bytes
// and redirect_uri at 2 KiB; a request over a cap is refused with
// invalid_request naming the parameter and its cap, on a page (an
// over-long state cannot be echoed), and stores no flow. The attack of the
// review: 50 requests with a 60 KB state grew the database by 3 MB.
func TestParamLengthCaps(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	for _, tc := range []struct {
		param string
		size  int
		limit string
	}{
		{"state", 60 << 10, "512"},
		{"state", 513, "512"},
		{"nonce", 513, "512"},
		{"login_hint", 513, "512"},
		{"redirect_uri", 2049, "2048"},
		{"claims", 8193, "8192"},
	} {
		q := authParams(id)
		q.Set(tc.param, strings.Repeat("a", tc.size))
		resp, body := b.get(in.Issuer + "/oauth2/auth?" + q.Encode())
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, "invalid_request") ||
			!strings.Contains(body, "The "+tc.param+" parameter is") || !strings.Contains(body, "at most "+tc.limit) {
			t.Errorf("%d-byte %s: %d %q, want a 400 page naming it and %s: %.300s", tc.size, tc.param, resp.StatusCode, resp.Header.Get("Location"), tc.limit, body)
		}
	}
	// At the cap, the request goes on to the login page.
	q := authParams(id)
	q.Set("state", strings.Repeat("s", 512))
	b.authorize(in.Issuer + "/oauth2/auth?" + q.Encode())
	// And the cap is configurable.
	in2 := startSigil(t, "--max-param-length", "1024")
	id2, _ := in2.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	q = authParams(id2)
	q.Set("state", strings.Repeat("s", 1024))
	newBrowser(t, in2.Issuer).authorize(in2.Issuer + "/oauth2/auth?" + q.Encode())
}

// TestFlowsPerAddressBound: an address may start only so many flows (each
// a stored row) within a flow lifetime; past that the authorization
// endpoint answers 429 on a page with Retry-After, and other addresses
// still start flows.
func TestFlowsPerAddressBound(t *testing.T) {
	in := startSigil(t, "--trusted-proxies", "127.0.0.1", "--max-flows-per-ip", "3")
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	auth := in2auth(in, id)
	attacker := clientFrom("198.51.100.1")
	for i := range 3 {
		if a := send(t, attacker, "GET", auth, nil, nil); a.status != http.StatusSeeOther || !strings.Contains(a.header.Get("Location"), "/login?flow=") {
			t.Fatalf("flow %d: %d %s", i, a.status, a.header.Get("Location"))
		}
	}
	// A request refused before a flow would be stored does not count.
	bad := authParams(id)
	bad.Set("prompt", "bogus")
	send(t, attacker, "GET", in.Issuer+"/oauth2/auth?"+bad.Encode(), nil, nil)
	a := send(t, attacker, "GET", auth, nil, nil)
	checkTooMany(t, "the fourth flow", a, false)
	if !strings.Contains(a.body, "started 3 sign-ins") {
		t.Errorf("the page does not say why: %s", a.body)
	}
	if a := send(t, clientFrom("203.0.113.1"), "GET", auth, nil, nil); a.status != http.StatusSeeOther {
		t.Errorf("another address: %d %s", a.status, a.body)
	}
}

// rpcCounter is a JSON-RPC proxy in front of the chain node that counts
// the calls Sigil sends, by method.
type rpcCounter struct {
	mu    sync.Mutex
	calls map[string]int
	url   string
}

func newRPCCounter(t *testing.T, target string) *rpcCounter {
	t.Helper()
	c := &rpcCounter{calls: map[string]int{}}
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var one struct{ Method string }
		var batch []struct{ Method string }
		c.mu.Lock()
		if json.Unmarshal(body, &batch) == nil {
			for _, m := range batch {
				c.calls[m.Method]++
			}
		} else if json.Unmarshal(body, &one) == nil {
			c.calls[one.Method]++
		}
		c.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return c
}

// total is the number of calls so far; of names only those methods.
func (c *rpcCounter) total(methods ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for m, k := range c.calls {
		if len(methods) == 0 || strings.Contains(strings.Join(methods, ","), m) {
			n += k
		}
	}
	return n
}

// TestLoginAPIRPCAmplification: on a real chain (behind a counting proxy),
// a challenge or reverse look-up with a made-up flow, or with another
// browser's flow, costs no RPC call at all; made-up domains do not evict
// real ones; a stream of rejected signatures costs one eth_getCode; and
// repeated reverse look-ups are cached.
func TestLoginAPIRPCAmplification(t *testing.T) {
	chain := chaintest.Start(t)
	l1, l2 := chain.DeployUNS(t), chain.DeployUNS(t)
	alice, _ := crypto.GenerateKey()
	mallory, _ := crypto.GenerateKey()
	l1.Mint(t, "alice.crypto", crypto.PubkeyToAddress(alice.PublicKey), nil)
	chain.Fund(t, crypto.PubkeyToAddress(alice.PublicKey), oneEther())
	l1.SetReverse(t, alice, "alice.crypto")
	rpc := newRPCCounter(t, chain.RPCURL)
	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir(), Alice: alice}
	in.Bob, _ = crypto.GenerateKey()
	runWith(t, in, []string{"--domains", "uns",
		"--uns-l1-rpc", rpc.url, "--uns-l1-proxy-reader", l1.ProxyReader.Hex(),
		"--uns-l2-rpc", rpc.url, "--uns-l2-proxy-reader", l2.ProxyReader.Hex()})
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})

	victim := newBrowser(t, in.Issuer)
	victimFlow := victim.authorize(in2auth(in, id))
	attacker := newBrowser(t, in.Issuer)
	attacker.authorize(in2auth(in, id)) // a browser cookie of its own
	before := rpc.total()
	for i := range 20 {
		domain := fmt.Sprintf("nosuch-x%d.crypto", i)
		if st, out := attacker.api("/login/challenge", map[string]any{"flow": "bogus", "domain": domain}); st != 404 || out["error"] != "not_found" {
			t.Fatalf("challenge with a made-up flow: %d %v", st, out)
		}
		if st, out := attacker.api("/login/challenge", map[string]any{"flow": victimFlow, "domain": domain}); st != 403 || out["error"] != "request_forbidden" {
			t.Fatalf("challenge with another browser's flow: %d %v", st, out)
		}
		if st, out := attacker.api("/login/reverse", map[string]any{"flow": "bogus", "address": addr(mallory)}); st != 404 {
			t.Fatalf("reverse with a made-up flow: %d %v", st, out)
		}
	}
	if got := rpc.total() - before; got != 0 {
		t.Fatalf("60 login API calls without a flow of the caller cost %d RPC calls, want 0", got)
	}

	// The real sign-in's challenge, then a stream of signatures that are
	// not the owner's: one eth_getCode for all of them.
	ch, st, _ := victim.signIn(victimFlow, "alice.crypto", mallory)
	if st != 401 {
		t.Fatalf("a wrong signer was let in: %d", st)
	}
	msg := ch["message"].(string)
	for range 10 {
		if st, out := victim.api("/login/verify", map[string]any{"flow": victimFlow, "signature": sign(t, mallory, msg)}); st != 401 {
			t.Fatalf("bad signature: %d %v", st, out)
		}
	}
	if got := rpc.total("eth_getCode"); got != 1 {
		t.Errorf("11 rejected signatures cost %d eth_getCode calls, want 1", got)
	}
	if st, out := victim.api("/login/verify", map[string]any{"flow": victimFlow, "signature": sign(t, alice, msg)}); st != 200 {
		t.Fatalf("the owner's signature: %d %v", st, out)
	}

	// Reverse look-ups of one address are cached.
	person := newBrowser(t, in.Issuer)
	flow := person.authorize(in2auth(in, id))
	for range 5 {
		st, out := person.api("/login/reverse", map[string]any{"flow": flow, "address": addr(alice)})
		if ds, _ := out["domains"].([]any); st != 200 || len(ds) != 1 || ds[0] != "alice.crypto" {
			t.Fatalf("reverse: %d %v", st, out)
		}
	}
	if got := rpc.total("eth_call"); got > 2+2+2 {
		// getData on both networks for the challenge, reverseNameOf on
		// both once; the confirmation of alice.crypto is cached.
		t.Errorf("the sign-in and five reverse look-ups cost %d eth_calls, want at most 6", got)
	}
}
