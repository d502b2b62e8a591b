package login

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains/static"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/internal/siwe"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
	"github.com/sigil-oidc/sigil/web"
)

// The fuzz targets here post arbitrary JSON to the login API's handlers
// over a real SQLite store, each on a fresh flow brought to the state the
// endpoint expects. In a body, $FLOW stands for that flow's id and $SIG
// for the owner's valid signature of its sign-in message, so the fuzzer
// reaches the paths past the flow checks. The system secret, signing keys
// (internal/keys/testdata/fuzz), owner key and clock are fixed, because
// fuzzing runs a target in several processes.

const fuzzSystemSecret = "sigil-fuzz-system-secret-0123456789"

var (
	fuzzNow     = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	fuzzBrowser = strings.Repeat("b", 43)
)

type loginFixture struct {
	p     *oauth.Provider
	h     *Handler
	key   *ecdsa.PrivateKey
	owner string
}

func newLoginFixture(tb testing.TB) *loginFixture {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(tb.TempDir(), "fuzz.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	raw, err := os.ReadFile("../keys/testdata/fuzz/signing-keys.json")
	if err != nil {
		tb.Fatal(err)
	}
	var stored []sigil.SigningKey
	if err := json.Unmarshal(raw, &stored); err != nil {
		tb.Fatal(err)
	}
	for _, k := range stored {
		if err := st.CreateSigningKey(ctx, k); err != nil {
			tb.Fatal(err)
		}
	}
	signer, err := keys.Load(ctx, st, []byte(fuzzSystemSecret))
	if err != nil {
		tb.Fatal(err)
	}
	secrets, err := secret.Derive([]byte(fuzzSystemSecret))
	if err != nil {
		tb.Fatal(err)
	}
	pages, err := web.NewPages()
	if err != nil {
		tb.Fatal(err)
	}
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("sigil login fuzz key")))
	if err != nil {
		tb.Fatal(err)
	}
	owner := crypto.PubkeyToAddress(key.PublicKey).Hex()
	registry, err := static.New(map[string]sigil.Domain{
		"alice.crypto": {Owner: owner, Records: map[string]string{"profile.name": "Alice"}},
		"bob.x":        {Owner: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.CreateClient(ctx, &sigil.Client{ID: "c1", RedirectURIs: []string{"https://rp.example/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid", "wallet", "email", "profile"}, TokenEndpointAuthMethod: sigil.AuthMethodNone,
		RequirePKCE: true}); err != nil {
		tb.Fatal(err)
	}
	p := &oauth.Provider{Issuer: &url.URL{Scheme: "https", Host: "id.example"}, Store: st, Secrets: secrets, Signer: signer, Pages: pages,
		Cookies: &session.Cookies{Keys: secrets, Secure: true, Lifetime: time.Hour}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return fuzzNow }, Lifetimes: oauth.DefaultLifetimes, Domains: registry}
	return &loginFixture{p: p, h: &Handler{Provider: p, Domains: registry}, key: key, owner: owner}
}

// jar is the cookies one browser holds; the browser cookie is implied.
type jar map[string]string

// browserCookie is the browser cookie's name (__Host- under https).
var browserCookie = (&session.Cookies{Secure: true}).Name(session.BrowserCookie)

func (j jar) request(method, target, body, contentType string) *http.Request {
	r := httptest.NewRequest(method, "/", strings.NewReader(body))
	r.URL, _ = url.Parse(target)
	if r.URL == nil {
		r.URL = &url.URL{Path: "/"}
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.AddCookie(&http.Cookie{Name: browserCookie, Value: fuzzBrowser})
	for k, v := range j {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	return r
}

func (j jar) keep(rec *httptest.ResponseRecorder) {
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(j, c.Name)
		} else {
			j[c.Name] = c.Value
		}
	}
}

// flow starts an authorization request (scope as given) and returns the
// flow id, with the message and its valid signature when challenged, and
// signs in when authenticated.
func (fx *loginFixture) flow(t *testing.T, j jar, scope string, challenged, authenticated bool) (id, message, sig string) {
	t.Helper()
	q := url.Values{"client_id": {"c1"}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"}, "scope": {scope},
		"state": {"st-12345678"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	rec := httptest.NewRecorder()
	fx.p.Authorize(rec, j.request("GET", "/oauth2/auth?"+q.Encode(), "", ""))
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if id = loc.Query().Get("flow"); id == "" {
		t.Fatalf("no flow: %d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if !challenged {
		return id, "", ""
	}
	rec = httptest.NewRecorder()
	fx.h.Challenge(rec, j.request("POST", "/login/challenge", `{"flow":"`+id+`","domain":"alice.crypto"}`, "application/json"))
	var ch ChallengeResponse
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &ch) != nil {
		t.Fatalf("challenge: %d %s", rec.Code, rec.Body)
	}
	j.keep(rec)
	s, err := crypto.Sign(accounts.TextHash([]byte(ch.Message)), fx.key)
	if err != nil {
		t.Fatal(err)
	}
	s[64] += 27
	sig = "0x" + hex.EncodeToString(s)
	if !authenticated {
		return id, ch.Message, sig
	}
	rec = httptest.NewRecorder()
	fx.h.Verify(rec, j.request("POST", "/login/verify", `{"flow":"`+id+`","signature":"`+sig+`"}`, "application/json"))
	if rec.Code != 200 {
		t.Fatalf("verify: %d %s", rec.Code, rec.Body)
	}
	j.keep(rec)
	return id, ch.Message, sig
}

// answer checks what every login API answer must be: never 5xx, JSON,
// and an error a catalogue error inside RFC 6749 section 5.2's characters.
// It returns the body of a 200.
func answer(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("answer %d is not JSON: %s", rec.Code, rec.Body)
	}
	if rec.Code == http.StatusOK {
		return body
	}
	var e oautherr.Body
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	if e.Error == "" {
		t.Fatalf("error %d is not a catalogue error: %s", rec.Code, rec.Body)
	}
	for _, s := range []string{e.ErrorDescription, e.ErrorHint} {
		for i := 0; i < len(s); i++ {
			if !oautherr.Allowed(s[i]) {
				t.Fatalf("error_description %q has characters RFC 6749 section 5.2 forbids", s)
			}
		}
	}
	return nil
}

var bodySeeds = []string{
	`{"flow":"$FLOW","domain":"alice.crypto"}`,
	`{"flow":"$FLOW","domain":"  ALICE.Crypto "}`,
	`{"flow":"$FLOW","domain":"bob.x","extra":1}`,
	`{"flow":"$FLOW","domain":"nosuch-x1.crypto"}`,
	`{"flow":"$FLOW","domain":"a\u212Aice.crypto"}`,
	"{\"flow\":\"$FLOW\",\"domain\":\"\xff\xfe\"}",
	`{"flow":"$FLOW","domain":"` + strings.Repeat("a", 300) + `.crypto"}`,
	`{"flow":"bogus","domain":"alice.crypto"}`,
	`{"flow":"$FLOW","flow":"other","domain":"alice.crypto"}`,
	`{"flow":"$FLOW","signature":"$SIG"}`,
	`{"flow":"$FLOW","signature":"$SIG","wallet_type_hint":"walletconnect"}`,
	`{"flow":"$FLOW","signature":"$SIG","wallet_type_hint":"\"\\\u0000"}`,
	`{"flow":"$FLOW","signature":"0x` + strings.Repeat("0", 130) + `"}`,
	`{"flow":"$FLOW","signature":"0x` + strings.Repeat("ab", 4097) + `"}`,
	`{"flow":"$FLOW","grant_scope":["openid","wallet"],"remember":true}`,
	`{"flow":"$FLOW","grant_scope":["openid","wallet","email:optional"]}`,
	`{"flow":"$FLOW","grant_scope":["openid"]}`,
	`{"flow":"$FLOW","grant_scope":["openid","wallet","\"x\\"]}`,
	`{"flow":"$FLOW","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}`,
	`{"flow":"$FLOW","address":"0x0000000000000000000000000000000000000000"}`,
	`{"flow":"$FLOW","address":"0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAEd"}`,
	`{"flow":1,"domain":[]}`, `[]`, `null`, ``, `{`, `{"flow":"$FLOW"}{}`,
	`{"flow":"$FLOW","domain":"` + strings.Repeat("x", 17000) + `"}`,
}

// fuzzLogin is the body of every login API fuzz target: a fresh flow in the
// state the endpoint wants, the body with $FLOW and $SIG replaced, posted
// with the given Origin, then the endpoint's own checks.
func fuzzLogin(f *testing.F, scope string, challenged, authenticated bool, serve func(*loginFixture) http.HandlerFunc,
	check func(t *testing.T, fx *loginFixture, flow, message, sig, body string, answer map[string]any)) {
	fx := newLoginFixture(f)
	for i, s := range bodySeeds {
		origin := ""
		switch i % 4 {
		case 1:
			origin = "https://id.example"
		case 3:
			origin = "https://evil.example"
		}
		f.Add(s, origin)
	}
	handler := serve(fx)
	f.Fuzz(func(t *testing.T, body, origin string) {
		j := jar{}
		flow, message, sig := fx.flow(t, j, scope, challenged, authenticated)
		body = strings.ReplaceAll(strings.ReplaceAll(body, "$FLOW", flow), "$SIG", sig)
		r := j.request("POST", "/", body, "application/json")
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		handler(rec, r)
		if got := answer(t, rec); got != nil {
			if origin != "" && origin != "https://id.example" {
				t.Fatalf("200 to a request from origin %q", origin)
			}
			check(t, fx, flow, message, sig, body, got)
		}
	})
}

// FuzzChallenge: a 200 carries an EIP-4361 message that parses, names the
// domain's owner and this flow, and names the owner as the address.
func FuzzChallenge(f *testing.F) {
	fuzzLogin(f, "openid wallet", false, false, func(fx *loginFixture) http.HandlerFunc { return fx.h.Challenge },
		func(t *testing.T, fx *loginFixture, flow, _, _, _ string, got map[string]any) {
			msg, _ := got["message"].(string)
			m, err := siwe.Parse(msg)
			if err != nil {
				t.Fatalf("challenge message does not parse: %v\n%s", err, msg)
			}
			if m.RequestID != flow || m.Domain != "id.example" || (m.Address != fx.owner && m.Address != "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359") || got["address"] != m.Address {
				t.Fatalf("challenge for flow %s names %+v, address %v", flow, m, got["address"])
			}
		})
}

// FuzzVerify: a 200 means the posted signature is the owner's over the
// issued message, and sends the browser to consent.
func FuzzVerify(f *testing.F) {
	fuzzLogin(f, "openid wallet", true, false, func(fx *loginFixture) http.HandlerFunc { return fx.h.Verify },
		func(t *testing.T, fx *loginFixture, flow, message, _, body string, got map[string]any) {
			var req VerifyRequest
			_ = json.Unmarshal([]byte(body), &req)
			if err := siwe.VerifySignature(message, req.Signature, fx.owner); err != nil {
				t.Fatalf("verify accepted signature %q: %v", req.Signature, err)
			}
			if to, _ := got["redirect_to"].(string); to != "https://id.example/consent?flow="+flow {
				t.Fatalf("verify redirects to %q", to)
			}
		})
}

// FuzzAccept: a 200 sends the browser to the client's registered redirect
// URI with a code, the state and iss.
func FuzzAccept(f *testing.F) {
	fuzzLogin(f, "openid wallet email:optional", true, true, func(fx *loginFixture) http.HandlerFunc { return fx.h.Accept }, checkRedirectTo("code"))
}

// FuzzReject: a 200 sends the browser to the client's registered redirect
// URI with access_denied, the state and iss.
func FuzzReject(f *testing.F) {
	fuzzLogin(f, "openid wallet", true, true, func(fx *loginFixture) http.HandlerFunc { return fx.h.Reject }, checkRedirectTo("error"))
}

// FuzzReverse: a 200 lists only domains the posted address owns.
func FuzzReverse(f *testing.F) {
	fuzzLogin(f, "openid wallet", false, false, func(fx *loginFixture) http.HandlerFunc { return fx.h.Reverse },
		func(t *testing.T, fx *loginFixture, _, _, _, body string, got map[string]any) {
			var req ReverseRequest
			_ = json.Unmarshal([]byte(body), &req)
			list, _ := got["domains"].([]any)
			for _, d := range list {
				name, _ := d.(string)
				dom, err := fx.h.Domains.Resolve(context.Background(), name)
				if err != nil || !strings.EqualFold(dom.Owner, strings.TrimSpace(req.Address)) {
					t.Fatalf("reverse of %q lists %q, owned by %q", req.Address, name, dom.Owner)
				}
			}
		})
}

func checkRedirectTo(param string) func(t *testing.T, fx *loginFixture, flow, message, sig, body string, got map[string]any) {
	return func(t *testing.T, _ *loginFixture, _, _, _, _ string, got map[string]any) {
		to, _ := got["redirect_to"].(string)
		u, err := url.Parse(to)
		if err != nil || !strings.HasPrefix(to, "https://rp.example/cb?") {
			t.Fatalf("redirect_to %q is not the registered redirect URI", to)
		}
		q := u.Query()
		if q.Get(param) == "" || q.Get("state") != "st-12345678" || q.Get("iss") != "https://id.example" {
			t.Fatalf("redirect_to %q lacks %s, state or iss", to, param)
		}
	}
}
