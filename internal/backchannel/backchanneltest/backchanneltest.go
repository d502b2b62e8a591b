// Package backchanneltest is the relying party's side of OpenID Connect
// Back-Channel Logout 1.0, for tests: Validate checks a logout token exactly
// as section 2.6 says a relying party must, and Receiver is a
// backchannel_logout_uri on 127.0.0.1 that records what it is sent. The
// unit tests of package backchannel and the end-to-end tests both use it,
// so Sigil's tokens are judged by one independent reading of the
// specification rather than by the code that made them.
package backchanneltest

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Event is the events member that makes a JWT a logout token (section 2.4).
const Event = "http://schemas.openid.net/event/backchannel-logout"

// Expect is what the relying party knows before it looks at a token.
type Expect struct {
	// Issuer is the OP's issuer identifier and ClientID the RP's client
	// id (the token's iss and aud).
	Issuer, ClientID string
	// Alg is the RP's id_token_signed_response_alg; "" means RS256, the
	// default (OpenID Connect Dynamic Client Registration section 2).
	Alg string
	// Now is the RP's clock; zero means time.Now.
	Now time.Time
	// Skew is the clock difference tolerated for iat and exp; zero means
	// 30 seconds.
	Skew time.Duration
	// RequireSID rejects a token without sid, as an RP that registered
	// backchannel_logout_session_required does.
	RequireSID bool
}

// Claims are a validated logout token's claims.
type Claims struct {
	Issuer    string
	Audience  []string
	Subject   string
	SessionID string
	IssuedAt  time.Time
	Expiry    time.Time
	ID        string
	// KeyID and Alg come from the protected header.
	KeyID, Alg string
}

// Validate checks token as Back-Channel Logout 1.0 section 2.6 requires of
// a relying party, against the OP's published keys:
//
//  1. It is a JWS (Sigil never encrypts logout tokens, and this RP
//     negotiated no ID token encryption, so a JWE is refused).
//  2. Its signature verifies with the JWKS key its kid names, as an ID
//     token's would (OpenID Connect Core 3.1.3.7).
//  3. Its alg is the RP's ID token algorithm (never none), and its typ is
//     logout+jwt (section 2.4 and 4.1: explicit typing).
//  4. iss is the issuer, aud holds the client id, iat is not in the future
//     and exp not in the past, each within Skew.
//  5. It holds sub or sid, or both (and sid when RequireSID).
//  6. events holds exactly the back-channel logout event, whose value is
//     the empty object.
//  7. It holds no nonce.
//  8. jti is present (a receiver checks replay: see Receiver).
func Validate(token string, jwks jose.JSONWebKeySet, want Expect) (*Claims, error) {
	alg := want.Alg
	if alg == "" {
		alg = "RS256"
	}
	now := want.Now
	if now.IsZero() {
		now = time.Now()
	}
	skew := want.Skew
	if skew == 0 {
		skew = 30 * time.Second
	}
	if strings.Count(token, ".") != 2 {
		return nil, errors.New("not a JWS in compact serialization (an encrypted token was not negotiated)")
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return nil, fmt.Errorf("header: %w (the RP's ID token algorithm is %s)", err, alg)
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("%d signatures, want 1", len(jws.Signatures))
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "logout+jwt" {
		return nil, fmt.Errorf("typ %q, want logout+jwt", typ)
	}
	keys := jwks.Key(h.KeyID)
	if h.KeyID == "" || len(keys) != 1 {
		return nil, fmt.Errorf("kid %q names %d keys of the JWKS, want 1", h.KeyID, len(keys))
	}
	if keys[0].Algorithm != "" && keys[0].Algorithm != h.Algorithm {
		return nil, fmt.Errorf("alg %s but key %q is for %s", h.Algorithm, h.KeyID, keys[0].Algorithm)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, fmt.Errorf("claims are not a JSON object: %w", err)
	}
	c := &Claims{KeyID: h.KeyID, Alg: h.Algorithm}
	if err := str(raw, "iss", &c.Issuer); err != nil || c.Issuer != want.Issuer {
		return nil, fmt.Errorf("iss %q, want %q (%v)", c.Issuer, want.Issuer, err)
	}
	if c.Audience, err = audience(raw["aud"]); err != nil || !slices.Contains(c.Audience, want.ClientID) {
		return nil, fmt.Errorf("aud %v does not hold %q (%v)", c.Audience, want.ClientID, err)
	}
	if c.IssuedAt, err = numericDate(raw, "iat"); err != nil {
		return nil, err
	}
	if c.IssuedAt.After(now.Add(skew)) {
		return nil, fmt.Errorf("iat %v is in the future (now %v)", c.IssuedAt, now)
	}
	if c.Expiry, err = numericDate(raw, "exp"); err != nil {
		return nil, err
	}
	if !c.Expiry.After(now.Add(-skew)) {
		return nil, fmt.Errorf("exp %v has passed (now %v)", c.Expiry, now)
	}
	if err := str(raw, "jti", &c.ID); err != nil || c.ID == "" {
		return nil, fmt.Errorf("jti missing or empty (%v)", err)
	}
	if _, ok := raw["sub"]; ok {
		if err := str(raw, "sub", &c.Subject); err != nil || c.Subject == "" {
			return nil, fmt.Errorf("sub is not a non-empty string (%v)", err)
		}
	}
	if _, ok := raw["sid"]; ok {
		if err := str(raw, "sid", &c.SessionID); err != nil || c.SessionID == "" {
			return nil, fmt.Errorf("sid is not a non-empty string (%v)", err)
		}
	}
	if c.Subject == "" && c.SessionID == "" {
		return nil, errors.New("neither sub nor sid")
	}
	if want.RequireSID && c.SessionID == "" {
		return nil, errors.New("no sid, and the client registered backchannel_logout_session_required")
	}
	var events map[string]json.RawMessage
	if err := json.Unmarshal(raw["events"], &events); err != nil || events == nil {
		return nil, fmt.Errorf("events is not a JSON object (%v)", err)
	}
	if len(events) != 1 || string(events[Event]) != "{}" {
		return nil, fmt.Errorf("events %s must hold exactly %s with the empty object", raw["events"], Event)
	}
	if _, ok := raw["nonce"]; ok {
		return nil, errors.New("nonce is present; section 2.4 prohibits it")
	}
	return c, nil
}

func str(raw map[string]json.RawMessage, name string, dst *string) error {
	v, ok := raw[name]
	if !ok {
		return fmt.Errorf("%s missing", name)
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return fmt.Errorf("%s is not a string: %w", name, err)
	}
	return nil
}

// audience reads aud, a string or an array of strings (RFC 7519 4.1.3).
func audience(v json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, errors.New("aud is neither a string nor an array of strings")
	}
	return many, nil
}

