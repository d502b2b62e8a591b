package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/sigil-oidc/sigil"
)

// resources checks what the store keeps for RFC 8707 resource indicators
// and the claims request parameter (OpenID Connect Core section 5.5): the
// authorization's Resources and ClaimsRequest as created, and each access
// token's Audience as the exchange, a refresh or a client credentials grant
// wrote it.
func (s suite) resources(t *testing.T) {
	t.Run("RoundTrip", s.resourcesRoundTrip)
	t.Run("ExchangeAndRefresh", s.audienceExchangeAndRefresh)
	t.Run("ClientToken", s.audienceClientToken)
}

// resourcesRoundTrip checks that Resources and ClaimsRequest read back as
// created, and that an authorization without them reads back without them.
func (s suite) resourcesRoundTrip(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	a := newRequest("with", c)
	a.Resources = []string{"https://api.rp.example/", "urn:example:api"}
	a.ClaimsRequest = `{"userinfo":{"name":{"essential":true}},"id_token":{"acr":{"values":["sig"]}}}`
	mustCreate(t, st, a)
	got, err := st.GetAuthorization(ctx, a.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	if !slices.Equal(got.Resources, a.Resources) || got.ClaimsRequest != a.ClaimsRequest || got.Audience != nil {
		t.Errorf("read back resources %q, claims %q, audience %q; want %q, %q, none", got.Resources, got.ClaimsRequest, got.Audience, a.Resources, a.ClaimsRequest)
	}
	b := newRequest("without", c)
	mustCreate(t, st, b)
	got, err = st.GetAuthorization(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	if got.Resources != nil || got.ClaimsRequest != "" || got.Audience != nil {
		t.Errorf("without: resources %q, claims %q, audience %q; want none", got.Resources, got.ClaimsRequest, got.Audience)
	}
	if aud := got.TokenAudience(); !slices.Equal(aud, []string{c.ID}) {
		t.Errorf("TokenAudience without resources = %q, want the client", aud)
	}
}

// audienceExchangeAndRefresh checks that the exchange stores the token
// request's audience with the access token, that the token reads back with
// it, and that each refresh replaces it (none named: none stored).
func (s suite) audienceExchangeAndRefresh(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	a := newRequest("flow", c)
	a.Resources = []string{"https://api.rp.example/", "urn:example:api"}
	mustCreate(t, st, a)
	code := codeIssued(t, st, a)
	ex := withRefresh(exchangeFor(a, code, exchangeNow), "family-flow", exchangeNow)
	ex.Audience = []string{"urn:example:api"}
	got, err := st.ExchangeCode(ctx, ex, exchangeNow)
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	byToken, err := st.GetAuthorizationByAccessToken(ctx, ex.AccessTokenHash, exchangeNow)
	if err != nil {
		t.Fatalf("GetAuthorizationByAccessToken: %v", err)
	}
	for what, got := range map[string]*sigil.Authorization{"returned": got, "by access token": byToken} {
		if !slices.Equal(got.Audience, ex.Audience) || !slices.Equal(got.Resources, a.Resources) || !slices.Equal(got.TokenAudience(), ex.Audience) {
			t.Errorf("%s after exchange: audience %q, resources %q; want %q, %q", what, got.Audience, got.Resources, ex.Audience, a.Resources)
		}
	}

	// A refresh that names no resource gets the whole grant again.
	r1 := refreshFor("family-flow", c.ID, 0, exchangeNow)
	got, err = st.RefreshAuthorization(ctx, r1, exchangeNow)
	if err != nil {
		t.Fatalf("RefreshAuthorization: %v", err)
	}
	if got.Audience != nil || !slices.Equal(got.TokenAudience(), a.Resources) {
		t.Errorf("refresh without resource: audience %q, token audience %q; want none, %q", got.Audience, got.TokenAudience(), a.Resources)
	}
	// One that names two stores both, in order.
	r2 := refreshFor("family-flow", c.ID, 1, exchangeNow)
	r2.Audience = []string{"urn:example:api", "https://api.rp.example/"}
	if _, err := st.RefreshAuthorization(ctx, r2, exchangeNow); err != nil {
		t.Fatalf("RefreshAuthorization: %v", err)
	}
	byToken, err = st.GetAuthorizationByAccessToken(ctx, r2.AccessTokenHash, exchangeNow)
	if err != nil {
		t.Fatalf("GetAuthorizationByAccessToken: %v", err)
	}
	if !slices.Equal(byToken.Audience, r2.Audience) {
		t.Errorf("refresh with resources: audience %q, want %q", byToken.Audience, r2.Audience)
	}
}

// audienceClientToken checks that a client credentials token keeps its
// audience, alone and when written in a batch with tokens without one.
func (s suite) audienceClientToken(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	with := clientTokenFor("m2m", "cc-aud")
	with.Audience = []string{"https://api.m2m.example/", "urn:example:api"}
	without := clientTokenFor("m2m", "cc-plain")
	for _, tok := range []sigil.ClientToken{with, without} {
		if err := st.CreateClientToken(ctx, tok); err != nil {
			t.Fatalf("CreateClientToken(%s): %v", tok.ID, err)
		}
		got, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
		if err != nil {
			t.Fatalf("GetAuthorizationByAccessToken(%s): %v", tok.ID, err)
		}
		if !slices.Equal(got.Audience, tok.Audience) || got.Resources != nil {
			t.Errorf("%s: audience %q, resources %q; want %q, none", tok.ID, got.Audience, got.Resources, tok.Audience)
		}
	}
}
