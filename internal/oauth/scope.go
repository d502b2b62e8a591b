package oauth

import (
	"sort"
	"strings"

	"github.com/sigil-oidc/sigil"
)

// OptionalSuffix marks a scope the person may decline at consent, as Login
// with Unstoppable's scope grammar has it ("email:optional").
const OptionalSuffix = ":optional"

// BaseScope strips the optional marker: "email:optional" -> "email".
func BaseScope(s string) string { return strings.TrimSuffix(s, OptionalSuffix) }

// IsOptional reports whether a requested scope may be declined.
func IsOptional(s string) bool { return strings.HasSuffix(s, OptionalSuffix) }

// Bases returns the base names of scopes, sorted and de-duplicated: the form
// stored as granted and shown in the signed message.
func Bases(scopes sigil.Scopes) sigil.Scopes {
	seen := map[string]bool{}
	var out sigil.Scopes
	for _, s := range scopes {
		b := BaseScope(s)
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	sort.Strings(out)
	return out
}

// clientAllows reports whether the client may request scope: its base name
// must be registered on the client.
func clientAllows(c *sigil.Client, scope string) bool {
	return c.Scope.Has(BaseScope(scope)) || c.Scope.Has(scope)
}

// GrantFromRequest returns the granted base scopes when the person grants
// chosen (a subset of requested, in requested form) and reports which
// required scope is missing, if any.
func GrantFromRequest(requested, chosen sigil.Scopes) (granted sigil.Scopes, missing, unknown string) {
	for _, c := range chosen {
		if !requested.Has(c) {
			return nil, "", c
		}
	}
	for _, r := range requested {
		if !IsOptional(r) && !chosen.Has(r) {
			return nil, r, ""
		}
	}
	return Bases(chosen), "", ""
}

// RememberedGrant returns what a remembered consent grants for a new request:
// every requested base scope must have been granted before, otherwise the
// person is asked again (ok is false).
func RememberedGrant(requested, remembered sigil.Scopes) (granted sigil.Scopes, ok bool) {
	if remembered == nil {
		return nil, false
	}
	for _, b := range Bases(requested) {
		if !remembered.Has(b) {
			return nil, false
		}
	}
	return Bases(requested), true
}