// numericDate reads a NumericDate claim (RFC 7519 section 2), required.
func numericDate(raw map[string]json.RawMessage, name string) (time.Time, error) {
	v, ok := raw[name]
	if !ok {
		return time.Time{}, fmt.Errorf("%s missing", name)
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return time.Time{}, fmt.Errorf("%s is not a number: %w", name, err)
	}
	return time.Unix(int64(f), 0), nil
}

// Request is one request a Receiver got.
type Request struct {
	// N counts requests from 1; Status is what the receiver answered (0
	// while it has not answered yet).
	N, Status int
	// Token is the logout_token parameter.
	Token string
	// Problem says how the request broke section 2.5 (not a POST, not a
	// form, no or several logout_token), or is empty.
	Problem string
	At      time.Time
}

// Receiver is a backchannel_logout_uri for tests, on 127.0.0.1. It records
// every request and answers each with Answer(n) (200 when nil), with
// Cache-Control: no-store as section 2.8 asks.
type Receiver struct {
	URL    string
	Answer func(n int) int

	mu       sync.Mutex
	requests []Request
	arrived  chan struct{}
}

// NewReceiver starts a receiver at path /backchannel, closed when t ends.
func NewReceiver(t testing.TB, answer func(n int) int) *Receiver {
	t.Helper()
	r := &Receiver{Answer: answer, arrived: make(chan struct{}, 1)}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/backchannel"
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	got := Request{At: time.Now()}
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	var form url.Values
	switch {
	case req.Method != http.MethodPost:
		got.Problem = "method " + req.Method + ", want POST"
	case ct != "application/x-www-form-urlencoded":
		got.Problem = "Content-Type " + ct + ", want application/x-www-form-urlencoded"
	default:
		if err := req.ParseForm(); err != nil {
			got.Problem = "form: " + err.Error()
		}
		form = req.PostForm
		if len(form["logout_token"]) != 1 {
			got.Problem = fmt.Sprintf("%d logout_token parameters, want 1", len(form["logout_token"]))
		}
	}
	got.Token = form.Get("logout_token")
	// The request is recorded before Answer runs, so that a test can see
	// it arrive while Answer keeps the sender waiting.
	r.mu.Lock()
	got.N = len(r.requests) + 1
	r.requests = append(r.requests, got)
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}:
	default:
	}
	status := http.StatusOK
	if r.Answer != nil {
		status = r.Answer(got.N)
	}
	r.mu.Lock()
	r.requests[got.N-1].Status = status
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}: // for WaitAnswered
	default:
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

// Requests returns a copy of every request so far, in arrival order.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

// WaitFor waits up to timeout until at least n requests arrived and returns
// them all; it fails t when they do not. The last ones may not be answered
// yet (Status 0): WaitAnswered waits for that too.
func (r *Receiver) WaitFor(t testing.TB, n int, timeout time.Duration) []Request {
	t.Helper()
	return r.wait(t, n, timeout, func(Request) bool { return true }, "requests")
}

// WaitAnswered waits up to timeout until at least n requests arrived and
// were answered (their Status set), and returns every request so far; it
// fails t when they do not. A test that reads Status, or Delivered, which
// counts only requests answered with 200, needs it: WaitFor can return
// while Answer is still running for the last request.
func (r *Receiver) WaitAnswered(t testing.TB, n int, timeout time.Duration) []Request {
	t.Helper()
	return r.wait(t, n, timeout, func(req Request) bool { return req.Status != 0 }, "answered requests")
}

func (r *Receiver) wait(t testing.TB, n int, timeout time.Duration, counts func(Request) bool, what string) []Request {
	t.Helper()
	deadline := time.After(timeout)
	for {
		got := r.Requests()
		k := 0
		for _, req := range got {
			if counts(req) {
				k++
			}
		}
		if k >= n {
			return got
		}
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("back-channel receiver: %d %s after %v, want %d", k, what, timeout, n)
			return nil
		}
	}
}

// Delivered validates the token of every request answered with 200 and
// checks that no jti arrived twice (section 2.6 lets an RP refuse a
// replayed jti). It returns the claims in arrival order.
func Delivered(t testing.TB, requests []Request, jwks jose.JSONWebKeySet, want Expect) []*Claims {
	t.Helper()
	var out []*Claims
	seen := map[string]bool{}
	for _, req := range requests {
		if req.Problem != "" {
			t.Errorf("request %d: %s", req.N, req.Problem)
			continue
		}
		c, err := Validate(req.Token, jwks, want)
		if err != nil {
			t.Errorf("request %d: logout token rejected: %v", req.N, err)
			continue
		}
		if seen[c.ID] {
			t.Errorf("request %d: jti %q replayed", req.N, c.ID)
		}
		seen[c.ID] = true
		if req.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}
