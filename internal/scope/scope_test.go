package scope

import (
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
