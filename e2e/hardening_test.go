package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/sigil-oidc/sigil/internal/chaintest"
	"github.com/sigil-oidc/sigil/internal/siwe"
)

// TestSignInMessageNamesTheOwnersChain (EIP-4361 "Chain ID"): the message
// names the chain where the domain's owner lives, the network the domain
// resolved on, read from that network's node: 1 for a domain held on the
// L1, the L2's id (137 here, Polygon's) for one held on the L2, including a
// contract wallet whose EIP-1271 check is made there; and a verify without
// the challenge cookie rebuilds the same message.
func TestSignInMessageNamesTheOwnersChain(t *testing.T) {
	l1, l2 := chaintest.StartWithChainID(t, 1), chaintest.StartWithChainID(t, 137)
	l1UNS, l2UNS := l1.DeployUNS(t), l2.DeployUNS(t)
	alice, _ := crypto.GenerateKey()
	bob, _ := crypto.GenerateKey()
	dave, _ := crypto.GenerateKey()
	l1UNS.Mint(t, "alice.crypto", crypto.PubkeyToAddress(alice.PublicKey), nil)
	// carol.crypto: Alice on L1, Bob on L2; L2 wins.
	l1UNS.Mint(t, "carol.crypto", crypto.PubkeyToAddress(alice.PublicKey), nil)
	l2UNS.Mint(t, "carol.crypto", crypto.PubkeyToAddress(bob.PublicKey), nil)
	wallet := l2.DeployERC1271Wallet(t, crypto.PubkeyToAddress(dave.PublicKey))
	l2UNS.Mint(t, "vault.crypto", wallet, nil)

	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir(), Alice: alice, Bob: bob}
	in = runWith(t, in, []string{"--domains", "uns",
		"--uns-l1-rpc", l1.RPCURL, "--uns-l1-proxy-reader", l1UNS.ProxyReader.Hex(),
		"--uns-l2-rpc", l2.RPCURL, "--uns-l2-proxy-reader", l2UNS.ProxyReader.Hex()})
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})

	for _, tc := range []struct {
		domain      string
		chainID     int64
		sign        func(msg string) string
		dropCookies bool
	}{
		{"alice.crypto", 1, func(msg string) string { return sign(t, alice, msg) }, false},
		{"carol.crypto", 137, func(msg string) string { return sign(t, bob, msg) }, false},
		{"carol.crypto", 137, func(msg string) string { return sign(t, bob, msg) }, true},
		{"vault.crypto", 137, func(msg string) string {
			return fmt.Sprintf("0x%x", chaintest.SignHash(t, dave, siwe.Hash(msg)))
		}, false},
	} {
		name := fmt.Sprintf("%s on chain %d", tc.domain, tc.chainID)
		if tc.dropCookies {
			name += ", verified without the challenge cookie"
		}
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t, in.Issuer)
			flow := b.authorize(in2auth(in, id))
			st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": tc.domain})
			if st != 200 {
				t.Fatalf("challenge: %d %v", st, ch)
			}
			msg := ch["message"].(string)
			m, err := siwe.Parse(msg)
			if err != nil {
				t.Fatalf("the message does not parse: %v\n%s", err, msg)
			}
			if m.ChainID != tc.chainID || !strings.Contains(msg, fmt.Sprintf("\nChain ID: %d\n", tc.chainID)) {
				t.Fatalf("message names chain %d, want %d:\n%s", m.ChainID, tc.chainID, msg)
			}
			if tc.dropCookies {
				u, _ := url.Parse(in.Issuer)
				var keep []*http.Cookie
				for _, c := range b.client.Jar.Cookies(u) {
					if !strings.HasPrefix(c.Name, "sigil_ch_") {
						keep = append(keep, c)
					}
				}
				b = newBrowser(t, in.Issuer)
				b.client.Jar.SetCookies(u, keep)
			}
			if st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": tc.sign(msg)}); st != 200 {
				t.Fatalf("verify: %d %v", st, v)
			}
		})
	}
}

// cookieClient is a browser that keeps cookies by name whatever their
// Secure attribute, so that a test can follow a flow of an https issuer
// served over plain http (as behind a TLS-terminating proxy), which Go's
// cookie jar would not.
type cookieClient struct {
	t       *testing.T
	base    string
	cookies map[string]*http.Cookie
	set     []*http.Cookie // every Set-Cookie seen
}

