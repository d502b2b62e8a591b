package backchanneltest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestValidateRejects shows the validator the other tests rely on is
// strict: a valid token passes, and each way of breaking section 2.4 or
// 2.6 is refused.
func TestValidateRejects(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
	now := time.Unix(1_900_000_000, 0)
	want := Expect{Issuer: "https://op.example", ClientID: "rp", Now: now}
	base := map[string]any{
		"iss": "https://op.example", "aud": "rp", "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": "j1", "sub": "alice.crypto", "sid": "s1",
		"events": map[string]any{Event: map[string]any{}},
	}
	sign := func(priv *rsa.PrivateKey, typ string, claims map[string]any) string {
		opts := (&jose.SignerOptions{}).WithHeader("kid", "k1")
		if typ != "" {
			opts = opts.WithType(jose.ContentType(typ))
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv}, opts)
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(claims)
		jws, err := signer.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := jws.CompactSerialize()
		return s
	}
	with := func(change func(map[string]any)) map[string]any {
		c := maps.Clone(base)
		change(c)
		return c
	}
	if _, err := Validate(sign(key, "logout+jwt", base), jwks, want); err != nil {
		t.Fatalf("a valid token was refused: %v", err)
	}
	if _, err := Validate(sign(key, "logout+jwt", with(func(c map[string]any) { delete(c, "sid") })), jwks, want); err != nil {
		t.Fatalf("a valid token with sub only was refused: %v", err)
	}
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"logout+jwt","kid":"k1"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(must(json.Marshal(base))) + "."
	for name, tok := range map[string]string{
		"typ JWT":           sign(key, "JWT", base),
		"no typ":            sign(key, "", base),
		"alg none":          unsigned,
		"foreign key":       sign(other, "logout+jwt", base),
		"nonce":             sign(key, "logout+jwt", with(func(c map[string]any) { c["nonce"] = "n" })),
		"no events":         sign(key, "logout+jwt", with(func(c map[string]any) { delete(c, "events") })),
		"other event":       sign(key, "logout+jwt", with(func(c map[string]any) { c["events"] = map[string]any{"urn:x": map[string]any{}} })),
		"event not {}":      sign(key, "logout+jwt", with(func(c map[string]any) { c["events"] = map[string]any{Event: "yes"} })),
		"wrong iss":         sign(key, "logout+jwt", with(func(c map[string]any) { c["iss"] = "https://evil.example" })),
		"wrong aud":         sign(key, "logout+jwt", with(func(c map[string]any) { c["aud"] = []string{"other"} })),
		"expired":           sign(key, "logout+jwt", with(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })),
		"no exp":            sign(key, "logout+jwt", with(func(c map[string]any) { delete(c, "exp") })),
		"iat in the future": sign(key, "logout+jwt", with(func(c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() })),
		"no jti":            sign(key, "logout+jwt", with(func(c map[string]any) { delete(c, "jti") })),
		"neither sub nor sid": sign(key, "logout+jwt", with(func(c map[string]any) {
			delete(c, "sub")
			delete(c, "sid")
		})),
	} {
		if _, err := Validate(tok, jwks, want); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	strict := want
	strict.RequireSID = true
	if _, err := Validate(sign(key, "logout+jwt", with(func(c map[string]any) { delete(c, "sid") })), jwks, strict); err == nil {
		t.Error("a token without sid was accepted for a client that requires it")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestWaitAnsweredWaitsForTheAnswer: while Answer still runs for a request,
// WaitFor already returns it (Status 0) and WaitAnswered does not; once
// Answer returns, WaitAnswered returns it with its status. An e2e test that
// read Status after WaitFor saw 0 in CI.
func TestWaitAnsweredWaitsForTheAnswer(t *testing.T) {
	release := make(chan struct{})
	rcv := NewReceiver(t, func(int) int { <-release; return http.StatusServiceUnavailable })
	sent := make(chan error, 1)
	go func() {
		resp, err := http.PostForm(rcv.URL, url.Values{"logout_token": {"a.b.c"}})
		if err == nil {
			resp.Body.Close()
		}
		sent <- err
	}()
	if got := rcv.WaitFor(t, 1, 5*time.Second); got[0].Status != 0 {
		t.Fatalf("status %d before Answer returned", got[0].Status)
	}
	answered := make(chan []Request, 1)
	go func() { answered <- rcv.WaitAnswered(t, 1, 5*time.Second) }()
	select {
	case got := <-answered:
		t.Fatalf("WaitAnswered returned %+v while Answer was still running", got)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if got := <-answered; got[0].Status != http.StatusServiceUnavailable {
		t.Errorf("WaitAnswered returned status %d, want 503", got[0].Status)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}
