package scope

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil"
)

// FuzzScope drives the scope grammar with a requested scope string (the
// authorization request's scope parameter), a registered one (the client's
// metadata) and a chosen one (grant_scope at consent), and checks the
// invariants the authorization endpoint and the consent step rely on:
//   - a parsed scope list re-serialises to a string that parses to itself,
//     with no empty or duplicate token;
//   - DropUnknown keeps only scopes Sigil knows, in order;
//   - a list Validate accepts holds openid, and each scope is registered
//     (directly or through its parent) and optional only where allowed;
//   - Grant returns either an error name or a sorted granted list inside
//     the requested scopes that holds every required one;
//   - Statement is sorted, without duplicates or the optional marker.
func FuzzScope(f *testing.F) {
	for _, s := range [][3]string{
		{"openid wallet", "openid wallet", "openid wallet"},
		{"openid wallet email:optional profile", "openid wallet email profile", "openid wallet profile"},
		{"openid social social:twitter:optional", "openid social", "openid social"},
		{"openid profile:name profile:bio:optional", "openid profile", "openid profile:name profile:bio:optional"},
		{"openid offline_access offline", "openid offline_access offline", "openid offline offline_access"},
		{"openid  wallet\temail\nx-unknown", "openid wallet email", "openid"},
		{"openid openid openid:optional wallet:optional", "openid wallet", "openid"},
		{"openid email email:optional", "openid email", "openid email"},
		{"openid phone address humanity_check badges", "openid phone address humanity_check badges", "openid phone"},
		{"openid\u00a0wallet \u0085email", "openid wallet email", "openid"},
		{"openid \xff\xfe wallet", "openid wallet", "openid \xff\xfe wallet"},
		{"", "", ""},
		{strings.Repeat("openid ", 300) + strings.Repeat("x", 5000), "openid", "openid"},
		{"profile:name:optional:optional profile::optional :optional", "openid profile", "openid"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, requested, registered, chosen string) {
		req := sigil.ParseScopes(requested)
		checkParsed(t, req)
		if again := sigil.ParseScopes(req.String()); !slices.Equal(again, req) {
			t.Fatalf("ParseScopes(%q).String() = %q parses to %q", requested, req.String(), again)
		}

		kept := DropUnknown(req)
		for _, s := range kept {
			if !known(Base(s)) {
				t.Fatalf("DropUnknown kept unknown scope %q", s)
			}
		}
		if !isSubsequence(kept, req) {
			t.Fatalf("DropUnknown(%q) = %q is not a subsequence", req, kept)
		}

		reg := sigil.ParseScopes(registered)
		if hint := Validate(kept, reg); hint == "" {
			if !kept.Has(OpenID) {
				t.Fatalf("Validate accepted %q without openid", kept)
			}
			for _, s := range kept {
				b := Base(s)
				if !reg.Has(b) && !reg.Has(Parent(b)) {
					t.Fatalf("Validate accepted %q, which is not registered in %q", s, reg)
				}
				if IsOptional(s) && (!mayBeOptional(b) || kept.Has(b)) {
					t.Fatalf("Validate accepted optional %q in %q", s, kept)
				}
			}
		}

		granted, missing, unknown := Grant(kept, sigil.ParseScopes(chosen))
		switch {
		case unknown != "":
			if kept.Has(unknown) {
				t.Fatalf("Grant calls %q unknown, but it was requested", unknown)
			}
		case missing != "":
			if IsOptional(missing) || !kept.Has(missing) {
				t.Fatalf("Grant calls %q missing, which is not a required requested scope", missing)
			}
		default:
			if !sort.StringsAreSorted(granted) {
				t.Fatalf("Grant returned unsorted %q", granted)
			}
			for _, g := range granted {
				if IsOptional(g) {
					t.Fatalf("Grant returned the optional form %q", g)
				}
				if !kept.Has(g) && !kept.Has(g+OptionalSuffix) && !kept.Has(Parent(g)) {
					t.Fatalf("Grant returned %q, which was not requested in %q", g, kept)
				}
			}
			for _, r := range kept {
				if !IsOptional(r) && !coveredAfterNarrowing(granted, r) {
					t.Fatalf("Grant(%q, %q) = %q lost the required scope %q", kept, chosen, granted, r)
				}
			}
		}

		// The signed message states the scopes of the stored request,
		// which DropUnknown has filtered.
		st := Statement(kept)
		words := strings.Fields(st)
		if st != strings.Join(words, " ") || !sort.StringsAreSorted(words) || len(slices.Compact(slices.Clone(words))) != len(words) {
			t.Fatalf("Statement(%q) = %q is not sorted single-spaced unique words", kept, st)
		}
		for _, w := range words {
			if IsOptional(w) {
				t.Fatalf("Statement(%q) shows the optional marker: %q", kept, st)
			}
		}
	})
}

// checkParsed fails when a parsed list has an empty, duplicate or
// whitespace-holding token.
func checkParsed(t *testing.T, s sigil.Scopes) {
	t.Helper()
	seen := map[string]bool{}
	for _, tok := range s {
		if tok == "" || seen[tok] || len(strings.Fields(tok)) != 1 {
			t.Fatalf("parsed scope list %q has a bad token %q", s, tok)
		}
		seen[tok] = true
	}
}

// isSubsequence reports whether sub is s with some elements removed.
func isSubsequence(sub, s []string) bool {
	i := 0
	for _, v := range s {
		if i < len(sub) && sub[i] == v {
			i++
		}
	}
	return i == len(sub)
}

// coveredAfterNarrowing reports whether the required scope r is granted:
// itself, through its parent, or (for a parent narrowed by a declined
// optional child) through its remaining children.
func coveredAfterNarrowing(granted sigil.Scopes, r string) bool {
	if Covers(granted, r) {
		return true
	}
	kids := Children(r)
	if len(kids) == 0 {
		return false
	}
	for _, c := range kids {
		if granted.Has(c) {
			return true
		}
	}
	return false
}
