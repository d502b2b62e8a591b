package scope

import (
	"slices"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil"
)

func TestValidate(t *testing.T) {
	registered := sigil.Scopes{"openid", "wallet", "email", "profile", "social", "offline_access"}
	cases := []struct {
		requested string
		want      string // substring of the hint, "" for valid
	}{
		{"openid wallet", ""},
		{"openid wallet email:optional profile:name social social:twitter:optional offline_access", ""},
		{"wallet", "must include openid"},
		{"openid email email:optional", "both as required and as optional"},
		{"openid wallet:optional", "cannot be optional"},
		{"openid offline_access:optional", "cannot be optional"},
		{"openid badges", "not registered"},
		{"openid profile:shoe", "unknown"},
		{"openid telepathy", "unknown"},
		{"openid phone address:optional", "not registered"},
	}
	for _, tc := range cases {
		got := Validate(sigil.ParseScopes(tc.requested), registered)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Validate(%q) = %q, want %q", tc.requested, got, tc.want)
		}
	}
	if got := Validate(sigil.ParseScopes("openid profile:name"), sigil.Scopes{"openid", "profile:name"}); got != "" {
		t.Errorf("sub-scope registered on its own: %q", got)
	}
	if got := Validate(sigil.ParseScopes("openid profile"), sigil.Scopes{"openid", "profile:name"}); got == "" {
		t.Error("a sub-scope registration must not allow the whole parent")
	}
}

// TestDropUnknown: what Sigil does not know leaves the request (OpenID
// Connect Core section 3.1.2.1), in either form; what it knows stays, even
// unregistered, for Validate to refuse.
func TestDropUnknown(t *testing.T) {
	got := DropUnknown(sigil.ParseScopes("openid telepathy profile:shoe phone x:optional address:optional badges offline_access email:optional"))
	if want := "openid phone address:optional badges offline_access email:optional"; got.String() != want {
		t.Fatalf("DropUnknown = %q, want %q", got, want)
	}
	if got := DropUnknown(sigil.ParseScopes("telepathy")); len(got) != 0 {
		t.Fatalf("only unknown scopes: %q", got)
	}
	registered := sigil.Scopes{"openid", "email"}
	if hint := Validate(DropUnknown(sigil.ParseScopes("openid email telepathy")), registered); hint != "" {
		t.Fatalf("an unknown scope beside registered ones: %q", hint)
	}
	if hint := Validate(DropUnknown(sigil.ParseScopes("openid phone telepathy")), registered); !strings.Contains(hint, "not registered") {
		t.Fatalf("a known scope outside the registration must stay refused: %q", hint)
	}
	if hint := Validate(DropUnknown(sigil.ParseScopes("telepathy")), registered); !strings.Contains(hint, "must include openid") {
		t.Fatalf("nothing left: %q", hint)
	}
	for _, s := range []string{"phone", "address"} {
		if !slices.Contains(Supported(), s) {
			t.Errorf("Supported() lacks the standard scope %s", s)
		}
	}
}

// TestHintsQuoteWithApostrophes: Validate's hints travel in an
// error_description, where '"' is not allowed (RFC 6749 section 5.2).
func TestHintsQuoteWithApostrophes(t *testing.T) {
	for _, req := range []string{"wallet", "openid profile:shoe", "openid wallet:optional", "openid email email:optional", "openid badges"} {
		hint := Validate(sigil.ParseScopes(req), sigil.Scopes{"openid", "wallet", "email"})
		if hint == "" || strings.ContainsAny(hint, "\"\\") {
			t.Errorf("Validate(%q) hint %q", req, hint)
		}
	}
}

func TestGrantMoreSpecificWins(t *testing.T) {
	req := sigil.ParseScopes("openid wallet social social:twitter:optional email:optional")
	g, missing, unknown := Grant(req, sigil.ParseScopes("openid wallet social"))
	want := "openid social:discord social:reddit social:telegram social:youtube wallet"
	if missing != "" || unknown != "" || g.String() != want {
		t.Fatalf("declining twitter: %q (missing %q unknown %q), want %q", g, missing, unknown, want)
	}
	g, _, _ = Grant(req, sigil.ParseScopes("openid wallet social social:twitter:optional email:optional"))
	if g.String() != "email openid social wallet" {
		t.Fatalf("granting all: %q", g)
	}
	if _, missing, _ := Grant(req, sigil.ParseScopes("openid wallet")); missing != "social" {
		t.Fatalf("missing required social not reported: %q", missing)
	}
	if _, _, unknown := Grant(req, sigil.ParseScopes("openid wallet social email")); unknown != "email" {
		t.Fatalf("email granted in a form that was not requested: %q", unknown)
	}
	// A required child survives its optional parent being declined.
	g, _, _ = Grant(sigil.ParseScopes("openid profile:optional profile:name"), sigil.ParseScopes("openid profile:name"))
	if g.String() != "openid profile:name" {
		t.Fatalf("required child: %q", g)
	}
}

func TestRememberedAndCovers(t *testing.T) {
	if _, ok := Remembered(sigil.ParseScopes("openid wallet"), nil); ok {
		t.Fatal("nothing remembered covers nothing")
	}
	g, ok := Remembered(sigil.ParseScopes("openid profile:name:optional"), sigil.Scopes{"openid", "profile"})
	if !ok || g.String() != "openid profile:name" {
		t.Fatalf("remembered profile covers profile:name: %q %v", g, ok)
	}
	if _, ok := Remembered(sigil.ParseScopes("openid email:optional"), sigil.Scopes{"openid", "wallet"}); ok {
		t.Fatal("email was never granted; the person must be asked")
	}
	if !Covers(sigil.Scopes{"social"}, "social:twitter") || Covers(sigil.Scopes{"social:reddit"}, "social:twitter") {
		t.Fatal("Covers")
	}
	if !GrantsRefreshToken(sigil.Scopes{"openid", "offline"}) || GrantsRefreshToken(sigil.Scopes{"openid"}) {
		t.Fatal("GrantsRefreshToken")
	}
	if Statement(sigil.ParseScopes("wallet openid email:optional")) != "email openid wallet" {
		t.Fatal("Statement")
	}
}

// TestRegisteredOptionalCountsAsBase: a client stored with "email:optional"
// (which registration now refuses) may request email in either form, so
// its sign-ins work; it still may not request what it never registered.
func TestRegisteredOptionalCountsAsBase(t *testing.T) {
	registered := sigil.ParseScopes("openid wallet email:optional profile")
	for _, req := range []string{"openid wallet email", "openid email:optional", "openid wallet email:optional profile"} {
		if hint := Validate(sigil.ParseScopes(req), registered); hint != "" {
			t.Errorf("%q: %s", req, hint)
		}
	}
	if hint := Validate(sigil.ParseScopes("openid social"), registered); !strings.Contains(hint, "not registered") {
		t.Errorf("social was never registered: %q", hint)
	}
	if !Known("email:optional") || !Known("profile:name") || Known("bogus") || Known("profile:nmae") {
		t.Error("Known")
	}
}
