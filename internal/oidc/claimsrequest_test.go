package oidc

import (
	"slices"
	"strings"
	"testing"
)

// TestParseClaimsRequest checks the validation of the claims parameter
// (OpenID Connect Core section 5.5) and its normal form.
func TestParseClaimsRequest(t *testing.T) {
	cases := []struct {
		in, normal, err string
	}{
		{`{"userinfo":{"name":{"essential":true}}}`, `{"userinfo":{"name":{"essential":true}}}`, ""},
		{`{"id_token":{"email":null,"acr":{"values":["sig","x"]}},"other":1}`, `{"id_token":{"acr":{"values":["sig","x"]},"email":null}}`, ""},
		{`{"id_token":{"sub":{"value":"alice.crypto"}}}`, `{"id_token":{"sub":{"value":"alice.crypto"}}}`, ""},
		{`{}`, ``, ""},
		{`{"userinfo":null}`, ``, ""},
		{`not json`, "", "must be a JSON object"},
		{`[1]`, "", "must be a JSON object"},
		{`null`, "", "must be a JSON object"},
		{`{"userinfo":[]}`, "", "'userinfo'"},
		{`{"id_token":{"name":true}}`, "", "claim 'name'"},
		{`{"id_token":{"name":{"essential":"yes"}}}`, "", "essential is a boolean"},
		{`{"userinfo":{"name":{"values":"a"}}}`, "", "values"},
		{`{"userinfo":{"":null}}`, "", "empty name"},
		{`{"userinfo":{"na\"me":{"essential":1}}}`, "", "cannot be shown"},
	}
	for _, tc := range cases {
		_, normal, err := ParseClaimsRequest(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one saying %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err == "" && normal != tc.normal:
			t.Errorf("%s: normal form %s, want %s", tc.in, normal, tc.normal)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\"\\") {
			t.Errorf("%s: error %q cannot go into an error_description", tc.in, err)
		}
	}
}

func TestClaimsRequestSubjectAndValues(t *testing.T) {
	cr, _, err := ParseClaimsRequest(`{"id_token":{"sub":{"value":"alice.crypto"},"acr":{"essential":true,"values":["x","sig"]}},"userinfo":{"sub":{"value":"alice.crypto"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := cr.Subject(); sub != "alice.crypto" || err != nil {
		t.Errorf("Subject() = %q, %v", sub, err)
	}
	if !cr.IDToken["acr"].Wants(ACR) || cr.IDToken["acr"].Wants("other") {
		t.Error("acr values")
	}
	var none *ClaimRequest
	if !none.Wants("anything") {
		t.Error("a null request wants any value")
	}
	for _, in := range []string{
		`{"id_token":{"sub":{"value":"a.crypto"}},"userinfo":{"sub":{"value":"b.crypto"}}}`,
		`{"id_token":{"sub":{"value":5}}}`,
	} {
		cr, _, err := ParseClaimsRequest(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cr.Subject(); err == nil {
			t.Errorf("%s: Subject() accepted it", in)
		}
	}
}

func TestClaimScopes(t *testing.T) {
	for name, want := range map[string][]string{
		"name":           {"profile:name"},
		"email":          {"email"},
		"email_verified": {"email"},
		"wallet_address": {"wallet"},
		"acr":            nil,
		"unknown":        nil,
	} {
		if got := ClaimScopes(name); !slices.Equal(got, want) {
			t.Errorf("ClaimScopes(%s) = %q, want %q", name, got, want)
		}
	}
	if got := ClaimScopes("phone_number"); !slices.Contains(got, "profile:phone") {
		t.Errorf("ClaimScopes(phone_number) = %q", got)
	}
}

// TestRequireSubject: the hint's subject is added as the id_token member's
// sub value, keeping the rest of the request; a request naming a sub
// already keeps its own.
func TestRequireSubject(t *testing.T) {
	for _, tc := range []struct{ claims, want string }{
		{"", `{"id_token":{"sub":{"value":"bob.crypto"}}}`},
		{`{"userinfo":{"email":null}}`, `{"userinfo":{"email":null},"id_token":{"sub":{"value":"bob.crypto"}}}`},
		{`{"id_token":{"sub":{"essential":true}}}`, `{"id_token":{"sub":{"essential":true,"value":"bob.crypto"}}}`},
		{`{"id_token":{"sub":{"value":"carol.crypto"}}}`, `{"id_token":{"sub":{"value":"carol.crypto"}}}`},
	} {
		got, err := RequireSubject(tc.claims, "bob.crypto")
		if err != nil || got != tc.want {
			t.Errorf("RequireSubject(%q) = %q, %v; want %q", tc.claims, got, err, tc.want)
		}
		cr, _, err := ParseClaimsRequest(got)
		if err != nil {
			t.Fatalf("%q does not parse: %v", got, err)
		}
		if sub, _ := cr.Subject(); sub == "" {
			t.Errorf("%q names no sub", got)
		}
	}
}

// TestRequestedSubject: the sub value a stored claims request demands, or
// "" for none, an empty request or one that does not parse.
func TestRequestedSubject(t *testing.T) {
	for claims, want := range map[string]string{
		"": "", `{"userinfo":{"email":null}}`: "", "not json": "",
		`{"id_token":{"sub":{"value":"bob.crypto"}}}`:                  "bob.crypto",
		`{"userinfo":{"sub":{"value":"bob.crypto","essential":true}}}`: "bob.crypto",
	} {
		if got := RequestedSubject(claims); got != want {
			t.Errorf("RequestedSubject(%q) = %q, want %q", claims, got, want)
		}
	}
}
