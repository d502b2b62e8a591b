package e2e

// Ownership follows the chain (issue 8): on a real chain, after a domain
// is transferred, its previous owner cannot finish a sign-in at all, and
// loses every grant (refresh, userinfo, introspection) within the
// resolver cache's bound; the new owner signs in and a relying party can
// tell the two apart.

import (
	"crypto/ecdsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"

	"github.com/sigil-oidc/sigil/internal/chaintest"
)

// ownershipCacheTTL is the --uns-cache-ttl of the instance whose grants
// are checked against the bound.
const ownershipCacheTTL = 2 * time.Second

// ownershipWorld is a chain with UNS where Alice owns alice.crypto, and two
// sigil instances reading it: short, with a short resolver cache (the
// bound of the grant checks), and long, with a long one (to show that a
// sign-in reads past it).
type ownershipWorld struct {
	chain       *chaintest.Chain
	uns         *chaintest.UNS
	short, long *instance
	alice, bob  *ecdsa.PrivateKey
}

func startOwnershipWorld(t *testing.T) *ownershipWorld {
	t.Helper()
	w := &ownershipWorld{chain: chaintest.Start(t)}
	w.uns = w.chain.DeployUNS(t)
	w.alice, _ = crypto.GenerateKey()
	w.bob, _ = crypto.GenerateKey()
	w.uns.Mint(t, "alice.crypto", crypto.PubkeyToAddress(w.alice.PublicKey), map[string]string{"profile.name": "Alice"})
	w.chain.Fund(t, crypto.PubkeyToAddress(w.alice.PublicKey), oneEther()) // to pay for the transfer
	start := func(ttl time.Duration) *instance {
		in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir(), Alice: w.alice, Bob: w.bob}
		return runWith(t, in, []string{"--domains", "uns", "--uns-l1-rpc", w.chain.RPCURL,
			"--uns-l1-proxy-reader", w.uns.ProxyReader.Hex(), "--uns-cache-ttl", ttl.String()})
	}
	w.short, w.long = start(ownershipCacheTTL), start(5*time.Minute)
	return w
}

// transfer moves alice.crypto from Alice to Bob on chain.
func (w *ownershipWorld) transfer(t *testing.T) {
	t.Helper()
	w.uns.Transfer(t, w.alice, "alice.crypto", crypto.PubkeyToAddress(w.bob.PublicKey))
	if got := w.uns.OwnerOf(t, "alice.crypto"); got != crypto.PubkeyToAddress(w.bob.PublicKey) {
		t.Fatalf("after the transfer the chain says %s owns alice.crypto", got.Hex())
	}
}

// ownerScope is what the grants of these tests ask for: wallet, so the ID
// token carries wallet_address, and offline_access, for a refresh token.
var ownerScope = []string{"openid", "wallet", "offline_access"}

// ownerClient registers a confidential client with the refresh_token grant
// and the given subject_type ("" for the default).
func ownerClient(t *testing.T, in *instance, subjectType string) (id, secret string) {
	t.Helper()
	meta := map[string]any{"redirect_uris": []string{testRedirect}, "grant_types": []string{"authorization_code", "refresh_token"},
		"scope": strings.Join(ownerScope, " ")}
	if subjectType != "" {
		meta["subject_type"] = subjectType
	}
	return in.createClient(t, meta)
}

// signInAs signs in to client id as the holder of key, consents, redeems
// the code and returns the token response.
func signInAs(t *testing.T, in *instance, id, secret string, key *ecdsa.PrivateKey) map[string]any {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: id, RedirectURL: testRedirect, Scopes: ownerScope,
		Endpoint: oauth2.Endpoint{AuthURL: in.Issuer + "/oauth2/auth", TokenURL: in.Issuer + "/oauth2/token"}}
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	if _, st, v := b.signIn(flow, "alice.crypto", key); st != 200 {
		t.Fatalf("verify as %s: %d %v", addr(key), st, v)
	}
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": ownerScope})
	if st != 200 {
		t.Fatalf("accept %d %v", st, acc)
	}
	code := b.redirectParams(acc["redirect_to"].(string), "query").Get("code")
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {testRedirect}, "code_verifier": {verifier}}, id, secret)
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	return tok
}

