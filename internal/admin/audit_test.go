package admin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/audit/audittest"
	"github.com/sigil-oidc/sigil/internal/keys"
)

// TestAuditEvents: every admin action on a real SQLite store emits its
// audit event once, with the documented attributes and without the
// secret it issued, and a request with a wrong admin token emits
// admin_auth_failed.
func TestAuditEvents(t *testing.T) {
	ctx := context.Background()
	st := migratedSQLite(t)
	set, err := keys.Load(ctx, st, []byte("admin-audit-test-system-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	log, rec := audittest.NewLogger()
	f := &fixture{h: NewHandler(st, HashToken(testToken), log, nil, WithKeys(set), WithSessions(nil))}
	counted := func(action string) float64 {
		return audittest.Counter(t, "sigil_admin_actions_total", "action", action)
	}
	before := map[string]float64{}
	for _, a := range audit.AdminActions {
		before[a] = counted(a)
	}
	must := func(r interface{ Result() *http.Response }, want int, what string) {
		t.Helper()
		if got := r.Result().StatusCode; got != want {
			t.Fatalf("%s: status %d, want %d", what, got, want)
		}
	}

	created := f.do(t, "POST", "/admin/clients", `{"client_id":"audited","redirect_uris":["https://a.example/cb"],"scope":"openid"}`)
	must(created, http.StatusCreated, "create")
	secret := decodeMetadata(t, created).ClientSecret
	rec.One(t, audit.ClientCreated, map[string]any{"client_id": "audited", "auth_method": "client_secret_basic"})

	must(f.do(t, "PUT", "/admin/clients/audited", `{"redirect_uris":["https://b.example/cb"],"scope":"openid","token_endpoint_auth_method":"client_secret_post"}`), http.StatusOK, "replace")
	rec.One(t, audit.ClientUpdated, map[string]any{"client_id": "audited", "auth_method": "client_secret_post", "secret_issued": false})

	rotated := f.do(t, "POST", "/admin/clients/audited/secret", "")
	must(rotated, http.StatusOK, "rotate secret")
	newSecret := decodeMetadata(t, rotated).ClientSecret
	rec.One(t, audit.ClientSecretRotated, map[string]any{"client_id": "audited"})

	rotatedKeys := f.do(t, "POST", "/admin/keys/rotate?alg=ES256", "")
	must(rotatedKeys, http.StatusOK, "rotate keys")
	line := rec.One(t, audit.KeyRotated, map[string]any{"alg": "ES256"})
	if kid, _ := line.Attrs["kid"].(string); kid == "" || !strings.Contains(rotatedKeys.Body.String(), kid) {
		t.Errorf("key_rotated kid %q is not the rotated key (%s)", kid, rotatedKeys.Body)
	}

	now := time.Now()
	for _, sid := range []string{"sid-1", "sid-2", "sid-3"} {
		if err := st.CreateSession(ctx, sigil.Session{ID: sid, Subject: "alice.crypto", Address: "0x0000000000000000000000000000000000000001",
			AuthTime: now, ExpiresAt: now.Add(time.Hour), Clients: []string{"audited"}}); err != nil {
			t.Fatal(err)
		}
	}
	must(f.do(t, "DELETE", "/admin/sessions/sid-1", ""), http.StatusNoContent, "end one session")
	rec.One(t, audit.SessionEnded, map[string]any{"sid": "sid-1", "subject": "alice.crypto"})
	must(f.do(t, "DELETE", "/admin/subjects/alice.crypto/sessions", ""), http.StatusNoContent, "end sessions")
	rec.One(t, audit.SessionsEnded, map[string]any{"subject": "alice.crypto", "count": 2})

	if err := st.SaveConsent(ctx, sigil.Consent{Subject: "alice.crypto", ClientID: "audited", Scope: sigil.ParseScopes("openid"), GrantedAt: now}); err != nil {
		t.Fatal(err)
	}
	must(f.do(t, "DELETE", "/admin/subjects/alice.crypto/consents/audited", ""), http.StatusNoContent, "revoke consent")
	rec.One(t, audit.ConsentRevoked, map[string]any{"subject": "alice.crypto", "client_id": "audited"})

	must(f.do(t, "DELETE", "/admin/clients/audited", ""), http.StatusNoContent, "delete")
	rec.One(t, audit.ClientDeleted, map[string]any{"client_id": "audited"})

	for _, a := range audit.AdminActions {
		if got := counted(a); got != before[a]+1 {
			t.Errorf("sigil_admin_actions_total{action=%q} rose by %v, want 1", a, got-before[a])
		}
	}
	// A refused request is no action, and no line shows a secret.
	must(f.doWith(t, "DELETE", "/admin/clients/other", "", map[string]string{"Authorization": "Bearer wrong"}), http.StatusUnauthorized, "wrong token")
	rec.One(t, audit.AdminAuthFailed, map[string]any{"reason": "wrong", "method": "DELETE", "path": "/admin/clients/other", "key": "192.0.2.1"})
	for _, a := range audit.AdminActions {
		for _, l := range rec.Events(a) {
			for k, v := range l.Attrs {
				if s, _ := v.(string); s != "" && (s == secret || s == newSecret || s == testToken) {
					t.Errorf("%s line carries a secret in %s", a, k)
				}
			}
		}
	}
}
