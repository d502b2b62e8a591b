// Package sigil holds the domain of Sigil, an OpenID Connect provider for
// blockchain domains: the types every layer shares (clients, authorizations,
// consents, domains, signing keys) and the interfaces that the storage and
// domain-resolution backends implement.
//
// The package depends on nothing but the standard library, so that the
// protocol, storage and chain packages can all import it without importing
// each other. This is the "standard package layout": a reader learns the
// architecture from the folder list, and each dependency (SQLite, PostgreSQL,
// Ethereum, HTTP) lives in a package of its own.
package sigil

import (
	"errors"
	"strings"
)

// ErrNotFound reports that a stored record does not exist (or has expired and
// is treated as absent). Backends wrap it so callers can use errors.Is.
var ErrNotFound = errors.New("not found")

// ErrConflict reports that a write lost a race or broke a uniqueness rule:
// an authorization was not in the state the transition required, or an id
// already exists. It is how single use is enforced: the second writer gets
// ErrConflict.
var ErrConflict = errors.New("conflict")

// ErrSessionEnded reports that a flow's consent came after the session it
// signed in with had ended (signed out, revoked by the operator, expired):
// no code is issued, and the person signs in again. Backends wrap it with
// ErrConflict.
var ErrSessionEnded = errors.New("session ended")

// Scopes is an ordered list of OAuth 2.0 scope tokens (RFC 6749 section 3.3).
type Scopes []string

// ParseScopes splits a space-delimited scope string, dropping empty tokens and
// duplicates while keeping the first-seen order.
func ParseScopes(s string) Scopes {
	var out Scopes
	seen := map[string]bool{}
	for _, tok := range strings.Fields(s) {
		if !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	return out
}

// ValidScopeToken reports whether s is a scope-token of RFC 6749 section
// 3.3: 1*( %x21 / %x23-5B / %x5D-7E ), printable ASCII but for space,
// double quote and backslash. Such a token can also be echoed in an
// error_description (section 5.2 allows the same characters and space).
func ValidScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x21 || b > 0x7e || b == '"' || b == '\\' {
			return false
		}
	}
	return s != ""
}

// String joins the scopes with single spaces, the wire form of RFC 6749.
func (s Scopes) String() string { return strings.Join(s, " ") }

// Has reports whether the list contains scope exactly.
func (s Scopes) Has(scope string) bool {
	for _, v := range s {
		if v == scope {
			return true
		}
	}
	return false
}
