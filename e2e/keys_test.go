package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// adminKey is one key of GET /admin/keys.
type adminKey struct {
	KID         string     `json:"kid"`
	Alg         string     `json:"alg"`
	State       string     `json:"state"`
	Generation  int64      `json:"generation"`
	CreatedAt   time.Time  `json:"created_at"`
	ActivatesAt time.Time  `json:"activates_at"`
	RetiresAt   *time.Time `json:"retires_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// adminKeys lists in's keys through the admin API.
func (in *instance) adminKeys(t *testing.T) []adminKey {
	t.Helper()
	st, body := in.adminDo(t, "GET", "/admin/keys", nil)
	var out struct {
		Keys []adminKey `json:"keys"`
	}
	if st != 200 || json.Unmarshal(body, &out) != nil {
		t.Fatalf("GET /admin/keys: %d %s", st, body)
	}
	return out.Keys
}

// rotateKeys calls POST /admin/keys/rotate (query such as "?alg=ES256")
// and returns the kid it answers.
func (in *instance) rotateKeys(t *testing.T, query string) string {
	t.Helper()
	st, body := in.adminDo(t, "POST", "/admin/keys/rotate"+query, nil)
	var out struct {
		KID  string     `json:"kid"`
		Keys []adminKey `json:"keys"`
	}
	if st != 200 || json.Unmarshal(body, &out) != nil || out.KID == "" || len(out.Keys) == 0 || out.Keys[0].KID != out.KID {
		t.Fatalf("POST /admin/keys/rotate%s: %d %s", query, st, body)
	}
	return out.KID
}

// jwksKids returns the kids of the JWKS that in's public listener serves.
func jwksKids(t *testing.T, in *instance) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(fetch(t, in.Issuer+"/.well-known/jwks.json"), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KID)
	}
	return kids
}

// jwtHeader decodes the protected header of a compact JWS.
func jwtHeader(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	h := map[string]any{}
	if err != nil || json.Unmarshal(raw, &h) != nil {
		t.Fatalf("not a JWS: %q", token)
	}
	return h
}

// idTokenFrom runs a code flow of client id on in and returns the ID token
// and the token response.
func idTokenFrom(t *testing.T, in *instance, id, secret string) (string, *oauth2.Token) {
	t.Helper()
	code, verifier, _ := codeFor(t, in, id, []string{"openid"})
	party := newRP(t, in, id, secret, testRedirect, "openid")
	tok, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("no id_token")
	}
	return raw, tok
}

// verifyIDToken checks raw as a relying party with go-oidc would, with a key
// set fetched afresh from keysFrom's JWKS.
func verifyIDToken(t *testing.T, issuer string, keysFrom *instance, clientID, raw string, algs ...string) error {
	t.Helper()
	keySet := oidc.NewRemoteKeySet(ctx(t), keysFrom.Issuer+"/.well-known/jwks.json")
	// Expiry is not the point here: the short lifetimes of these tests
	// would make it a race.
	_, err := oidc.NewVerifier(issuer, keySet, &oidc.Config{ClientID: clientID, SupportedSigningAlgs: algs, SkipExpiryCheck: true}).Verify(ctx(t), raw)
	return err
}

// TestRetiredKeyStaysPublishedUntilItsTokensExpire: after a rotation the
// old key still verifies the ID tokens it signed, and it leaves the JWKS
// once every token it could have signed has expired: the successor's
// activation plus the longest token lifetime (10 s here) plus the
// key-refresh bound of the fleet (15 s).
func TestRetiredKeyStaysPublishedUntilItsTokensExpire(t *testing.T) {
	in := startSigil(t, "--id-token-lifetime", "10s", "--access-token-lifetime", "10s")
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	oldToken, _ := idTokenFrom(t, in, id, secret)
	oldKid, _ := jwtHeader(t, oldToken)["kid"].(string)

	newKid := in.rotateKeys(t, "?alg=RS256&immediate=true")
	var old adminKey
	for _, k := range in.adminKeys(t) {
		if k.KID == oldKid {
			old = k
		}
	}
	if old.State != "retired" || old.RetiresAt == nil || old.ExpiresAt == nil || old.ExpiresAt.Sub(*old.RetiresAt) != 25*time.Second {
		t.Fatalf("old key after rotation = %+v, want retired with 25s (10s lifetime + 15s) until it expires", old)
	}
	if err := verifyIDToken(t, in.Issuer, in, id, oldToken); err != nil {
		t.Fatalf("the old ID token no longer verifies right after the rotation: %v", err)
	}
	if !slices.Contains(jwksKids(t, in), oldKid) || !slices.Contains(jwksKids(t, in), newKid) {
		t.Fatal("JWKS lacks the old or the new key right after the rotation")
	}

	// Published until its expiry, gone after it.
	time.Sleep(time.Until(old.ExpiresAt.Add(-2 * time.Second)))
	if !slices.Contains(jwksKids(t, in), oldKid) {
		t.Fatal("the retired key left the JWKS before the tokens it signed expired")
	}
	time.Sleep(time.Until(old.ExpiresAt.Add(500 * time.Millisecond)))
	if slices.Contains(jwksKids(t, in), oldKid) {
		t.Fatal("the retired key is still published after every token it signed expired")
	}
	if err := verifyIDToken(t, in.Issuer, in, id, oldToken); err == nil {
		t.Fatal("an ID token of the removed key still verifies")
	}
	for _, k := range in.adminKeys(t) {
		if k.KID == oldKid && k.State != "expired" {
			t.Errorf("removed key listed as %q, want expired", k.State)
		}
	}

	// 15 s after it expired the key is deleted, within two key refreshes
	// (5 s each) of that.
	deadline := old.ExpiresAt.Add(15*time.Second + 2*5*time.Second + 2*time.Second)
	for listed := true; listed; {
		listed = false
		for _, k := range in.adminKeys(t) {
			listed = listed || k.KID == oldKid
		}
		if listed && time.Now().After(deadline) {
			t.Fatalf("the expired key is still stored %s after it expired", time.Since(*old.ExpiresAt).Round(time.Second))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !strings.Contains(in.logs.String(), "expired signing key deleted") {
		t.Error("the node did not log the deletion")
	}
}

// TestNodeWithShorterLifetimesKeepsAnotherNodesKey: two nodes of one
// database, the first with 10-second ID and access tokens, the second with
// the default hour (a fleet halfway through a configuration change). The
// first rotates; the key the second signed an ID token with stays in the
// first node's JWKS, and verifies that token there, past the first node's
// own retention (25 s): the second node recorded its retention (1h 15s)
// with the key before it signed with it. Before, the first node dropped
// the key after 25 s and deleted it from the database for every node 15 s
// later, while the second node's ID tokens were valid for the hour.
func TestNodeWithShorterLifetimesKeepsAnotherNodesKey(t *testing.T) {
	short, long := keysFleetOf(t, []string{"--id-token-lifetime", "10s", "--access-token-lifetime", "10s"}, nil)
	id, secret := long.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	token, _ := idTokenFrom(t, long, id, secret)
	oldKid, _ := jwtHeader(t, token)["kid"].(string)

	short.rotateKeys(t, "?alg=RS256&immediate=true")
	var old adminKey
	for _, k := range short.adminKeys(t) {
		if k.KID == oldKid {
			old = k
		}
	}
	if old.State != "retired" || old.RetiresAt == nil || old.ExpiresAt == nil || old.ExpiresAt.Sub(*old.RetiresAt) != time.Hour+15*time.Second {
		t.Fatalf("on the node with 10-second tokens the other node's key is %+v, want retired for 1h15s (the other node's hour + 15s)", old)
	}

	// Past the short node's own retention and a key refresh.
	time.Sleep(time.Until(old.RetiresAt.Add(25*time.Second + 6*time.Second)))
	if !slices.Contains(jwksKids(t, short), oldKid) {
		t.Fatal("the node with 10-second tokens stopped publishing a key whose ID token from the other node is valid for an hour")
	}
	if err := verifyIDToken(t, long.Issuer, short, id, token); err != nil {
		t.Fatalf("the other node's ID token against the key set of the node with 10-second tokens: %v", err)
	}
}

// TestKeysCLI: `sigil keys rotate` and `sigil keys list` against a running
// server, as an operator uses them.
func TestKeysCLI(t *testing.T) {
	in := startSigil(t)
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(sigilBin, append([]string{"keys"}, args...)...)
		cmd.Env = append(os.Environ(), "SIGIL_ADMIN_URL="+in.Admin, "SIGIL_ADMIN_TOKEN="+in.AdminToken)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	before := in.adminKeys(t)
	out, err := cli("list")
	if err != nil || !strings.Contains(out, "KID") || !strings.Contains(out, "Scheduled rotation is off") {
		t.Fatalf("keys list: %v\n%s", err, out)
	}
	for _, k := range before {
		if !strings.Contains(out, k.KID) || !strings.Contains(out, k.Alg) {
			t.Errorf("keys list lacks %s %s:\n%s", k.KID, k.Alg, out)
		}
	}

	// By default the new key is published now and signs 15 s later; with
	// --now at once.
	out, err = cli("rotate", "--alg", "ES256")
	if err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	after := in.adminKeys(t)
	if len(after) != len(before)+1 {
		t.Fatalf("%d keys after rotating ES256, want %d", len(after), len(before)+1)
	}
	added := after[len(after)-1]
	if added.Alg != "ES256" || added.State != "next" || !strings.Contains(out, added.KID) || !strings.Contains(out, "published now, signing from their activation") {
		t.Fatalf("rotated key %+v; CLI said:\n%s", added, out)
	}
	pending := added
	out, err = cli("rotate", "--alg", "ES256", "--now")
	if err != nil {
		t.Fatalf("keys rotate --now: %v\n%s", err, out)
	}
	// The key rotated in at once signs; the one still pending is withdrawn,
	// so that it cannot retire it later.
	after = in.adminKeys(t)
	added = after[len(after)-1]
	if len(after) != len(before)+1 || added.Alg != "ES256" || added.State != "active" || !strings.Contains(out, "signing now") {
		t.Fatalf("key rotated with --now %+v (keys %+v); CLI said:\n%s", added, after, out)
	}
	for _, k := range after {
		if k.KID == pending.KID {
			t.Errorf("the pending ES256 key %s is still stored after --now", pending.KID)
		}
	}
	if !slices.Contains(jwksKids(t, in), added.KID) {
		t.Error("the key rotated by the CLI is not in the JWKS")
	}
	out, err = cli("list", "--json")
	if err != nil || !strings.Contains(out, `"state":"retired"`) {
		t.Fatalf("keys list --json: %v\n%s", err, out)
	}

	// Every algorithm at once.
	if out, err = cli("rotate", "--now"); err != nil || strings.Count(out, "active") != 3 {
		t.Fatalf("keys rotate (all): %v\n%s", err, out)
	}
	// A bad algorithm is an error naming it, and changes nothing.
	n := len(in.adminKeys(t))
	for _, alg := range []string{"none", "HS256"} {
		if out, err = cli("rotate", "--alg", alg); err == nil || !strings.Contains(out, "invalid_request") || !strings.Contains(out, alg) {
			t.Errorf("keys rotate --alg %s: %v\n%s", alg, err, out)
		}
	}
	if len(in.adminKeys(t)) != n {
		t.Error("a refused rotation stored a key")
	}
}

// TestKeysAdminAPIRefusesAttacks: rotation without the admin token, with a
// wrong one, or asking for "none" or an HMAC algorithm changes nothing and
// answers a catalogue error, never a 500.
func TestKeysAdminAPIRefusesAttacks(t *testing.T) {
	in := startSigil(t)
	n := len(in.adminKeys(t))
	for _, token := range []string{"", "wrong-token-0123456789"} {
		req, _ := http.NewRequest("POST", in.Admin+"/admin/keys/rotate", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("rotate with token %q: %d, want 401", token, resp.StatusCode)
		}
		req, _ = http.NewRequest("GET", in.Admin+"/admin/keys", nil)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("list without token: %d, want 401", resp.StatusCode)
		}
	}
	for _, q := range []string{"?alg=none", "?alg=HS256", "?alg=" + url.QueryEscape("RS256\"<x>")} {
		st, body := in.adminDo(t, "POST", "/admin/keys/rotate"+q, nil)
		if st != 400 || !strings.Contains(string(body), "invalid_request") || strings.Contains(string(body), `\"`) {
			t.Errorf("rotate%s: %d %s", q, st, body)
		}
	}
	st, body := in.adminDo(t, "POST", "/admin/keys/rotate", map[string]any{"alg": "none"})
	if st != 400 {
		t.Errorf("rotate {alg: none}: %d %s", st, body)
	}
	st, body = in.adminDo(t, "POST", "/admin/keys/rotate", map[string]any{"algorithm": "ES256"})
	if st != 400 {
		t.Errorf("rotate with an unknown field: %d %s", st, body)
	}
	if len(in.adminKeys(t)) != n {
		t.Fatal("a refused rotation stored a key")
	}
}

