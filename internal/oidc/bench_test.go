package oidc

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/siwe"
)

// BenchmarkIDTokenClaims is the cost of an ID token's payload, claims and
// their JSON, before signing (see keys.BenchmarkSign for the signature).
func BenchmarkIDTokenClaims(b *testing.B) {
	now := time.Unix(1765000000, 0).UTC()
	addr := "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
	msg := siwe.Message{Domain: "127.0.0.1:4444", Address: addr, Statement: "I consent to giving access to: openid wallet",
		URI: "uns:bench.crypto", Version: "1", ChainID: 1, Nonce: "0x" + strings.Repeat("a", 64), IssuedAt: now,
		ExpirationTime: now.Add(5 * time.Minute), RequestID: strings.Repeat("f", 32)}.String()
	a := &sigil.Authorization{ClientID: "client-1", Subject: "bench.crypto", Address: addr, GrantedScope: sigil.Scopes{"openid", "wallet"},
		Message: msg, Signature: "0x" + strings.Repeat("ab", 65), WalletTypeHint: "web3", AuthTime: now, SessionID: strings.Repeat("5", 32),
		Nonce: "n-0123456789"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(IDTokenClaims("http://127.0.0.1:4444", a, a.Subject, "sigil_at_x", "RS256", now, time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
