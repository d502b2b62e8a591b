package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/sigil-oidc/sigil/internal/backchannel/backchanneltest"
)

// TestBackchannelLogoutWhenAnOperatorEndsSessions: an operator ending all of
// a person's sessions through the admin API tells each client that
// registered a backchannel_logout_uri, as RP-initiated logout does, and the
// relying party's first failure (503) is retried until it answers 200.
func TestBackchannelLogoutWhenAnOperatorEndsSessions(t *testing.T) {
	in := startSigil(t, "--backchannel-poll-interval", "200ms")
	rcv := backchanneltest.NewReceiver(t, func(n int) int {
		if n == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	p := signInWithBackchannel(t, in, rcv)
	id := idTokenClaims(t, p.tok)
	if st, body := in.adminDo(t, "DELETE", "/admin/subjects/"+url.PathEscape("alice.crypto")+"/sessions", nil); st != http.StatusNoContent {
		t.Fatalf("DELETE sessions: %d %s", st, body)
	}
	// The first attempt goes at once; the retry after the backoff
	// (10 to 5 seconds).
	reqs := rcv.WaitAnswered(t, 2, 30*time.Second)
	if reqs[0].Status != http.StatusServiceUnavailable || reqs[1].Status != http.StatusOK {
		t.Fatalf("answers %d, %d; want 503 then 200", reqs[0].Status, reqs[1].Status)
	}
	got := backchanneltest.Delivered(t, reqs, publishedJWKS(t, in), backchanneltest.Expect{Issuer: in.Issuer, ClientID: p.id, RequireSID: true})
	if len(got) != 1 || got[0].SessionID != id["sid"] || got[0].Subject != id["sub"] {
		t.Fatalf("delivered %+v; want one token for sid %v of %v", got, id["sid"], id["sub"])
	}
	p.wantSignedOut(t, p.b, "after the operator ended the sessions")
}

// TestBackchannelLogoutOnlyToClientsGivenTheIdentity: a client the person
// was only shown the consent page for, by single sign-on or by a fresh
// sign-in, and never consented to, is not told of the session's end: its
// logout token would carry the person's sub. The client the person
// consented to is. Before, every client that reached the consent page was
// recorded in the session and sent the token.
func TestBackchannelLogoutOnlyToClientsGivenTheIdentity(t *testing.T) {
	in := startSigil(t, "--backchannel-poll-interval", "200ms")
	always := func(int) int { return http.StatusOK }
	consented, nosy := backchanneltest.NewReceiver(t, always), backchanneltest.NewReceiver(t, always)
	p := signInWithBackchannel(t, in, consented)
	nosyID, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect},
		"backchannel_logout_uri": nosy.URL, "backchannel_logout_session_required": true})
	conf := &oauth2.Config{ClientID: nosyID, RedirectURL: testRedirect, Scopes: []string{"openid", "wallet"},
		Endpoint: oauth2.Endpoint{AuthURL: in.Issuer + "/oauth2/auth", TokenURL: in.Issuer + "/oauth2/token"}}
	authURL := conf.AuthCodeURL("state-nosy-0123", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

	// Single sign-on to the consent page, in the signed-in browser.
	resp, _ := p.b.get(authURL)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/consent?flow=") {
		t.Fatalf("single sign-on to a client not consented to: %d %q, want the consent page", resp.StatusCode, loc)
	}
	// A fresh sign-in to it, in another browser, to the consent page.
	other := newBrowser(t, in.Issuer)
	flow := other.authorize(authURL)
	if _, st, v := other.signIn(flow, "alice.crypto", in.Alice); st != 200 || !strings.Contains(fmt.Sprint(v["redirect_to"]), "/consent?flow=") {
		t.Fatalf("sign-in to a client not consented to: %d %v, want the consent page", st, v)
	}

	if st, body := in.adminDo(t, "DELETE", "/admin/subjects/"+url.PathEscape("alice.crypto")+"/sessions", nil); st != http.StatusNoContent {
		t.Fatalf("DELETE sessions: %d %s", st, body)
	}
	got := backchanneltest.Delivered(t, consented.WaitAnswered(t, 1, 30*time.Second), publishedJWKS(t, in),
		backchanneltest.Expect{Issuer: in.Issuer, ClientID: p.id, RequireSID: true})
	if len(got) != 1 {
		t.Fatalf("the consented client got %d logout tokens, want 1", len(got))
	}
	// Both sessions' notices are written by the same request and sent by
	// the same pass of the worker: give it a few more passes.
	time.Sleep(time.Second)
	if reqs := nosy.Requests(); len(reqs) != 0 {
		t.Fatalf("a client the person never consented to got %d logout tokens", len(reqs))
	}
}
