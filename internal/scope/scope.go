// Package scope is the scope grammar of Login with Unstoppable, which Sigil
// keeps so that apps written for it work unchanged: base scopes, sub-scopes
// ("profile:name"), ":optional" variants the person may decline at consent,
// and the rule that the more specific entry wins ("social
// social:twitter:optional" makes every social sub-scope required except
// Twitter).
package scope

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sigil-oidc/sigil"
)

// OptionalSuffix marks a scope the person may decline ("email:optional").
const OptionalSuffix = ":optional"

// The scopes that carry no person data beyond the sign-in itself, or that
// grant a refresh token; none of them exists as ":optional".
const (
	OpenID        = "openid"
	Wallet        = "wallet"
	Offline       = "offline"
	OfflineAccess = "offline_access"
)

// children lists the sub-scopes of each parent scope.
var children = map[string][]string{
	"profile": {"profile:name", "profile:location", "profile:bio", "profile:ipfs_website", "profile:picture", "profile:uri", "profile:phone"},
	"social":  {"social:twitter", "social:reddit", "social:youtube", "social:discord", "social:telegram"},
}

// bases are the scopes without a parent. phone and address are the
// standard scopes of OpenID Connect Core section 5.4, which Login with
// Unstoppable lacks.
var bases = []string{OpenID, Wallet, "email", "profile", "social", "humanity_check", "badges", "phone", "address", Offline, OfflineAccess}

// Supported lists every scope Sigil knows, for discovery's scopes_supported.
func Supported() []string {
	out := append([]string(nil), bases...)
	for _, p := range []string{"profile", "social"} {
		out = append(out, children[p]...)
	}
	return out
}

// Base strips the optional marker: "email:optional" -> "email".
func Base(s string) string { return strings.TrimSuffix(s, OptionalSuffix) }

// IsOptional reports whether a requested scope may be declined.
func IsOptional(s string) bool { return strings.HasSuffix(s, OptionalSuffix) }

// Parent returns the parent of a sub-scope ("profile" for "profile:name"),
// or "" for a base scope.
func Parent(s string) string {
	p, _, ok := strings.Cut(Base(s), ":")
	if !ok {
		return ""
	}
	return p
}

// Children returns the sub-scopes of a parent scope.
func Children(parent string) []string { return children[parent] }

func known(base string) bool {
	if p := Parent(base); p != "" {
		for _, c := range children[p] {
			if c == base {
				return true
			}
		}
		return false
	}
	for _, b := range bases {
		if b == base {
			return true
		}
	}
	return false
}

// Known reports whether Sigil knows the scope s, in either form ("email"
// or "email:optional").
func Known(s string) bool { return known(Base(s)) }

// isRegistered reports whether registered lets a client ask for base. A
// registered "email:optional" counts as "email": registration now refuses
// the ":optional" form (it is chosen per request), but clients registered
// before that hold it, and it can only have meant that the client may ask
// for email.
func isRegistered(registered sigil.Scopes, base string) bool {
	return registered.Has(base) || registered.Has(base+OptionalSuffix)
}

func mayBeOptional(base string) bool {
	return base != OpenID && base != Wallet && base != Offline && base != OfflineAccess
}

// DropUnknown returns requested without the scopes Sigil does not know
// (in either form, "x" or "x:optional"). OpenID Connect Core section 3.1.2.1
// has a provider ignore scope values it does not understand, and the
// certification plans send some: they are left out of the request, the
// consent and the grant, never refused. A scope Sigil knows stays, even
// when the client is not registered for it: Validate refuses that.
func DropUnknown(requested sigil.Scopes) sigil.Scopes {
	var kept sigil.Scopes
	for _, s := range requested {
		if known(Base(s)) {
			kept = append(kept, s)
		}
	}
	return kept
}

// Validate checks a requested scope list against the grammar and the
// client's registered scopes. It returns a hint saying what is wrong, or "".
// A client registered for a parent scope may request its sub-scopes. An
// unknown scope is an error here: callers drop those first (DropUnknown).
// Hints quote with ' because they travel in an error_description.
func Validate(requested, registered sigil.Scopes) string {
	if !requested.Has(OpenID) {
		return "The scope must include openid; Sigil is an OpenID Connect provider."
	}
	for _, s := range requested {
		b := Base(s)
		if !known(b) {
			return fmt.Sprintf("Scope '%s' is unknown; see scopes_supported in the discovery document.", s)
		}
		if IsOptional(s) && !mayBeOptional(b) {
			return fmt.Sprintf("Scope '%s' cannot be optional.", b)
		}
		if IsOptional(s) && requested.Has(b) {
			return fmt.Sprintf("Scope '%s' is requested both as required and as optional; request one of them.", b)
		}
		if !isRegistered(registered, b) && !(Parent(b) != "" && isRegistered(registered, Parent(b))) {
			return fmt.Sprintf("Scope '%s' is not registered for this client (registered: '%s').", s, registered.String())
		}
	}
	return ""
}

// Grant returns the granted scopes when the person keeps chosen (in the form
// requested) of requested: every required scope, plus the optional ones
// chosen. A granted parent whose sub-scope was requested as optional and
// declined is granted as its other sub-scopes: the more specific entry wins.
// missing names a required scope absent from chosen; unknown a chosen scope
// that was not requested.
func Grant(requested, chosen sigil.Scopes) (granted sigil.Scopes, missing, unknown string) {
	for _, c := range chosen {
		if !requested.Has(c) {
			return nil, "", c
		}
	}
	keep := map[string]bool{}
	declined := map[string]bool{}
	for _, r := range requested {
		switch {
		case !IsOptional(r) && !chosen.Has(r):
			return nil, r, ""
		case !IsOptional(r) || chosen.Has(r):
			keep[Base(r)] = true
		default:
			declined[Base(r)] = true
		}
	}
	for parent := range keep {
		var left []string
		narrowed := false
		for _, c := range children[parent] {
			if declined[c] {
				narrowed = true
			} else {
				left = append(left, c)
			}
		}
		if narrowed {
			delete(keep, parent)
			for _, c := range left {
				keep[c] = true
			}
		}
	}
	for s := range keep {
		if p := Parent(s); p == "" || !keep[p] { // a granted parent covers its children
			granted = append(granted, s)
		}
	}
	sort.Strings(granted)
	return granted, "", ""
}

// Remembered returns what a remembered consent grants for a new request:
// every scope the request could grant must be covered by what was granted
// before; otherwise the person is asked again (ok false).
func Remembered(requested, remembered sigil.Scopes) (granted sigil.Scopes, ok bool) {
	if remembered == nil {
		return nil, false
	}
	all := make(sigil.Scopes, 0, len(requested))
	for _, r := range requested {
		all = append(all, Base(r))
	}
	for _, s := range all {
		if !Covers(remembered, s) {
			return nil, false
		}
	}
	granted, _, _ = Grant(all, all)
	return granted, true
}

// Covers reports whether granted includes scope s, directly or through its
// parent.
func Covers(granted sigil.Scopes, s string) bool {
	return granted.Has(s) || (Parent(s) != "" && granted.Has(Parent(s)))
}

// GrantsRefreshToken reports whether granted includes offline or
// offline_access, which grant a refresh token.
func GrantsRefreshToken(granted sigil.Scopes) bool {
	return granted.Has(Offline) || granted.Has(OfflineAccess)
}

// Statement is the scope list shown in the signed message: the base names
// of the request, sorted and de-duplicated.
func Statement(requested sigil.Scopes) string {
	seen := map[string]bool{}
	var out []string
	for _, r := range requested {
		if b := Base(r); !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
