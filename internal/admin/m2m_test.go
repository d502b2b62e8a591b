package admin

import (
	"net/http"
	"slices"
	"testing"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// TestClientCredentialsRegistration registers the clients of the client
// credentials grant (RFC 6749 section 4.4): with only that grant no
// redirect URI or response type is needed and the scope need not (and
// must not) hold openid; with the code flow too, the code flow's rules
// stay.
func TestClientCredentialsRegistration(t *testing.T) {
	cases := []struct {
		name                 string
		body                 string
		grants, responses    []string
		redirects            int
		scope                string
		secret, machineScope bool
	}{
		{"explicit empty lists", `{"grant_types":["client_credentials"],"redirect_uris":[],"response_types":[],"scope":"orders:read orders:write"}`,
			[]string{"client_credentials"}, []string{}, 0, "orders:read orders:write", true, true},
		{"lists omitted, no scope", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"}`,
			[]string{"client_credentials"}, []string{}, 0, "", true, true},
		{"duplicates dropped", `{"grant_types":["client_credentials","client_credentials"],"redirect_uris":null}`,
			[]string{"client_credentials"}, []string{}, 0, "", true, true},
		{"with the code flow", `{"grant_types":["client_credentials","refresh_token","authorization_code"],"redirect_uris":["https://app.example.com/cb"]}`,
			[]string{"authorization_code", "refresh_token", "client_credentials"}, []string{"code"}, 1, DefaultScope, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.do(t, "POST", "/admin/clients", c.body)
			if rec.Code != http.StatusCreated {
				t.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
			m := decodeMetadata(t, rec)
			if !slices.Equal(m.GrantTypes, c.grants) || !slices.Equal(m.ResponseTypes, c.responses) || len(m.RedirectURIs) != c.redirects || m.Scope != c.scope {
				t.Fatalf("metadata %+v", m)
			}
			if m.RedirectURIs == nil || m.ResponseTypes == nil {
				t.Errorf("redirect_uris or response_types is null, want a JSON array: %s", rec.Body)
			}
			if (m.ClientSecret != "") != c.secret {
				t.Errorf("client_secret issued = %v, want %v", m.ClientSecret != "", c.secret)
			}
			stored := f.store.clients[m.ClientID]
			if stored == nil || stored.Public() || !slices.Contains(stored.GrantTypes, "client_credentials") {
				t.Fatalf("stored %+v", stored)
			}
			if c.machineScope && stored.Scope.Has("openid") {
				t.Errorf("a client_credentials-only client got openid: %v", stored.Scope)
			}
		})
	}
}

// TestClientCredentialsReplace checks that PUT applies the same rules: a
// code client can become a client_credentials-only one by dropping its
// redirect URIs, and a client_credentials client cannot become public.
func TestClientCredentialsReplace(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, "POST", "/admin/clients", `{"client_id":"svc-one","redirect_uris":["https://a.example/cb"]}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	hash := f.store.clients["svc-one"].SecretHash
	rec = f.do(t, "PUT", "/admin/clients/svc-one", `{"grant_types":["client_credentials"],"scope":"reports"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("replace: %d %s", rec.Code, rec.Body)
	}
	stored := f.store.clients["svc-one"]
	if !slices.Equal(stored.GrantTypes, []string{"client_credentials"}) || len(stored.RedirectURIs) != 0 ||
		len(stored.ResponseTypes) != 0 || stored.Scope.String() != "reports" || string(stored.SecretHash) != string(hash) {
		t.Fatalf("replaced client %+v", stored)
	}
	rec = f.do(t, "PUT", "/admin/clients/svc-one", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}`)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("replace with none: %d %s", rec.Code, rec.Body)
	}
	if got := f.store.clients["svc-one"]; got.TokenEndpointAuthMethod != sigil.AuthMethodClientSecretBasic {
		t.Fatalf("a refused replace changed the client: %+v", got)
	}
}

// TestAdminIntrospectionRoute checks that /admin/oauth2/introspect reaches
// the introspection handler only with the admin token, and is absent when
// the server gives none.
func TestAdminIntrospectionRoute(t *testing.T) {
	called := 0
	introspect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called++
		w.WriteHeader(http.StatusOK)
	})
	f := &fixture{h: NewHandler(newFakeStore(), HashToken(testToken), nil, introspect)}
	for name, headers := range map[string]map[string]string{
		"no token":    {},
		"wrong token": {"Authorization": "Bearer wrong-token-0123456789"},
		"basic":       {"Authorization": "Basic " + testToken},
	} {
		rec := f.doWith(t, "POST", "/admin/oauth2/introspect", "", headers)
		if rec.Code != http.StatusUnauthorized || called != 0 {
			t.Fatalf("%s: %d, handler called %d times", name, rec.Code, called)
		}
	}
	if rec := f.do(t, "POST", "/admin/oauth2/introspect", ""); rec.Code != http.StatusOK || called != 1 {
		t.Fatalf("with the admin token: %d, handler called %d times", rec.Code, called)
	}
	// Another method is invalid_request naming the one to use, as on the
	// public listener.
	rec := f.do(t, "GET", "/admin/oauth2/introspect", "")
	if called != 1 || rec.Header().Get("Allow") != "POST" {
		t.Fatalf("GET: %d, Allow %q, handler called %d times", rec.Code, rec.Header().Get("Allow"), called)
	}
	wantError(t, rec, oautherr.ErrInvalidRequest, "Method GET is not allowed on /admin/oauth2/introspect; use POST.")
	without := newFixture(t)
	if rec := without.do(t, "POST", "/admin/oauth2/introspect", ""); rec.Code != http.StatusNotFound {
		t.Fatalf("without an introspection handler: %d", rec.Code)
	}
}
