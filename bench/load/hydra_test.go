package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeHydra answers as Ory Hydra does in a code flow: authorize sends the
// browser to the login app with a challenge and a CSRF cookie, each admin
// accept answers a redirect_to back to authorize with a verifier, and the
// last hop is a 302 to the client with the code. Its handlers fail the test
// when the flow leaves that order, loses the cookie, or accepts the wrong
// challenge. Its admin API answers reads of the login and consent
// requests too, counting them in reads. badAt, when set, is the step that
// redirects somewhere unexpected ("consent") or the request read that
// says to skip the prompt ("skip").
func fakeHydra(t *testing.T, rp relyingParty, badAt string, reads *atomic.Int32) *httptest.Server {
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
	read := func(param, want string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			reads.Add(1)
			if r.URL.Query().Get(param) != want {
				t.Errorf("read %s=%q, want %q", param, r.URL.Query().Get(param), want)
			}
			json.NewEncoder(w).Encode(map[string]any{"challenge": want, "skip": badAt == "skip",
				"requested_scope": []string{"openid"}, "client": map[string]any{"client_id": rp.id}})
		}
	}
	mux.HandleFunc("GET /admin/oauth2/auth/requests/login", read("login_challenge", "lc-1"))
	mux.HandleFunc("GET /admin/oauth2/auth/requests/consent", read("consent_challenge", "cc-1"))
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestHydraFlow: the flow follows Hydra's redirects through both admin
// accepts, keeps the browser's cookies, and returns the code sent to the
// client; as an app that shows pages it reads the login and the consent
// request first, and as the least an app can do it reads neither.
func TestHydraFlow(t *testing.T) {
	rp := relyingParty{id: "bench-ref", secret: "s", redirect: "https://rp.example/bench/callback"}
	for _, read := range []bool{false, true} {
		var reads atomic.Int32
		srv := fakeHydra(t, rp, "", &reads)
		tg := newTarget("", "", "", nil, "", 4)
		g, err := tg.newBrowser().hydraFlow(rp, srv.URL+"/oauth2/auth", srv.URL, []string{"openid"}, read)
		if err != nil {
			t.Fatal(err)
		}
		if g.code != "the-code" || g.verifier == "" || g.rp != rp {
			t.Errorf("grant = %+v, want the code and a PKCE verifier for rp", g)
		}
		if want := map[bool]int32{false: 0, true: 2}[read]; reads.Load() != want {
			t.Errorf("read %v: %d reads of the login and consent requests, want %d", read, reads.Load(), want)
		}
	}
}

// TestHydraFlowUnexpectedRedirect: a redirect that is neither the login
// app, the consent app nor the client is an error naming it, not a loop or
// a code; so is a login request that says to skip the prompt, which a new
// browser's never does.
func TestHydraFlowUnexpectedRedirect(t *testing.T) {
	rp := relyingParty{id: "bench-ref", secret: "s", redirect: "https://rp.example/bench/callback"}
	var reads atomic.Int32
	srv := fakeHydra(t, rp, "consent", &reads)
	tg := newTarget("", "", "", nil, "", 4)
	_, err := tg.newBrowser().hydraFlow(rp, srv.URL+"/oauth2/auth", srv.URL, []string{"openid"}, false)
	if err == nil || !strings.Contains(err.Error(), "error=server_error") {
		t.Fatalf("err = %v, want one naming the unexpected redirect", err)
	}
	srv = fakeHydra(t, rp, "skip", &reads)
	_, err = tg.newBrowser().hydraFlow(rp, srv.URL+"/oauth2/auth", srv.URL, []string{"openid"}, true)
	if err == nil || !strings.Contains(err.Error(), "skip true") {
		t.Fatalf("err = %v, want one saying the request said to skip", err)
	}
}