// TestIDTokenHintWithAlgNoneIsRefused: an unsigned token (alg none) naming
// a real kid, issuer and subject is not an id_token_hint, neither at the
// authorization endpoint nor at logout.
func TestIDTokenHintWithAlgNoneIsRefused(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect},
		"post_logout_redirect_uris": []string{"https://rp.example/bye"}})
	real, _ := idTokenFrom(t, in, id, secret)
	parts := strings.Split(real, ".")
	kid, _ := jwtHeader(t, real)["kid"].(string)
	for _, alg := range []string{"none", "None", "HS256"} {
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","kid":"` + kid + `","typ":"JWT"}`))
		forged := header + "." + parts[1] + "."
		if alg == "HS256" {
			forged += parts[2]
		}
		b := newBrowser(t, in.Issuer)
		resp, body := b.get(in.Issuer + "/oauth2/sessions/logout?" + url.Values{"id_token_hint": {forged},
			"post_logout_redirect_uri": {"https://rp.example/bye"}}.Encode())
		if resp.StatusCode != 400 || !strings.Contains(body, "id_token_hint") {
			t.Errorf("logout with an alg %s hint: %d %s", alg, resp.StatusCode, body)
		}
		resp, _ = b.get(in.Issuer + "/oauth2/auth?" + url.Values{"client_id": {id}, "redirect_uri": {testRedirect},
			"response_type": {"code"}, "scope": {"openid"}, "state": {"s-0123456789"}, "code_challenge": {strings.Repeat("a", 43)},
			"code_challenge_method": {"S256"}, "id_token_hint": {forged}}.Encode())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 303 && resp.StatusCode != 302 || loc == nil || loc.Query().Get("error") != "invalid_request" {
			t.Errorf("authorize with an alg %s hint: %d %s", alg, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// TestRotationIsPublishedByEveryNodeBeforeItSigns: two nodes on one
// database; a rotation on node 1 (the default, as sigil keys rotate sends
// it) is in node 1's JWKS at once and in node 2's within the key-refresh
// bound (keys.RefreshInterval, 5 s), and neither node signs with the new
// key before keys.ActivationDelay (15 s), so that every ID token either
// node signs meanwhile verifies against either node's key set. From the
// activation on both sign with it. Before, the rotating node signed with
// the new key at once, and its tokens failed against node 2's key set for
// up to 5 s.
func TestRotationIsPublishedByEveryNodeBeforeItSigns(t *testing.T) {
	n1, n2 := keysFleet(t)
	id, secret := n1.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	rotated := time.Now()
	kid := n1.rotateKeys(t, "?alg=RS256")
	if !slices.Contains(jwksKids(t, n1), kid) {
		t.Fatal("the new key is not in the rotating node's JWKS at once")
	}
	var activates time.Time
	for _, k := range n1.adminKeys(t) {
		if k.KID == kid {
			activates = k.ActivatesAt
		}
	}
	if d := activates.Sub(rotated); d < 14*time.Second || d > 16*time.Second {
		t.Fatalf("the new key activates %v after the rotation, want 15s", d)
	}
	published := false
	for time.Now().Before(activates.Add(-time.Second)) {
		for _, n := range []*instance{n1, n2} {
			raw, _ := idTokenFrom(t, n, id, secret)
			if jwtHeader(t, raw)["kid"] == kid {
				t.Fatalf("%s signed with the new key %v after the rotation, before its activation", n.Issuer, time.Since(rotated))
			}
			for _, other := range []*instance{n1, n2} {
				if err := verifyIDToken(t, n.Issuer, other, id, raw); err != nil {
					t.Fatalf("an ID token of %s against the key set of %s: %v", n.Issuer, other.Issuer, err)
				}
			}
		}
		if !published && slices.Contains(jwksKids(t, n2), kid) {
			published = true
			t.Logf("node 2 published the new key %v after the rotation", time.Since(rotated).Round(time.Millisecond))
		}
		if !published && time.Since(rotated) > 6*time.Second {
			t.Fatalf("node 2 does not publish the new key %s after %v (bound 5s)", kid, time.Since(rotated))
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(time.Until(activates.Add(time.Second)))
	for _, n := range []*instance{n1, n2} {
		raw, _ := idTokenFrom(t, n, id, secret)
		if jwtHeader(t, raw)["kid"] != kid {
			t.Fatalf("%s signs with %v after the new key activated, want %s", n.Issuer, jwtHeader(t, raw)["kid"], kid)
		}
	}
}

// TestImmediateRotationReachesOtherNodeWithinRefreshBound: a rotation with
// immediate (sigil keys rotate --now, for a key that must stop signing at
// once) signs at once on node 1, and node 2 publishes and signs with it
// within the key-refresh bound (keys.RefreshInterval, 5 s).
func TestImmediateRotationReachesOtherNodeWithinRefreshBound(t *testing.T) {
	n1, n2 := keysFleet(t)
	id, secret := n1.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	rotated := time.Now()
	kid := n1.rotateKeys(t, "?immediate=true")
	raw, _ := idTokenFrom(t, n1, id, secret)
	if jwtHeader(t, raw)["kid"] != kid {
		t.Fatalf("the rotating node's next ID token is signed by %v, want %s", jwtHeader(t, raw)["kid"], kid)
	}
	for !slices.Contains(jwksKids(t, n2), kid) {
		if time.Since(rotated) > 6*time.Second {
			t.Fatalf("node 2 does not publish the new key %s after %v (bound 5s)", kid, time.Since(rotated))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := verifyIDToken(t, n1.Issuer, n2, id, raw); err != nil {
		t.Fatalf("node 1's new ID token against node 2's key set: %v", err)
	}
	raw2, _ := idTokenFrom(t, n2, id, secret)
	if jwtHeader(t, raw2)["kid"] != kid {
		t.Fatalf("node 2 signs with %v after publishing the new key %s", jwtHeader(t, raw2)["kid"], kid)
	}
}

// TestScheduledRotationOneKeyPerPeriodAcrossNodes: two nodes with
// --key-rotation-interval 30s and --key-publish-ahead 15s on one database
// publish the next key of each algorithm 15 s before it signs, exactly one
// per algorithm although both nodes find it due, and sign with it from its
// activation on.
func TestScheduledRotationOneKeyPerPeriodAcrossNodes(t *testing.T) {
	n1, n2 := keysFleet(t, "--key-rotation-interval", "30s", "--key-publish-ahead", "15s")
	first := n1.adminKeys(t)
	if len(first) != 3 {
		t.Fatalf("%d keys at start, want 3", len(first))
	}
	latest := first[2].ActivatesAt
	// The next keys are due 15 s after the first activated; both nodes
	// look every 5 s.
	var next []adminKey
	deadline := latest.Add(15*time.Second + 8*time.Second)
	for {
		next = nil
		for _, k := range n2.adminKeys(t) {
			if k.State == "next" {
				next = append(next, k)
			}
		}
		if len(next) == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(next) != 3 {
		t.Fatalf("%d next keys by %v, want one per algorithm", len(next), deadline)
	}
	for _, k := range next {
		if lead := k.ActivatesAt.Sub(k.CreatedAt); lead < 15*time.Second {
			t.Errorf("%s next key published %v before it signs, want at least 15s", k.Alg, lead)
		}
		// Each node publishes it within its key refresh (5 s), long before
		// it signs (15 s).
		published := func() bool {
			return slices.Contains(jwksKids(t, n1), k.KID) && slices.Contains(jwksKids(t, n2), k.KID)
		}
		for end := time.Now().Add(7 * time.Second); !published() && time.Now().Before(end); {
			time.Sleep(250 * time.Millisecond)
		}
		if !published() {
			t.Errorf("%s next key not published by both nodes within the refresh bound", k.Alg)
		}
		if time.Now().After(k.ActivatesAt) {
			t.Errorf("%s next key activated at %v, before both nodes published it", k.Alg, k.ActivatesAt)
		}
	}
	// Another refresh round on both nodes: still one next key per algorithm.
	time.Sleep(6 * time.Second)
	if all := n1.adminKeys(t); len(all) != 6 {
		t.Fatalf("%d keys after the nodes raced for the next period, want 6", len(all))
	}
	// From its activation the next RS256 key signs, on either node.
	var rs adminKey
	for _, k := range next {
		if k.Alg == "RS256" {
			rs = k
		}
	}
	time.Sleep(time.Until(rs.ActivatesAt.Add(200 * time.Millisecond)))
	id, secret := n1.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	for i, n := range []*instance{n1, n2} {
		raw, _ := idTokenFrom(t, n, id, secret)
		if jwtHeader(t, raw)["kid"] != rs.KID {
			t.Errorf("node %d signs with %v after the scheduled activation, want %s", i+1, jwtHeader(t, raw)["kid"], rs.KID)
		}
	}
}

// keysFleet starts two nodes on one SQLite file (or one PostgreSQL database)
// with one system secret, both with extra arguments, and waits until both
// are ready.
func keysFleet(t *testing.T, extra ...string) (*instance, *instance) {
	t.Helper()
	return keysFleetOf(t, extra, extra)
}

// keysFleetOf is keysFleet with each node's own extra arguments; the first
// node is ready before the second starts.
func keysFleetOf(t *testing.T, extra1, extra2 []string) (*instance, *instance) {
	t.Helper()
	const systemSecret = "keys-fleet-system-secret-0123456789"
	n1 := newNode(t)
	n2 := *n1
	n2.DataDir = t.TempDir()
	dsn := filepath.Join(t.TempDir(), "fleet.db")
	if os.Getenv("SIGIL_TEST_STORE") == "postgres" {
		dsn = ""
	}
	for i, n := range []*instance{n1, &n2} {
		extra := [][]string{extra1, extra2}[i]
		args := append([]string{"--domains", writeRegistry(t, n), "--system-secret", systemSecret, "--shutdown-delay", "0"}, extra...)
		if dsn != "" {
			args = append(args, "--dsn", dsn)
		}
		launch(t, n, args)
		n.waitFor(t, "/health/ready")
		if dsn == "" {
			n2.DSN = n1.DSN
		}
	}
	return n1, &n2
}
