package keys

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sigil-oidc/sigil"
)

// memStore is an in-memory KeyStore for unit tests with the store's
// contract: generation order, and an existing id or generation is
// sigil.ErrConflict.
type memStore struct {
	mu   sync.Mutex
	keys []sigil.SigningKey
	// lists counts ListSigningKeys calls; listGate, when set, is called
	// (without the lock held) before each one answers.
	lists    int
	listGate func()
	// failList makes ListSigningKeys fail.
	failList error
	// extends counts ExtendSigningKeyRetention calls.
	extends int
}

func (m *memStore) ListSigningKeys(context.Context) ([]sigil.SigningKey, error) {
	m.mu.Lock()
	m.lists++
	gate, fail := m.listGate, m.failList
	m.mu.Unlock()
	if gate != nil {
		gate()
	}
	if fail != nil {
		return nil, fail
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]sigil.SigningKey(nil), m.keys...)
	slices.SortFunc(out, func(a, b sigil.SigningKey) int { return cmp.Compare(a.Generation, b.Generation) })
	return out, nil
}

func (m *memStore) DeleteSigningKey(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = slices.DeleteFunc(m.keys, func(k sigil.SigningKey) bool { return k.ID == id })
	return nil
}

func (m *memStore) ExtendSigningKeyRetention(_ context.Context, id string, retention time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.extends++
	for i := range m.keys {
		if m.keys[i].ID == id && m.keys[i].Retention < retention {
			m.keys[i].Retention = retention
		}
	}
	return nil
}

func (m *memStore) CreateSigningKey(_ context.Context, k sigil.SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k.Generation < 1 {
		return errors.New("generation must be 1 or more")
	}
	for _, old := range m.keys {
		if old.ID == k.ID || old.Generation == k.Generation {
			return sigil.ErrConflict
		}
	}
	m.keys = append(m.keys, k)
	return nil
}

var secret = []byte("0123456789abcdef0123456789abcdef")