// getUserinfo calls userinfo with token and returns the status, the
// WWW-Authenticate header and the JSON body.
func getUserinfo(t *testing.T, in *instance, token string) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), out
}

// within polls check until it reports done, and fails the test when that
// takes longer than bound (measured from since).
func within(t *testing.T, what string, since time.Time, bound time.Duration, check func() bool) {
	t.Helper()
	for !check() {
		if time.Since(since) > bound {
			t.Fatalf("%s: not after %v, the bound is %v", what, time.Since(since).Round(time.Millisecond), bound)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%s after %v", what, time.Since(since).Round(time.Millisecond))
}

// TestOwnershipFollowsTheChain: alice.crypto is transferred from Alice to
// Bob on chain.
//   - A sign-in Alice began before the transfer is refused at its verify
//     step at once, although the resolver cache (5 minutes there) still
//     names her: the last check reads the chain.
//   - Alice's grants end within the cache bound (--uns-cache-ttl 2s):
//     refresh answers invalid_grant and keeps answering it, userinfo 401
//     with error="invalid_token", introspection active false, for the
//     access and the refresh token alike.
//   - Bob signs in: a public client sees the same sub (the domain) and
//     Bob's wallet_address; a pairwise client sees a new sub.
func TestOwnershipFollowsTheChain(t *testing.T) {
	w := startOwnershipWorld(t)
	in := w.short
	pubID, pubSecret := ownerClient(t, in, "")
	pwID, pwSecret := ownerClient(t, in, "pairwise")

	// Alice's grants: one for each check, since each revokes its grant.
	forRefresh := signInAs(t, in, pubID, pubSecret, w.alice)
	forUserinfo := signInAs(t, in, pubID, pubSecret, w.alice)
	forIntrospection := signInAs(t, in, pubID, pubSecret, w.alice)
	alicePairwise := signInAs(t, in, pwID, pwSecret, w.alice)
	aliceClaims := crIDTokenClaims(t, forRefresh)
	if aliceClaims["sub"] != "alice.crypto" || aliceClaims["wallet_address"] != addr(w.alice) {
		t.Fatalf("Alice's public ID token: %v", aliceClaims)
	}
	alicePWSub, _ := crIDTokenClaims(t, alicePairwise)["sub"].(string)
	if alicePWSub == "" || alicePWSub == "alice.crypto" || len(alicePWSub) != 43 {
		t.Fatalf("Alice's pairwise sub %q, want an opaque 43-character value", alicePWSub)
	}
	refreshToken := forRefresh["refresh_token"].(string)
	refresh := func() (int, map[string]any) {
		st, body, _ := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}, pubID, pubSecret)
		if st == 200 {
			refreshToken = body["refresh_token"].(string)
		}
		return st, body
	}
	if st, body := refresh(); st != 200 {
		t.Fatalf("refresh before the transfer: %d %v", st, body)
	}
	if st, _, body := getUserinfo(t, in, forUserinfo["access_token"].(string)); st != 200 || body["sub"] != "alice.crypto" {
		t.Fatalf("userinfo before the transfer: %d %v", st, body)
	}
	if st, _, body := getUserinfo(t, in, alicePairwise["access_token"].(string)); st != 200 || body["sub"] != alicePWSub {
		t.Fatalf("pairwise userinfo before the transfer: %d %v, want sub %s", st, body, alicePWSub)
	}
	active := func(token string) bool {
		st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {token}}, basic(pubID, pubSecret))
		if st != 200 {
			t.Fatalf("introspection: %d %v", st, body)
		}
		return body["active"] == true
	}
	if !active(forIntrospection["access_token"].(string)) || !active(forIntrospection["refresh_token"].(string)) {
		t.Fatal("introspection before the transfer: inactive")
	}

	// A sign-in Alice begins on the long-cache instance before the
	// transfer: its challenge caches her as the owner for 5 minutes.
	longID, _ := ownerClient(t, w.long, "")
	b := newBrowser(t, w.long.Issuer)
	flow := b.authorize(in2auth(w.long, longID))
	st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if st != 200 || ch["address"] != addr(w.alice) {
		t.Fatalf("challenge: %d %v", st, ch)
	}

	w.transfer(t)
	transferred := time.Now()

	t.Run("verify reads past the cache", func(t *testing.T) {
		st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": sign(t, w.alice, ch["message"].(string))})
		if st != 401 || v["error"] != "request_unauthorized" || !strings.Contains(v["error_hint"].(string), "no longer owned") {
			t.Fatalf("the previous owner's verify right after the transfer: %d %v, want 401 request_unauthorized", st, v)
		}
		// The fresh read refreshed the cache: Bob is named at once.
		b2 := newBrowser(t, w.long.Issuer)
		flow2 := b2.authorize(in2auth(w.long, longID))
		if ch2, st, v := b2.signIn(flow2, "alice.crypto", w.bob); st != 200 || ch2["address"] != addr(w.bob) {
			t.Fatalf("the new owner's sign-in: challenge %v, verify %d %v", ch2, st, v)
		}
	})

	bound := ownershipCacheTTL + 3*time.Second // the TTL, the token cache (1 s) and slack
	t.Run("refresh", func(t *testing.T) {
		var body map[string]any
		within(t, "refresh refused", transferred, bound, func() bool {
			var st int
			st, body = refresh()
			return st != 200
		})
		if body["error"] != "invalid_grant" || !strings.Contains(body["error_hint"].(string), "no longer held") {
			t.Fatalf("refresh after the transfer: %v, want invalid_grant", body)
		}
		// Revoked for good: the last refresh token stays refused.
		if st, body := refresh(); st != 400 || body["error"] != "invalid_grant" {
			t.Fatalf("refresh again: %d %v, want invalid_grant", st, body)
		}
	})
	t.Run("userinfo", func(t *testing.T) {
		var (
			st        int
			challenge string
			body      map[string]any
		)
		within(t, "userinfo refused", transferred, bound, func() bool {
			st, challenge, body = getUserinfo(t, in, forUserinfo["access_token"].(string))
			return st != 200
		})
		if st != 401 || body["error"] != "invalid_token" || !strings.Contains(challenge, `error="invalid_token"`) {
			t.Fatalf("userinfo after the transfer: %d %q %v, want 401 invalid_token", st, challenge, body)
		}
		// The grant is revoked: its refresh token is refused too.
		st, body, _ = postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {forUserinfo["refresh_token"].(string)}}, pubID, pubSecret)
		if st != 400 || body["error"] != "invalid_grant" {
			t.Fatalf("refresh of the grant userinfo revoked: %d %v", st, body)
		}
	})
	t.Run("introspection", func(t *testing.T) {
		within(t, "introspection inactive", transferred, bound, func() bool {
			return !active(forIntrospection["access_token"].(string))
		})
		if active(forIntrospection["refresh_token"].(string)) {
			t.Fatal("the refresh token of the grant is still active")
		}
		if st, _, _ := getUserinfo(t, in, forIntrospection["access_token"].(string)); st != 401 {
			t.Fatalf("userinfo with the access token introspection found inactive: %d", st)
		}
	})
	t.Run("pairwise grant", func(t *testing.T) {
		within(t, "pairwise userinfo refused", transferred, bound, func() bool {
			st, _, _ := getUserinfo(t, in, alicePairwise["access_token"].(string))
			return st == 401
		})
	})
	t.Run("the new owner", func(t *testing.T) {
		bobPublic := crIDTokenClaims(t, signInAs(t, in, pubID, pubSecret, w.bob))
		if bobPublic["sub"] != "alice.crypto" || bobPublic["wallet_address"] != addr(w.bob) {
			t.Fatalf("Bob's public ID token: %v, want sub alice.crypto and his wallet_address", bobPublic)
		}
		bobTok := signInAs(t, in, pwID, pwSecret, w.bob)
		bobPWSub, _ := crIDTokenClaims(t, bobTok)["sub"].(string)
		if bobPWSub == "" || bobPWSub == alicePWSub || bobPWSub == "alice.crypto" {
			t.Fatalf("Bob's pairwise sub %q, Alice's %q: want a new opaque one", bobPWSub, alicePWSub)
		}
		if st, _, body := getUserinfo(t, in, bobTok["access_token"].(string)); st != 200 || body["sub"] != bobPWSub || body["wallet_address"] != addr(w.bob) {
			t.Fatalf("Bob's pairwise userinfo: %d %v", st, body)
		}
		st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {bobTok["access_token"].(string)}}, basic(pubID, pubSecret))
		if st != 200 || body["active"] != true || body["sub"] != bobPWSub {
			t.Fatalf("introspection of Bob's pairwise token: %d %v, want active with sub %s", st, body, bobPWSub)
		}
	})
}

