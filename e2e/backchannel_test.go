package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

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