func (c *cookieClient) do(method, path, contentType string, body []byte) (*http.Response, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		c.set = append(c.set, ck)
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return resp, data
}

func (c *cookieClient) api(path string, v any) (*http.Response, map[string]any) {
	c.t.Helper()
	raw, _ := json.Marshal(v)
	resp, data := c.do("POST", path, "application/json", raw)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	return resp, out
}

// TestHTTPSIssuerHardening: under an https issuer every public answer
// carries Strict-Transport-Security (RFC 6797), pages, errors and
// refusals alike, and every cookie is a __Host- cookie (Secure, Path=/, no
// Domain); a plain-named browser cookie, as a sibling domain could plant
// one, binds nothing. Under an http issuer there is no HSTS and the plain
// names stay (browsers refuse __Host- cookies without Secure).
func TestHTTPSIssuerHardening(t *testing.T) {
	const hsts = "max-age=63072000; includeSubDomains"
	in := startSigil(t, "--issuer", "https://login.example")
	base := in.Issuer // the plain-http listener behind the https issuer
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	c := &cookieClient{t: t, base: base, cookies: map[string]*http.Cookie{}}

	for _, path := range []string{"/.well-known/openid-configuration", "/nothing-here", "/health/alive", "/login?flow=nope"} {
		resp, _ := c.do("GET", path, "", nil)
		if got := resp.Header.Get("Strict-Transport-Security"); got != hsts {
			t.Errorf("GET %s (%d): Strict-Transport-Security %q, want %q", path, resp.StatusCode, got, hsts)
		}
	}
	resp, _ := c.do("POST", "/oauth2/token", "application/x-www-form-urlencoded", []byte("grant_type=password"))
	if got := resp.Header.Get("Strict-Transport-Security"); resp.StatusCode < 400 || got != hsts {
		t.Errorf("token error %d: Strict-Transport-Security %q", resp.StatusCode, got)
	}

	resp, _ = c.do("GET", "/oauth2/auth?"+authParams(id).Encode(), "", nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	flow := loc.Query().Get("flow")
	if resp.StatusCode != 303 || flow == "" || resp.Header.Get("Strict-Transport-Security") != hsts {
		t.Fatalf("authorize: %d %v", resp.StatusCode, resp.Header)
	}
	// A plain-named copy of the browser cookie is not the browser's.
	planted := &cookieClient{t: t, base: base, cookies: map[string]*http.Cookie{
		"sigil_browser": {Name: "sigil_browser", Value: c.cookies["__Host-sigil_browser"].Value}}}
	if resp, out := planted.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"}); resp.StatusCode == 200 {
		t.Fatalf("a plain sigil_browser cookie was honoured under https: %v", out)
	}
	resp, ch := c.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if resp.StatusCode != 200 {
		t.Fatalf("challenge: %d %v", resp.StatusCode, ch)
	}
	resp, v := c.api("/login/verify", map[string]any{"flow": flow, "signature": sign(t, in.Alice, ch["message"].(string))})
	if resp.StatusCode != 200 {
		t.Fatalf("verify: %d %v", resp.StatusCode, v)
	}
	names := map[string]bool{}
	for _, ck := range c.set {
		names[ck.Name] = true
		if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("cookie %s: Secure %v, Path %q, Domain %q; want a __Host- cookie", ck.Name, ck.Secure, ck.Path, ck.Domain)
		}
	}
	for _, want := range []string{"__Host-sigil_browser", "__Host-sigil_session", "__Host-sigil_ch_" + flow} {
		if !names[want] {
			t.Errorf("no %s cookie was set (got %v)", want, names)
		}
	}

	plain := startSigil(t)
	b := newBrowser(t, plain.Issuer)
	pid, _ := plain.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	resp, _ = b.get(plain.Issuer + "/oauth2/auth?" + authParams(pid).Encode())
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("http issuer sends Strict-Transport-Security %q", got)
	}
	if cks := resp.Cookies(); len(cks) != 1 || cks[0].Name != "sigil_browser" || cks[0].Secure {
		t.Errorf("http issuer's browser cookie: %v, want the plain name without Secure", cks)
	}
}

