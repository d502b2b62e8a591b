package oidc

import (
	"slices"
	"testing"

	"github.com/sigil-oidc/sigil"
)

// TestPhoneAndAddressScopes: the standard phone scope releases the phone
// record as phone_number with phone_number_verified false (Sigil never
// verified it); address releases nothing, as no record holds a postal
// address; neither invents a claim for a missing record.
func TestPhoneAndAddressScopes(t *testing.T) {
	a := &sigil.Authorization{Subject: "alice.crypto", Address: "0xAb", GrantedScope: sigil.Scopes{"openid", "phone", "address"},
		Records: map[string]string{"profile.phone": "+1 555 0100", "profile.location": "Wonderland"}}
	c := PersonClaims(a, a.Subject)
	if c["phone_number"] != "+1 555 0100" || c["phone_number_verified"] != false {
		t.Fatalf("phone scope: %v", c)
	}
	for _, claim := range []string{"address", "location", "email", "email_verified"} {
		if _, ok := c[claim]; ok {
			t.Errorf("claim %s released under %v", claim, a.GrantedScope)
		}
	}
	a.Records = nil
	c = PersonClaims(a, a.Subject)
	if _, ok := c["phone_number"]; ok {
		t.Fatalf("phone_number invented without a record: %v", c)
	}
	if _, ok := c["phone_number_verified"]; ok {
		t.Fatalf("phone_number_verified without a phone number: %v", c)
	}
	// The record is fetched once although two scopes release it.
	n := 0
	for _, k := range RecordKeys() {
		if k == "profile.phone" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("profile.phone listed %d times in RecordKeys", n)
	}
	claims := claimsSupported()
	for _, want := range []string{"phone_number", "phone_number_verified"} {
		if !slices.Contains(claims, want) {
			t.Errorf("claims_supported lacks %s", want)
		}
	}
	if slices.Contains(claims, "address") {
		t.Error("claims_supported lists address, which Sigil never releases")
	}
	seen := map[string]bool{}
	for _, c := range claims {
		if seen[c] {
			t.Errorf("claims_supported lists %s twice", c)
		}
		seen[c] = true
	}
}
