package oidc

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains/static"
)

// TestWebFingerRefusesAQueryItCannotReadWhole: a query of more parameters
// than url.ParseQuery reads (10,000; r.URL.Query() then reads none, and
// the answer was "resource missing"), or one with a pair it cannot parse
// (dropped without a word: a rel filter ignored), is invalid_request
// saying so. At the limit the request is served.
func TestWebFingerRefusesAQueryItCannotReadWhole(t *testing.T) {
	registry, err := static.New(map[string]sigil.Domain{"alice.crypto": {Owner: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}})
	if err != nil {
		t.Fatal(err)
	}
	e := &Endpoints{Issuer: "https://id.example", Domains: registry}
	serve := func(rawQuery string) (int, map[string]any) {
		r := httptest.NewRequest("GET", "/.well-known/webfinger", nil)
		r.URL.RawQuery = rawQuery
		rec := httptest.NewRecorder()
		e.ServeWebFinger(rec, r)
		out := map[string]any{}
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	padding := func(n int) string { return strings.Repeat("&p=", n) }
	const query = "resource=alice.crypto&rel=http%3A%2F%2Fopenid.net%2Fspecs%2Fconnect%2F1.0%2Fissuer"
	for what, tc := range map[string]struct{ query, hint string }{
		"10,001 parameters": {query + padding(9999), "too many parameters (at most 10000)"},
		"a bad escape":      {query + "&rel=%zz", "could not be parsed"},
		"a ';' separator":   {query + ";rel=x", "could not be parsed"},
	} {
		code, out := serve(tc.query)
		if code != 400 || out["error"] != "invalid_request" || !strings.Contains(fmt.Sprint(out["error_description"]), tc.hint) {
			t.Errorf("%s: %d %v, want 400 invalid_request saying %q", what, code, out, tc.hint)
		}
	}
	if code, out := serve(query + padding(9998)); code != 200 || out["subject"] != "alice.crypto" {
		t.Errorf("10,000 parameters: %d %v, want the JRD", code, out)
	}
}