// TestDevNeedsALoopbackIssuer: --dev, whose login page hands out the
// development wallet's private key, refuses to start with a public https
// issuer, saying why in terms of --dev and --issuer.
func TestDevNeedsALoopbackIssuer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sigilBin, "serve", "--dev", "--issuer", "https://login.example.com",
		"--data-dir", t.TempDir(), "--public-addr", freeAddr(t), "--admin-addr", freeAddr(t))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve --dev with a public issuer started:\n%s", out)
	}
	if !strings.Contains(string(out), "--dev") || !strings.Contains(string(out), "--issuer https://login.example.com") {
		t.Errorf("the error does not name --dev and --issuer:\n%s", out)
	}
}

// TestDemoClientRemovedWithoutDev: the demo client a --dev start stores is
// deleted, and the deletion logged, when the server next starts without
// --dev on the same database.
func TestDemoClientRemovedWithoutDev(t *testing.T) {
	dev := startSigil(t, "--dev")
	if st, body := dev.adminDo(t, "GET", "/admin/clients/sigil-demo", nil); st != 200 {
		t.Fatalf("--dev did not store its demo client: %d %s", st, body)
	}
	_ = dev.cmd.Process.Signal(os.Interrupt)
	_ = dev.cmd.Wait()

	again := restartOn(t, dev)
	if st, body := again.adminDo(t, "GET", "/admin/clients/sigil-demo", nil); st != 404 {
		t.Errorf("the demo client outlived --dev: %d %s", st, body)
	}
	if !strings.Contains(again.logs.String(), "deleted the demo client") {
		t.Errorf("the deletion was not logged:\n%s", again.logs.String())
	}
}

// TestUserinfoInvalidTokenChallenge (RFC 6750 section 3.1): whenever a
// token is presented and is no good (unknown, malformed, revoked, of the
// wrong type, expired), userinfo answers 401 with
// WWW-Authenticate: Bearer ... error="invalid_token"; only a request with no
// token at all gets the bare challenge.
func TestUserinfoInvalidTokenChallenge(t *testing.T) {
	in := startSigil(t, "--access-token-lifetime", "10s")
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect},
		"grant_types": []string{"authorization_code", "refresh_token"}, "scope": "openid wallet offline_access"})
	svc, svcSecret := in.createClient(t, map[string]any{"grant_types": []string{"client_credentials"}, "scope": "reports"})
	tokens := func() map[string]any {
		code, verifier, _ := codeFor(t, in, id, []string{"openid", "wallet", "offline_access"})
		st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {testRedirect}, "code_verifier": {verifier}}, id, secret)
		if st != 200 {
			t.Fatalf("exchange: %d %v", st, tok)
		}
		return tok
	}
	live, revoked, expiring := tokens(), tokens(), tokens()
	req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/revoke", strings.NewReader(url.Values{"token": {revoked["access_token"].(string)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	st, cc, _ := postToken(t, in, url.Values{"grant_type": {"client_credentials"}}, svc, svcSecret)
	if st != 200 {
		t.Fatalf("client credentials: %d %v", st, cc)
	}

	check := func(name, authorization string, wantError bool) {
		t.Helper()
		req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != 401 || !strings.HasPrefix(h, "Bearer ") || strings.Contains(h, `error="invalid_token"`) != wantError {
			t.Errorf("%s: %d WWW-Authenticate %q, want 401 with error=\"invalid_token\" %v", name, resp.StatusCode, h, wantError)
		}
	}
	if code := userinfoStatus(t, in, "Bearer "+live["access_token"].(string)); code != 200 {
		t.Fatalf("the live token: %d", code)
	}
	check("no token", "", false)
	check("unknown token", "Bearer sigil_at_"+strings.Repeat("x", 43), true)
	check("malformed token", "Bearer not-a-token", true)
	check("revoked token", "Bearer "+revoked["access_token"].(string), true)
	check("refresh token (wrong type)", "Bearer "+live["refresh_token"].(string), true)
	check("ID token (wrong type)", "Bearer "+live["id_token"].(string), true)
	check("client credentials token (names no person)", "Bearer "+cc["access_token"].(string), true)
	check("forged JWT", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJhbGljZS5jcnlwdG8ifQ.", true)

	time.Sleep(11 * time.Second) // past the 10 s access token lifetime
	check("expired token", "Bearer "+expiring["access_token"].(string), true)
}
