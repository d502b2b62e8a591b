package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// TestKeysRoutes: GET /admin/keys and POST /admin/keys/rotate on a real
// key set over SQLite, each bad request a catalogue error that stores
// nothing.
func TestKeysRoutes(t *testing.T) {
	ctx := context.Background()
	st := migratedSQLite(t)
	set, err := keys.Load(ctx, st, []byte("admin-keys-test-system-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{h: NewHandler(st, HashToken(testToken), nil, nil, WithKeys(set))}
	list := func() KeysJSON {
		t.Helper()
		rec := f.do(t, "GET", "/admin/keys", "")
		var out KeysJSON
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			t.Fatalf("GET /admin/keys: %d %s", rec.Code, rec.Body)
		}
		return out
	}
	before := list()
	if len(before.Keys) != 3 || before.RotationInterval != "0s" || before.Retention == "" {
		t.Fatalf("GET /admin/keys = %+v", before)
	}

	for _, tc := range []struct{ name, path, body string }{
		{"alg none", "/admin/keys/rotate?alg=none", ""},
		{"alg HS256 in the body", "/admin/keys/rotate", `{"alg":"HS256"}`},
		{"unknown field", "/admin/keys/rotate", `{"algorithm":"ES256"}`},
		{"not JSON", "/admin/keys/rotate", `alg=ES256`},
		{"query and body differ", "/admin/keys/rotate?alg=RS256", `{"alg":"ES256"}`},
		{"immediate neither true nor false", "/admin/keys/rotate?immediate=yes", ""},
		{"immediate in the query and the body differ", "/admin/keys/rotate?immediate=false", `{"immediate":true}`},
		{"immediate twice", "/admin/keys/rotate?immediate=false&immediate=true", ""},
		{"alg twice", "/admin/keys/rotate?alg=RS256&alg=ES256", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, f.do(t, "POST", tc.path, tc.body), oautherr.ErrInvalidRequest)
		})
	}
	if n := len(list().Keys); n != 3 {
		t.Fatalf("refused rotations stored keys: %d", n)
	}
	// An unknown alg says how to rotate them all: by leaving alg out, not
	// by "none", which is itself refused above.
	wantError(t, f.do(t, "POST", "/admin/keys/rotate?alg=RSA", ""), oautherr.ErrInvalidRequest,
		"leave alg out (sigil keys rotate without --alg) to rotate every algorithm")
	rec := f.doWith(t, "POST", "/admin/keys/rotate", "", nil)
	wantError(t, rec, oautherr.ErrRequestUnauthorized)

	// By default the new key is published at once and signs
	// keys.ActivationDelay later, when every node publishes it.
	oldES := set.SigningKeyID(keys.ES256)
	rec = f.do(t, "POST", "/admin/keys/rotate?alg=ES256", "")
	var out RotateJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(out.Keys) != 1 || out.Keys[0].State != keys.StateNext ||
		out.Keys[0].ActivatesAt.Sub(out.Keys[0].CreatedAt) != keys.ActivationDelay {
		t.Fatalf("rotate ES256: %d %s, want a next key activating %s after its creation", rec.Code, rec.Body, keys.ActivationDelay)
	}
	if jwks := set.PublicJWKS(); set.SigningKeyID(keys.ES256) != oldES || len(jwks.Key(out.KID)) != 1 {
		t.Fatal("the rotated key signs at once, or is not published")
	}

	// immediate: signing at once, the old key retired.
	rec = f.do(t, "POST", "/admin/keys/rotate", `{"alg":"EdDSA","immediate":true}`)
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(out.Keys) != 1 ||
		out.KID != out.Keys[0].KID || out.Keys[0].Alg != "EdDSA" || out.Keys[0].State != keys.StateActive {
		t.Fatalf("rotate EdDSA: %d %s", rec.Code, rec.Body)
	}
	if set.SigningKeyID(keys.EdDSA) != out.KID {
		t.Fatal("the key rotated with immediate does not sign at once")
	}
	after := list()
	if len(after.Keys) != 5 || after.Keys[2].State != keys.StateRetired || after.Keys[2].RetiresAt == nil || after.Keys[2].ExpiresAt == nil {
		t.Fatalf("keys after rotation = %+v", after.Keys)
	}

	rec = f.do(t, "POST", "/admin/keys/rotate", "")
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(out.Keys) != 3 || out.Keys[0].Alg != "RS256" || out.KID != out.Keys[0].KID {
		t.Fatalf("rotate all: %d %s", rec.Code, rec.Body)
	}
}

// conflictingKeys is a key store whose every new key loses to another
// node's, as when many rotations run at once.
type conflictingKeys struct {
	keys.KeyStore
	conflict bool
}

func (c *conflictingKeys) CreateSigningKey(ctx context.Context, k sigil.SigningKey) error {
	if c.conflict {
		return fmt.Errorf("generation %d taken: %w", k.Generation, sigil.ErrConflict)
	}
	return c.KeyStore.CreateSigningKey(ctx, k)
}

// TestRotateUnderContention: a rotation that loses every attempt to other
// rotations is 503 temporarily_unavailable (try again), not a 500.
func TestRotateUnderContention(t *testing.T) {
	ctx := context.Background()
	st := migratedSQLite(t)
	ks := &conflictingKeys{KeyStore: st}
	set, err := keys.Load(ctx, ks, []byte("admin-keys-test-system-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	ks.conflict = true
	f := &fixture{h: NewHandler(st, HashToken(testToken), nil, nil, WithKeys(set))}
	wantError(t, f.do(t, "POST", "/admin/keys/rotate?alg=RS256", ""), oautherr.ErrTemporarilyUnavailable, "try again")
}