// accountSignIn signs the holder of key in to /account with a new browser
// and returns the browser and the page's CSRF token.
func accountSignIn(t *testing.T, in *instance, key *ecdsa.PrivateKey) (*browser, string) {
	t.Helper()
	b := newBrowser(t, in.Issuer)
	resp, _ := b.get(in.Issuer + "/account")
	flow := b.authorize(resp.Header.Get("Location"))
	_, st, v := b.signIn(flow, "alice.crypto", key)
	to, _ := v["redirect_to"].(string)
	if st != 200 || !strings.HasPrefix(to, in.Issuer+"/account/callback?code=") {
		t.Fatalf("account sign-in as %s: %d %v", addr(key), st, v)
	}
	b.get(to)
	resp, body := b.get(in.Issuer + "/account")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || csrf == nil {
		t.Fatalf("account page as %s: %d", addr(key), resp.StatusCode)
	}
	return b, csrf[1]
}

// TestAccountPageFollowsTheOwner: after alice.crypto changes hands, the
// previous owner's live session no longer opens /account (a new sign-in
// is asked, which the previous owner cannot make) and cannot act on it:
// "sign out everywhere" from it, sent with its own valid token, is
// refused and leaves the new owner signed in. The page of the new owner
// lists neither the previous owner's sessions nor applications. Before,
// the page looked sessions and consents up by domain alone, and the
// previous owner could sign the new one out everywhere and disconnect
// their applications.
func TestAccountPageFollowsTheOwner(t *testing.T) {
	w := startOwnershipWorld(t)
	in := w.short
	id, secret := ownerClient(t, in, "")
	signInAs(t, in, id, secret, w.alice)
	alice, aliceCSRF := accountSignIn(t, in, w.alice)

	w.transfer(t)
	transferred := time.Now()
	within(t, "the previous owner's /account asks for a sign-in", transferred, ownershipCacheTTL+5*time.Second, func() bool {
		resp, _ := alice.get(in.Issuer + "/account")
		return resp.StatusCode == http.StatusSeeOther
	})

	bobsToken := signInAs(t, in, id, secret, w.bob)
	bob, bobCSRF := accountSignIn(t, in, w.bob)
	resp, body := bob.get(in.Issuer + "/account")
	if resp.StatusCode != 200 || strings.Count(body, "this browser") != 1 || strings.Contains(body, addr(w.alice)) {
		t.Fatalf("the new owner's page: %d; it must list only the new owner's sessions and nothing of the previous owner's", resp.StatusCode)
	}

	req, _ := http.NewRequest("POST", in.Issuer+"/account/sessions/end", strings.NewReader(url.Values{"csrf": {aliceCSRF}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := alice.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("sign out everywhere from the previous owner's session: %d, want a refusal", resp.StatusCode)
	}
	if resp, _ := bob.get(in.Issuer + "/account"); resp.StatusCode != 200 {
		t.Fatalf("the new owner after the previous owner's attempt: /account %d, want the page (still signed in)", resp.StatusCode)
	}
	if st, _, _ := getUserinfo(t, in, bobsToken["access_token"].(string)); st != 200 {
		t.Fatalf("the new owner's token after the previous owner's attempt: %d", st)
	}

	// The new owner's "sign out everywhere" ends the new owner's sessions
	// only: the previous owner's, which the page does not list, are not
	// the new owner's to end (nor to send logout tokens for).
	req, _ = http.NewRequest("POST", in.Issuer+"/account/sessions/end", strings.NewReader(url.Values{"csrf": {bobCSRF}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err = bob.client.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("sign out everywhere as the new owner: %d", resp.StatusCode)
	}
	for _, s := range sessionsOf(t, in, "alice.crypto") {
		if s["address"] != addr(w.alice) {
			t.Errorf("a session of the new owner outlived their sign out everywhere: %v", s)
		}
	}
	if n := len(sessionsOf(t, in, "alice.crypto")); n == 0 {
		t.Errorf("the new owner's sign out everywhere ended the previous owner's sessions too")
	}
}
