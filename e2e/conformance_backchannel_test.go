package e2e

// The modules of the OpenID Foundation's Back-Channel Logout OP plan
// (oidcc-backchannel-rp-initiated-logout-certification-test-plan), one test
// each: the discovery module, and the RP-initiated logout whose logout
// token the tester's backchannel_logout_uri receives and validates.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/backchannel/backchanneltest"
)

// TestConformance_oidcc_backchannel_logout_discovery_endpoint_verification
// is oidcc-backchannel-logout-discovery-endpoint-verification
// (OIDCCBackchannelLogoutDiscoveryEndpointVerification, Back-Channel Logout
// OP plan): discovery advertises backchannel_logout_supported and
// backchannel_logout_session_supported (which the plan requires) and an
// end_session_endpoint.
func TestConformance_oidcc_backchannel_logout_discovery_endpoint_verification(t *testing.T) {
	in := startSigil(t)
	var d map[string]any
	if err := json.Unmarshal(fetch(t, in.Issuer+"/.well-known/openid-configuration"), &d); err != nil {
		t.Fatal(err)
	}
	if d["backchannel_logout_supported"] != true || d["backchannel_logout_session_supported"] != true {
		t.Errorf("backchannel_logout_supported %v, backchannel_logout_session_supported %v; want both true",
			d["backchannel_logout_supported"], d["backchannel_logout_session_supported"])
	}
	if d["end_session_endpoint"] != in.Issuer+"/oauth2/sessions/logout" {
		t.Errorf("end_session_endpoint %v", d["end_session_endpoint"])
	}
}

// TestConformance_oidcc_backchannel_rp_initiated_logout is
// oidcc-backchannel-rp-initiated-logout (OIDCCBackChannelRpInitiatedLogout,
// Back-Channel Logout OP plan): a client registered with a
// backchannel_logout_uri and backchannel_logout_session_required signs the
// person in and sends the browser to the end_session_endpoint. The browser
// goes to the post_logout_redirect_uri with the state; the
// backchannel_logout_uri gets one POST whose logout token passes every
// check of section 2.6 (ValidateLogoutTokenSignature,
// ValidateLogoutTokenClaims, CheckLogoutTokenNoNonce,
// CheckLogoutTokenHasSubOrSid) with the ID token's sub and sid
// (CheckIdTokenSubMatchesLogoutToken, CheckIdTokenSidMatchesLogoutToken);
// prompt=none then answers login_required. A second client with a
// backchannel_logout_uri that the session never signed in to is not told.
func TestConformance_oidcc_backchannel_rp_initiated_logout(t *testing.T) {
	in := startSigil(t)
	rcv := backchanneltest.NewReceiver(t, nil)
	bystander := backchanneltest.NewReceiver(t, nil)
	in.createClient(t, map[string]any{
		"redirect_uris": []string{testRedirect}, "scope": "openid wallet",
		"backchannel_logout_uri": bystander.URL,
	})
	p := signInWithBackchannel(t, in, rcv)
	id := idTokenClaims(t, p.tok)
	if id["sid"] == nil {
		t.Fatalf("the ID token has no sid: %v", id)
	}

	resp, _ := p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.bye}, "state": {logoutState}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Scheme+"://"+loc.Host+loc.Path != p.bye || loc.Query().Get("state") != logoutState {
		t.Fatalf("logout: %d %q, want a redirect to %s with the state", resp.StatusCode, resp.Header.Get("Location"), p.bye)
	}

	reqs := rcv.WaitAnswered(t, 1, 10*time.Second)
	got := backchanneltest.Delivered(t, reqs, publishedJWKS(t, in),
		backchanneltest.Expect{Issuer: in.Issuer, ClientID: p.id, RequireSID: true})
	if len(got) != 1 {
		t.Fatalf("%d valid logout tokens, want 1", len(got))
	}
	if got[0].Subject != id["sub"] || got[0].SessionID != id["sid"] {
		t.Errorf("logout token sub %q sid %q; the ID token's are %v and %v", got[0].Subject, got[0].SessionID, id["sub"], id["sid"])
	}
	p.wantSignedOut(t, p.b, "after logout")
	time.Sleep(500 * time.Millisecond) // room for a repeated or stray delivery to show
	if n := len(rcv.Requests()); n != 1 {
		t.Errorf("the client's backchannel_logout_uri got %d requests, want 1", n)
	}
	if n := len(bystander.Requests()); n != 0 {
		t.Errorf("a client the session never signed in to got %d logout requests", n)
	}
}
