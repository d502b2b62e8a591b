package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// owners is a fake sigil.DomainResolver: a map of domain to owner that a
// test changes, or an outage.
type owners struct {
	mu     sync.Mutex
	owner  map[string]string
	outage bool
}

func (o *owners) Resolve(_ context.Context, name string) (sigil.Domain, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.outage {
		return sigil.Domain{}, fmt.Errorf("fake: %w", sigil.ErrResolverUnavailable)
	}
	owner, ok := o.owner[name]
	if !ok {
		return sigil.Domain{}, fmt.Errorf("fake: %w", sigil.ErrDomainNotFound)
	}
	return sigil.Domain{Name: name, Owner: owner}, nil
}

func (o *owners) set(name, owner string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if owner == "" {
		delete(o.owner, name)
	} else {
		o.owner[name] = owner
	}
}

// revokingStore is tokenStore with clients of a given subject_type and a
// RevokeToken that removes the token, as the store's revocation does.
type revokingStore struct {
	*tokenStore
	clients map[string]*sigil.Client
	revoked []string
}

func (s *revokingStore) GetClient(_ context.Context, id string) (*sigil.Client, error) {
	if c, ok := s.clients[id]; ok {
		return c, nil
	}
	return &sigil.Client{ID: id}, nil
}

func (s *revokingStore) RevokeToken(_ context.Context, hash []byte, clientID string) error {
	if a, ok := s.tokens[string(hash)]; ok && a.ClientID == clientID {
		delete(s.tokens, string(hash))
		s.revoked = append(s.revoked, a.ID)
	}
	return nil
}

const (
	aliceAddr = "0x00000000000000000000000000000000000A11CE"
	bobAddr   = "0x0000000000000000000000000000000000000B0B"
)

// ownerFixture serves userinfo for one token of alice.crypto held by
// aliceAddr, issued to client.
func ownerFixture(t *testing.T, client *sigil.Client) (*Endpoints, *revokingStore, *owners, func() (int, string, http.Header)) {
	t.Helper()
	keys, err := secret.Derive([]byte("owner-test-system-secret-0123456789ab"))
	if err != nil {
		t.Fatal(err)
	}
	a := &sigil.Authorization{ID: "flow1", ClientID: client.ID, Subject: "alice.crypto", Address: aliceAddr,
		GrantedScope: sigil.Scopes{"openid", "wallet"}, Message: "m", Signature: "0x51", State: sigil.StateExchanged}
	st := &revokingStore{tokenStore: &tokenStore{tokens: map[string]*sigil.Authorization{
		string(keys.HashToken("sigil_at_alice")): a,
	}}, clients: map[string]*sigil.Client{client.ID: client}}
	r := &owners{owner: map[string]string{"alice.crypto": aliceAddr}}
	e := &Endpoints{Issuer: "https://id.example", Store: st, Secrets: keys, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Unix(1_800_000_000, 0) }, Domains: r}
	get := func() (int, string, http.Header) {
		req := httptest.NewRequest("GET", "/userinfo", nil)
		req.Header.Set("Authorization", "Bearer sigil_at_alice")
		w := httptest.NewRecorder()
		e.ServeUserinfo(w, req)
		body, _ := io.ReadAll(w.Result().Body)
		return w.Code, string(body), w.Result().Header
	}
	return e, st, r, get
}

// TestUserinfoOwnerChanged: once the domain is held by another wallet,
// userinfo answers 401 invalid_token with error="invalid_token" in
// WWW-Authenticate, revokes the grant, and drops the kept answer; the
// grant stays refused when the domain comes back to the first wallet.
func TestUserinfoOwnerChanged(t *testing.T) {
	for _, newOwner := range []string{bobAddr, ""} {
		t.Run("new owner "+newOwner, func(t *testing.T) {
			e, st, r, get := ownerFixture(t, &sigil.Client{ID: "rp"})
			if code, body, _ := get(); code != http.StatusOK {
				t.Fatalf("before the transfer: %d %s", code, body)
			}
			r.set("alice.crypto", newOwner)
			code, body, h := get()
			if code != http.StatusUnauthorized || !strings.Contains(body, `"invalid_token"`) ||
				!strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Fatalf("after the transfer: %d %s %v, want 401 invalid_token", code, body, h)
			}
			if len(st.revoked) != 1 || st.revoked[0] != "flow1" {
				t.Errorf("revoked %v, want the grant flow1", st.revoked)
			}
			if _, ok := e.userinfoCache().Get("flow1", e.Now()); ok {
				t.Error("the kept answer of the revoked grant is still cached")
			}
			r.set("alice.crypto", aliceAddr)
			if code, _, _ := get(); code != http.StatusUnauthorized {
				t.Errorf("after the domain came back: %d, want 401 (the grant stays revoked)", code)
			}
		})
	}
}

