package keys

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil"
)

// fuzzSystemSecret is the system secret testdata/fuzz/signing-keys.json is
// sealed with.
const fuzzSystemSecret = "sigil-fuzz-system-secret-0123456789"

// fuzzKeys returns a store holding the committed fuzzing keys (one per
// algorithm). Fuzzing runs the target in several processes, and a token
// signed in one must verify in the others, so the keys cannot be generated
// per process.
func fuzzKeys(tb testing.TB) *memStore {
	tb.Helper()
	raw, err := os.ReadFile("testdata/fuzz/signing-keys.json")
	if err != nil {
		tb.Fatal(err)
	}
	st := &memStore{}
	if err := json.Unmarshal(raw, &st.keys); err != nil {
		tb.Fatal(err)
	}
	return st
}

// FuzzVerifyType feeds VerifyType what arrives as id_token_hint, as a JWT
// access token at userinfo, introspection and revocation, and what a
// back-channel logout token looks like: any text, for each of Sigil's token
// types. It must never panic, and must accept only a compact JWS that this
// set signed for that type: the header's alg is the kid's key's algorithm
// (never none or HMAC), the typ is the one asked for, and the payload
// returned is the token's own payload and one of those signed here.
func FuzzVerifyType(f *testing.F) {
	s, err := Load(context.Background(), fuzzKeys(f), []byte(fuzzSystemSecret))
	if err != nil {
		f.Fatal(err)
	}
	claims := []map[string]any{
		{"iss": "https://id.example", "sub": "alice.crypto", "aud": "rp", "exp": 1900000000},
		{"iss": "https://id.example", "sub": "bob.x", "aud": []string{"rp", "other"}, "jti": "j1", "nonce": "\u2028\xff"},
	}
	var signed [][]byte
	for _, c := range claims {
		p, _ := json.Marshal(c)
		signed = append(signed, p)
	}
	kids := map[string]string{} // alg -> kid
	for _, alg := range Algorithms() {
		kids[alg] = s.SigningKeyID(alg)
		for i, typ := range knownTypes {
			tok, err := s.Sign(alg, claims[i%len(claims)], typ)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(tok, uint8(i))
			f.Add(tok, uint8(i+1)) // another type
			parts := strings.Split(tok, ".")
			f.Add(parts[0]+"."+parts[1]+".", uint8(i))                                 // no signature
			f.Add(parts[0]+"."+b64(`{"sub":"mallory.crypto"}`)+"."+parts[2], uint8(i)) // other payload
			f.Add(parts[0]+"."+parts[1]+"."+parts[2]+"A", uint8(i))
			f.Add(tok+"."+parts[2], uint8(i))
			f.Add(` {"protected":"`+parts[0]+`","payload":"`+parts[1]+`","signature":"`+parts[2]+`"}`, uint8(i))
		}
	}
	payload := b64(string(signed[0]))
	rsKid, esKid := kids[sigil.AlgRS256], kids[sigil.AlgES256]
	// alg none, with and without a kid (RFC 8725 section 2.1).
	f.Add(b64(`{"alg":"none","typ":"JWT"}`)+"."+payload+".", uint8(0))
	f.Add(b64(`{"alg":"none","typ":"JWT","kid":"`+rsKid+`"}`)+"."+payload+".", uint8(0))
	f.Add(b64(`{"alg":"None","typ":"JWT","kid":"`+rsKid+`"}`)+"."+payload+".", uint8(0))
	// HS256 keyed with the RSA public key, the classic confusion attack.
	for _, k := range s.PublicJWKS().Keys {
		if k.KeyID != rsKid {
			continue
		}
		der, _ := x509.MarshalPKIXPublicKey(k.Key)
		for _, secret := range [][]byte{der, []byte(rsKid)} {
			h := b64(`{"alg":"HS256","typ":"JWT","kid":"` + rsKid + `"}`)
			mac := hmac.New(sha256.New, secret)
			mac.Write([]byte(h + "." + payload))
			f.Add(h+"."+payload+"."+base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), uint8(0))
		}
	}
	// An ES256 header on the RSA key's kid, an embedded key, crit.
	f.Add(b64(`{"alg":"ES256","typ":"JWT","kid":"`+rsKid+`"}`)+"."+payload+"."+b64(strings.Repeat("x", 64)), uint8(0))
	f.Add(b64(`{"alg":"ES256","typ":"JWT","kid":"`+esKid+`","jwk":{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}`)+"."+payload+"."+b64(strings.Repeat("x", 64)), uint8(0))
	f.Add(b64(`{"alg":"RS256","typ":"JWT","kid":"`+rsKid+`","crit":["exp"],"exp":1}`)+"."+payload+".AAAA", uint8(0))
	f.Add("", uint8(0))
	f.Add("..", uint8(0))
	f.Add("\xff.\xfe.\x00", uint8(0))
	f.Add(strings.Repeat("A", 5000)+"."+strings.Repeat("B", 5000)+"."+strings.Repeat("C", 5000), uint8(0))

	f.Fuzz(func(t *testing.T, token string, sel uint8) {
		typ := knownTypes[int(sel)%len(knownTypes)]
		got, err := s.VerifyType(token, typ)
		if err != nil {
			if got != nil {
				t.Fatal("payload returned with an error")
			}
			return
		}
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %q, which is not a compact JWS", token)
		}
		var h struct {
			Alg string `json:"alg"`
			Kid string `json:"kid"`
			Typ string `json:"typ"`
		}
		rawHeader, err1 := base64.RawURLEncoding.DecodeString(parts[0])
		rawPayload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
		if err1 != nil || err2 != nil || json.Unmarshal(rawHeader, &h) != nil {
			t.Fatalf("accepted %q, whose header or payload does not decode", token)
		}
		if h.Typ != typ || kids[h.Alg] != h.Kid || h.Kid == "" {
			t.Fatalf("accepted header %s for typ %s; the keys are %v", rawHeader, typ, kids)
		}
		if string(got) != string(rawPayload) {
			t.Fatalf("returned payload %q, the token carries %q", got, rawPayload)
		}
		if !slices.ContainsFunc(signed, func(p []byte) bool { return string(p) == string(got) }) {
			t.Fatalf("accepted a payload that was never signed: %q", got)
		}
	})
}
