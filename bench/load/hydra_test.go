package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeHydra answers as Ory Hydra does in a code flow: authorize sends the
// browser to the login app with a challenge and a CSRF cookie, each admin
// accept answers a redirect_to back to authorize with a verifier, and the
// last hop is a 302 to the client with the code. Its handlers fail the test
// when the flow leaves that order, loses the cookie, or accepts the wrong
// challenge. badAt, when set, is the step that redirects somewhere
// unexpected.
func fakeHydra(t *testing.T, rp relyingParty, badAt string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Has("consent_verifier"):
			if c, err := r.Cookie("consent_csrf"); err != nil || c.Value != "c2" {
				t.Errorf("consent verifier without the consent CSRF cookie: %v", err)
			}
			http.Redirect(w, r, rp.redirect+"?code=the-code&state=s", http.StatusFound)
		case q.Has("login_verifier"):
			if c, err := r.Cookie("login_csrf"); err != nil || c.Value != "c1" {
				t.Errorf("login verifier without the login CSRF cookie: %v", err)
			}
			http.SetCookie(w, &http.Cookie{Name: "consent_csrf", Value: "c2", Path: "/"})
			to := "http://127.0.0.1:9/consent?consent_challenge=cc-1"
			if badAt == "consent" {
				to = "http://127.0.0.1:9/error?error=server_error"
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
		default:
			if q.Get("client_id") != rp.id || q.Get("redirect_uri") != rp.redirect || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" {
				t.Errorf("authorization request lacks what Sigil's flows send: %s", r.URL.RawQuery)
			}
			http.SetCookie(w, &http.Cookie{Name: "login_csrf", Value: "c1", Path: "/"})
			http.Redirect(w, r, "http://127.0.0.1:9/login?login_challenge=lc-1", http.StatusSeeOther)
		}
	})
	accept := func(param, want, verifier string, body func(map[string]any) bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var in map[string]any
			if r.URL.Query().Get(param) != want || json.NewDecoder(r.Body).Decode(&in) != nil || !body(in) {
				t.Errorf("accept %s=%q with %v", param, r.URL.Query().Get(param), in)
				http.Error(w, "bad accept", http.StatusBadRequest)
				return
			}
			json.NewEncoder(w).Encode(map[string]string{"redirect_to": srv.URL + "/oauth2/auth?client_id=" + rp.id + "&" + verifier + "=v"})
		}
	}
	mux.HandleFunc("PUT /admin/oauth2/auth/requests/login/accept", accept("login_challenge", "lc-1", "login_verifier",
		func(in map[string]any) bool { return in["subject"] != "" }))
	mux.HandleFunc("PUT /admin/oauth2/auth/requests/consent/accept", accept("consent_challenge", "cc-1", "consent_verifier",
		func(in map[string]any) bool {
			s, _ := in["grant_scope"].([]any)
			return len(s) == 1 && s[0] == "openid"
		}))
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestHydraFlow: the flow follows Hydra's redirects through both admin
// accepts, keeps the browser's cookies, and returns the code sent to the
// client.
func TestHydraFlow(t *testing.T) {
	rp := relyingParty{id: "bench-ref", secret: "s", redirect: "https://rp.example/bench/callback"}
	srv := fakeHydra(t, rp, "")
	tg := newTarget("", "", "", nil, "", 4)
	g, err := tg.newBrowser().hydraFlow(rp, srv.URL+"/oauth2/auth", srv.URL, []string{"openid"})
	if err != nil {
		t.Fatal(err)
	}
	if g.code != "the-code" || g.verifier == "" || g.rp != rp {
		t.Errorf("grant = %+v, want the code and a PKCE verifier for rp", g)
	}
}

// TestHydraFlowUnexpectedRedirect: a redirect that is neither the login
// app, the consent app nor the client is an error naming it, not a loop or
// a code.
func TestHydraFlowUnexpectedRedirect(t *testing.T) {
	rp := relyingParty{id: "bench-ref", secret: "s", redirect: "https://rp.example/bench/callback"}
	srv := fakeHydra(t, rp, "consent")
	tg := newTarget("", "", "", nil, "", 4)
	_, err := tg.newBrowser().hydraFlow(rp, srv.URL+"/oauth2/auth", srv.URL, []string{"openid"})
	if err == nil || !strings.Contains(err.Error(), "error=server_error") {
		t.Fatalf("err = %v, want one naming the unexpected redirect", err)
	}
}