// TestUserinfoOutageServes: with the chain unreadable userinfo still
// answers and revokes nothing: an outage is not a change of owner.
func TestUserinfoOutageServes(t *testing.T) {
	_, st, r, get := ownerFixture(t, &sigil.Client{ID: "rp"})
	r.outage = true
	if code, body, _ := get(); code != http.StatusOK {
		t.Fatalf("during an outage: %d %s, want 200", code, body)
	}
	if len(st.revoked) != 0 {
		t.Errorf("an outage revoked %v", st.revoked)
	}
}

// TestUserinfoPairwiseSubject: a pairwise client gets the pairwise sub,
// not the domain; and a client whose subject_type changes is answered in
// its new subject space at once, although the answer is kept.
func TestUserinfoPairwiseSubject(t *testing.T) {
	client := &sigil.Client{ID: "rp", SubjectType: sigil.SubjectPairwise}
	e, _, _, get := ownerFixture(t, client)
	want := e.Secrets.PairwiseSubject("rp", "alice.crypto", aliceAddr)
	sub := func() string {
		t.Helper()
		code, body, _ := get()
		var c map[string]any
		if err := json.Unmarshal([]byte(body), &c); code != http.StatusOK || err != nil {
			t.Fatalf("userinfo: %d %s", code, body)
		}
		return c["sub"].(string)
	}
	if got := sub(); got != want {
		t.Fatalf("pairwise sub = %q, want %q", got, want)
	}
	if got := sub(); got != want {
		t.Fatalf("pairwise sub from the kept answer = %q, want %q", got, want)
	}
	client.SubjectType = sigil.SubjectPublic
	if got := sub(); got != "alice.crypto" {
		t.Fatalf("after the client became public: sub = %q, want alice.crypto", got)
	}
}

// TestSubject: public and unset subject types answer the domain; pairwise
// answers the keyed identifier, which differs per client and per owner.
func TestSubject(t *testing.T) {
	keys, err := secret.Derive([]byte("subject-test-system-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*sigil.Client{nil, {ID: "a"}, {ID: "a", SubjectType: sigil.SubjectPublic}} {
		if got := Subject(keys, c, "alice.crypto", aliceAddr); got != "alice.crypto" {
			t.Errorf("Subject for %+v = %q, want the domain", c, got)
		}
	}
	p := &sigil.Client{ID: "a", SubjectType: sigil.SubjectPairwise}
	sub := Subject(keys, p, "alice.crypto", aliceAddr)
	if sub == "alice.crypto" || sub != keys.PairwiseSubject("a", "alice.crypto", aliceAddr) {
		t.Errorf("pairwise Subject = %q", sub)
	}
	if Subject(keys, p, "alice.crypto", bobAddr) == sub {
		t.Error("a new owner of the domain got the old owner's pairwise sub")
	}
	if Subject(keys, &sigil.Client{ID: "b", SubjectType: sigil.SubjectPairwise}, "alice.crypto", aliceAddr) == sub {
		t.Error("two pairwise clients got the same sub")
	}
}

// BenchmarkUserinfoOwnerChecked is a userinfo call with the ownership
// check, the answer kept, for comparison with the one before the check.
func BenchmarkUserinfoOwnerChecked(b *testing.B) {
	keys, _ := secret.Derive([]byte("owner-bench-system-secret-0123456789a"))
	a := &sigil.Authorization{ID: "flow1", ClientID: "rp", Subject: "alice.crypto", Address: aliceAddr,
		GrantedScope: sigil.Scopes{"openid", "wallet"}, Message: "m", Signature: "0x51", State: sigil.StateExchanged}
	st := &revokingStore{tokenStore: &tokenStore{tokens: map[string]*sigil.Authorization{string(keys.HashToken("sigil_at_alice")): a}}}
	e := &Endpoints{Issuer: "https://id.example", Store: st, Secrets: keys, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		Domains: &owners{owner: map[string]string{"alice.crypto": aliceAddr}}}
	req := httptest.NewRequest("GET", "/userinfo", nil)
	req.Header.Set("Authorization", "Bearer sigil_at_alice")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.ServeUserinfo(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