func mustLoad(t *testing.T, ks KeyStore, secret []byte) *Set {
	t.Helper()
	s, err := Load(context.Background(), ks, secret)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func header(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestLoadCreatesOneKeyPerAlgorithmThenReusesThem(t *testing.T) {
	st := &memStore{}
	s1 := mustLoad(t, st, secret)
	if len(st.keys) != 3 {
		t.Fatalf("store has %d keys after first Load, want 3", len(st.keys))
	}
	jwks := s1.PublicJWKS()
	if len(jwks.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3", len(jwks.Keys))
	}
	for i, alg := range []string{RS256, ES256, EdDSA} {
		k := st.keys[i]
		if k.Algorithm != alg || k.ID == "" || k.Generation != int64(i+1) || k.CreatedAt.IsZero() || !k.ActivatesAt.Equal(k.CreatedAt) {
			t.Fatalf("stored key %d = %+v, want %s of generation %d active at once", i, k, alg, i+1)
		}
		// The kid is the RFC 7638 thumbprint of the public key.
		if jwks.Keys[i].KeyID != k.ID || jwks.Keys[i].Algorithm != alg {
			t.Fatalf("JWKS key %d = %s %s, want %s %s", i, jwks.Keys[i].KeyID, jwks.Keys[i].Algorithm, k.ID, alg)
		}
		tp, err := jwks.Keys[i].Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if want := base64.RawURLEncoding.EncodeToString(tp); k.ID != want {
			t.Errorf("kid = %q, want thumbprint %q", k.ID, want)
		}
		if s1.SigningKeyID(alg) != k.ID {
			t.Errorf("SigningKeyID(%s) = %q, want %q", alg, s1.SigningKeyID(alg), k.ID)
		}
		// The stored form is sealed: it is not PKCS #8 DER (which starts
		// with a SEQUENCE tag).
		if bytes.HasPrefix(k.Sealed, []byte{0x30}) && bytes.Contains(k.Sealed[:8], []byte{0x02, 0x01, 0x00}) {
			t.Error("stored key looks like plaintext DER")
		}
	}
	if bits := jwks.Keys[0].Key.(*rsa.PublicKey).N.BitLen(); bits != 2048 {
		t.Errorf("key has %d bits, want 2048", bits)
	}
	if c := jwks.Keys[1].Key.(*ecdsa.PublicKey).Curve; c != elliptic.P256() {
		t.Errorf("ES256 key is on %v, want P-256", c.Params().Name)
	}
	if _, ok := jwks.Keys[2].Key.(ed25519.PublicKey); !ok {
		t.Errorf("EdDSA key is a %T", jwks.Keys[2].Key)
	}

	s2 := mustLoad(t, st, secret)
	if len(st.keys) != 3 {
		t.Fatalf("store has %d keys after second Load, want 3", len(st.keys))
	}
	if jwksJSON(t, s2) != jwksJSON(t, s1) {
		t.Errorf("second Load publishes other keys")
	}
	// A token signed by one instance verifies on the other.
	tok, err := s1.Sign("", map[string]string{"sub": "alice.crypto"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Verify(tok); err != nil {
		t.Errorf("second Set does not verify first Set's token: %v", err)
	}
}

// TestLoadAddsMissingAlgorithms is an upgrade: a database with only the
// RS256 key of earlier versions gets an ES256 and an EdDSA key, and the
// RS256 key keeps signing.
func TestLoadAddsMissingAlgorithms(t *testing.T) {
	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	old, err := generate(secret, RS256, 1, t0, t0)
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{keys: []sigil.SigningKey{old}}
	s := mustLoad(t, st, secret)
	if len(st.keys) != 3 || st.keys[1].Algorithm != ES256 || st.keys[2].Algorithm != EdDSA {
		t.Fatalf("store after Load = %d keys, want the RS256 key then ES256 and EdDSA", len(st.keys))
	}
	if s.SigningKeyID(RS256) != old.ID {
		t.Errorf("RS256 signs with %q, want the existing %q", s.SigningKeyID(RS256), old.ID)
	}
}

func TestLoadWithDifferentSecretFails(t *testing.T) {
	st := &memStore{}
	mustLoad(t, st, secret)
	_, err := Load(context.Background(), st, []byte("another secret entirely........."))
	if err == nil {
		t.Fatal("Load with a different secret succeeded")
	}
	kid := st.keys[0].ID
	if !strings.Contains(err.Error(), kid) || !strings.Contains(err.Error(), "system secret") {
		t.Errorf("error %q does not name kid %q and the system secret", err, kid)
	}
	if len(st.keys) != 3 {
		t.Errorf("failed Load changed the store: %d keys", len(st.keys))
	}
}

func TestLoadRejectsEmptySecret(t *testing.T) {
	if _, err := Load(context.Background(), &memStore{}, nil); err == nil {
		t.Fatal("Load with an empty secret succeeded")
	}
}

func TestLoadRejectsUnknownAlgorithm(t *testing.T) {
	k, err := generate(secret, RS256, 1, time.Now(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{"PS256", ES256, "none", "HS256"} {
		k.Algorithm = alg
		_, err = Load(context.Background(), &memStore{keys: []sigil.SigningKey{k}}, secret)
		if err == nil || !strings.Contains(err.Error(), alg) {
			t.Fatalf("Load with an RSA key stored as %s: err = %v", alg, err)
		}
	}
}

func TestNewestKeySignsAndOlderKeysStillVerify(t *testing.T) {
	t1 := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Millisecond)
	older, err := generate(secret, RS256, 1, t1, t1)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := generate(secret, RS256, 2, t1.Add(time.Hour), t1.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	oldSet := mustLoad(t, &memStore{keys: []sigil.SigningKey{older}}, secret)
	oldTok, err := oldSet.Sign("", map[string]int{"n": 1}, "")
	if err != nil {
		t.Fatal(err)
	}

	s := mustLoad(t, &memStore{keys: []sigil.SigningKey{older, newer}}, secret)
	tok, err := s.Sign("", map[string]int{"n": 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	if kid := header(t, tok)["kid"]; kid != newer.ID {
		t.Errorf("signed with kid %v, want newest %q", kid, newer.ID)
	}
	if _, err := s.Verify(oldTok); err != nil {
		t.Errorf("token from the older key does not verify: %v", err)
	}
	if n := len(s.PublicJWKS().Keys); n != 4 {
		t.Errorf("JWKS has %d keys, want 4 (two RS256, ES256, EdDSA)", n)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	claims := map[string]any{"iss": "https://sigil.example", "sub": "alice.crypto", "aud": "client-1"}
	tok, err := s.Sign("", claims, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(tok, "."); n != 2 {
		t.Fatalf("token %q is not compact serialization", tok)
	}
	h := header(t, tok)
	if h["alg"] != "RS256" || h["typ"] != "JWT" || h["kid"] != s.SigningKeyID(RS256) {
		t.Errorf("header = %v", h)
	}
	payload, err := s.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range claims {
		if got[k] != v {
			t.Errorf("claim %s = %v, want %v", k, got[k], v)
		}
	}
	if a := s.Algorithms(); !slices.Equal(a, []string{"RS256", "ES256", "EdDSA"}) {
		t.Errorf("Algorithms() = %v", a)
	}
}

func TestPublicJWKSHasNoPrivateParts(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	jwks := s.PublicJWKS()
	for _, k := range jwks.Keys {
		if !k.IsPublic() {
			t.Errorf("key %q is not public", k.KeyID)
		}
		if !slices.Contains(Algorithms(), k.Algorithm) || k.Use != "sig" || k.KeyID == "" {
			t.Errorf("key = kid %q alg %q use %q", k.KeyID, k.Algorithm, k.Use)
		}
	}
	raw, err := json.Marshal(jwks)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range doc.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS JSON has private member %q: %s", private, raw)
			}
		}
		switch k["alg"] {
		case RS256:
			if k["kty"] != "RSA" || k["n"] == nil || k["e"] == nil {
				t.Errorf("JWKS key = %v", k)
			}
		case ES256:
			if k["kty"] != "EC" || k["crv"] != "P-256" || k["x"] == nil || k["y"] == nil {
				t.Errorf("JWKS key = %v", k)
			}
		case EdDSA:
			if k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["x"] == nil {
				t.Errorf("JWKS key = %v", k)
			}
		default:
			t.Errorf("JWKS key = %v", k)
		}
	}
	// The returned set is a copy.
	jwks.Keys[0].KeyID = "changed"
	if s.PublicJWKS().Keys[0].KeyID == "changed" {
		t.Error("mutating PublicJWKS result changed the Set")
	}
}

func TestVerifyRejectsForeignKey(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	other := mustLoad(t, &memStore{}, secret)
	tok, err := other.Sign("", map[string]string{"sub": "mallory.crypto"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(tok); err == nil {
		t.Error("Verify accepted a token from a foreign key set")
	}

	// A foreign key that claims our kid fails on the signature.
	foreign, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	kid := s.SigningKeyID(RS256)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: foreign},
		(&jose.SignerOptions{}).WithHeader("kid", kid).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign([]byte(`{"sub":"mallory.crypto"}`))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(forged); err == nil {
		t.Error("Verify accepted a token signed by a foreign key under our kid")
	}
}

func TestVerifyRejectsOtherAlgorithms(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	payload := b64(`{"sub":"mallory.crypto"}`)
	for _, jwk := range s.PublicJWKS().Keys {
		kid := jwk.KeyID
		none := b64(`{"alg":"none","kid":"`+kid+`","typ":"JWT"}`) + "." + payload + "."
		if _, err := s.Verify(none); err == nil {
			t.Errorf(`Verify accepted alg "none" with the %s key`, jwk.Algorithm)
		}
		if _, err := s.VerifyType(none, TypeAccessToken); err == nil {
			t.Errorf(`VerifyType accepted alg "none" with the %s key`, jwk.Algorithm)
		}

		// HS256 keyed with the public key, the classic RS/HS confusion.
		pubJSON, err := json.Marshal(jwk)
		if err != nil {
			t.Fatal(err)
		}
		input := b64(`{"alg":"HS256","kid":"`+kid+`","typ":"JWT"}`) + "." + payload
		mac := hmac.New(sha256.New, pubJSON)
		mac.Write([]byte(input))
		hs := input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		if _, err := s.Verify(hs); err == nil {
			t.Errorf("Verify accepted an HS256 token with the %s key", jwk.Algorithm)
		}
	}

	// A real ES256 signature presented under the header alg of another
	// key's algorithm is refused before any signature check.
	tok, err := s.Sign(ES256, map[string]string{"sub": "alice.crypto"}, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	swapped := b64(`{"alg":"EdDSA","kid":"`+s.SigningKeyID(ES256)+`","typ":"JWT"}`) + "." + parts[1] + "." + parts[2]
	if _, err := s.Verify(swapped); err == nil || !strings.Contains(err.Error(), "alg") {
		t.Errorf("Verify accepted a header alg that is not its key's: %v", err)
	}
}

// TestSignEachAlgorithmAndType signs with every algorithm and every token
// type and checks the result as a relying party does, with go-jose and the
// published key only.
func TestSignEachAlgorithmAndType(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	jwks := s.PublicJWKS()
	for _, alg := range []string{RS256, ES256, EdDSA} {
		for _, typ := range []string{TypeJWT, TypeAccessToken, TypeLogoutToken, "secevent+jwt"} {
			tok, err := s.Sign(alg, map[string]string{"sub": "alice.crypto"}, typ)
			if err != nil {
				t.Fatalf("Sign(%s, %s): %v", alg, typ, err)
			}
			h := header(t, tok)
			if h["alg"] != alg || h["typ"] != typ || h["kid"] != s.SigningKeyID(alg) || len(h) != 3 {
				t.Fatalf("Sign(%s, %s) header = %v", alg, typ, h)
			}
			jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jws.Verify(jwks.Key(s.SigningKeyID(alg))[0].Key); err != nil {
				t.Fatalf("%s token does not verify with the published key: %v", alg, err)
			}
			if _, err := s.VerifyType(tok, typ); err != nil {
				t.Errorf("VerifyType(%s token, %s): %v", alg, typ, err)
			}
			// Verify takes only ID tokens (typ JWT): an access or logout
			// token is not an id_token_hint (RFC 8725 section 3.11).
			if _, err := s.Verify(tok); (err == nil) != (typ == TypeJWT) {
				t.Errorf("Verify(%s token of typ %s) err = %v", alg, typ, err)
			}
		}
	}
	// The default algorithm and type.
	tok, err := s.Sign("", map[string]string{"sub": "alice.crypto"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if h := header(t, tok); h["alg"] != RS256 || h["typ"] != TypeJWT {
		t.Errorf("Sign with defaults: header %v", h)
	}
	for _, alg := range []string{"none", "None", "HS256", "PS256", "RS512", "ES384"} {
		if _, err := s.Sign(alg, map[string]string{"sub": "x"}, ""); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("Sign(%q) err = %v, want ErrUnsupportedAlgorithm", alg, err)
		}
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	tok, err := s.Sign("", map[string]string{"sub": "alice.crypto"}, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	tampered := parts[0] + "." + b64(`{"sub":"mallory.crypto"}`) + "." + parts[2]
	if _, err := s.Verify(tampered); err == nil {
		t.Error("Verify accepted a tampered payload")
	}
	sig := []byte(parts[2])
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	if _, err := s.Verify(parts[0] + "." + parts[1] + "." + string(sig)); err == nil {
		t.Error("Verify accepted a tampered signature")
	}
	for _, bad := range []string{"", "a.b", "not a token", tok + "."} {
		if _, err := s.Verify(bad); err == nil {
			t.Errorf("Verify(%q) succeeded", bad)
		}
	}
}

func TestSealOpen(t *testing.T) {
	plain := []byte("a PKCS #8 key, say")
	sealed, err := Seal(secret, "kid-1", plain)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 12+len(plain)+16 {
		t.Errorf("sealed length %d, want nonce + plaintext + tag = %d", len(sealed), 12+len(plain)+16)
	}
	got, err := Open(secret, "kid-1", sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, err := Seal(secret, "kid-1", plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again, sealed) {
		t.Error("two Seals of the same plaintext are equal; the nonce is not random")
	}

	if _, err := Open(secret, "kid-2", sealed); err == nil {
		t.Error("Open with the wrong kid (AAD) succeeded")
	}
	if _, err := Open([]byte("wrong secret"), "kid-1", sealed); err == nil {
		t.Error("Open with the wrong secret succeeded")
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	if _, err := Open(secret, "kid-1", flipped); err == nil {
		t.Error("Open of altered data succeeded")
	}
	if _, err := Open(secret, "kid-1", sealed[:20]); err == nil {
		t.Error("Open of truncated data succeeded")
	}
	if _, err := Seal(nil, "kid-1", plain); err == nil {
		t.Error("Seal with an empty secret succeeded")
	}
}

func TestConcurrentUse(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := s.Sign("", map[string]int{"i": i}, "")
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := s.Verify(tok); err != nil {
				t.Error(err)
			}
			_ = s.PublicJWKS()
		}()
	}
	wg.Wait()
}

// idTokenClaims is the size and shape of an ID token of the benchmark's
// code flow (scope "openid wallet"): the signed message appears three times.
func idTokenClaims() map[string]any {
	msg := strings.Repeat("x", 420)
	sig := "0x" + strings.Repeat("ab", 65)
	proof := map[string]any{"message": msg, "signature": sig, "type": "onchain"}
	return map[string]any{
		"iss": "http://127.0.0.1:4444", "sub": "bench.crypto", "aud": "client-1", "iat": 1765000000,
		"exp": 1765003600, "auth_time": 1765000000, "jti": "abcdefghijklmnopqrstuv", "nonce": "n-0123456789",
		"sid": "0123456789abcdef0123456789abcdef", "at_hash": "abcdefghijklmnopqrstuv",
		"acr": "sig", "amr": []string{"swk", "v1.sig.ethereum.0x0123456789abcdef0123456789abcdef01234567"},
		"proof":              map[string]any{"v1.sig.ethereum.0x0123456789abcdef0123456789abcdef01234567": proof},
		"verified_addresses": []map[string]any{{"address": "0x0123456789abcdef0123456789abcdef01234567", "symbol": "ETH", "proof": proof}},
		"wallet_address":     "0x0123456789abcdef0123456789abcdef01234567", "wallet_type_hint": "web3",
		"eip4361_message": msg, "eip4361_signature": sig,
	}
}

// BenchmarkSign is the cost of signing one ID token: RSA-2048 (about 1 ms
// of it) and the JWS around it.
func BenchmarkSign(b *testing.B) {
	s, err := Load(context.Background(), &memStore{}, secret)
	if err != nil {
		b.Fatal(err)
	}
	claims := idTokenClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign("", claims, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSignedTokenVerifiesWithThePublishedKeyAlone checks a token as a
// relying party does, from the JWKS only: the RS256 signature over
// header.payload (RFC 7515 section 5.2) with crypto/rsa, and the whole JWS
// with go-jose.
func TestSignedTokenVerifiesWithThePublishedKeyAlone(t *testing.T) {
	s := mustLoad(t, &memStore{}, secret)
	claims := idTokenClaims()
	tok, err := s.Sign("", claims, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	jwks := s.PublicJWKS()
	jwk := jwks.Key(s.SigningKeyID(RS256))[0]
	pub := jwk.Key.(*rsa.PublicKey)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("crypto/rsa rejects the signature: %v", err)
	}
	if h := header(t, tok); len(h) != 3 || h["alg"] != "RS256" || h["kid"] != jwk.KeyID || h["typ"] != "JWT" {
		t.Fatalf("header = %v", h)
	}
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		t.Fatalf("go-jose rejects the token: %v", err)
	}
	want, _ := json.Marshal(claims)
	if !bytes.Equal(payload, want) {
		t.Fatalf("payload = %s, want %s", payload, want)
	}
	// A flipped bit anywhere in the signed part breaks the signature.
	tampered := parts[0] + "." + parts[1][:10] + string(parts[1][10]^1) + parts[1][11:] + "." + parts[2]
	if _, err := s.Verify(tampered); err == nil {
		t.Fatal("a tampered payload verified")
	}
}
