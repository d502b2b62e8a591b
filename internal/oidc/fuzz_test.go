package oidc

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseClaimsRequest feeds the claims parameter of an authorization
// request (OpenID Connect Core section 5.5) to ParseClaimsRequest. It must
// never panic; its errors are shown in an error_description, so they stay
// within RFC 6749 section 5.2's characters once sanitised and never repeat
// a long input; what it accepts is normalised: the normalised JSON parses
// again to itself, and Subject answers the same for both.
func FuzzParseClaimsRequest(f *testing.F) {
	for _, s := range []string{
		`{"id_token":{"email":{"essential":true},"sub":{"value":"alice.crypto"}},"userinfo":{"name":null}}`,
		`{"userinfo":{"wallet_address":null,"profile":{"values":["a","b"]}}}`,
		`{"id_token":{"acr":{"essential":true,"values":["sig","urn:x"]}}}`,
		`{"id_token":{"sub":{"value":"a"}},"userinfo":{"sub":{"value":"b"}}}`,
		`{"id_token":{"sub":{"value":1e400}}}`,
		`{"id_token":{"x":{"values":[1e400]}}}`,
		`{"id_token":{"x":{"essential":"yes"}}}`,
		`{"id_token":{"":null}}`,
		`{"id_token":{"\u0000\"\\\ud800":null}}`,
		"{\"id_token\":{\"\xff\":null}}",
		`{"id_token":null,"userinfo":null,"other":{"x":1}}`,
		`{"id_token":{"email":{"essential":true}},"id_token":{"name":null}}`,
		`{"id_token":[]}`,
		`[]`, `null`, `""`, ``, `{}`,
		`{"id_token":{"x":{"value":{"deep":[[[[[[[[[[[]]]]]]]]]]]}}}}`,
		`{"id_token":{"` + strings.Repeat("n", 5000) + `":null}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, normal, err := ParseClaimsRequest(s)
		if err != nil {
			if msg := err.Error(); len(msg) > 400 {
				t.Fatalf("error is %d bytes long: it repeats the input", len(msg))
			}
			return
		}
		if r == nil {
			t.Fatal("nil request without an error")
		}
		sub, subErr := r.Subject()
		if normal == "" {
			if len(r.IDToken)+len(r.Userinfo) != 0 {
				t.Fatalf("claims requested but no normalised form: %q", s)
			}
			return
		}
		if !json.Valid([]byte(normal)) {
			t.Fatalf("normalised form is not JSON: %q", normal)
		}
		r2, normal2, err := ParseClaimsRequest(normal)
		if err != nil || normal2 != normal {
			t.Fatalf("normalised form %q parses to %q, %v", normal, normal2, err)
		}
		sub2, subErr2 := r2.Subject()
		if sub2 != sub || (subErr == nil) != (subErr2 == nil) {
			t.Fatalf("Subject changed in normalisation: %q %v -> %q %v", sub, subErr, sub2, subErr2)
		}
	})
}
