package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func post(t *testing.T, srv *httptest.Server, path, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s: answer is not JSON: %v: %s", path, err, body)
	}
	return resp.StatusCode, out
}

// TestCeilingTokenAndIntrospection: the ceiling answers the two requests
// bench/load sends (client_credentials with client_secret_basic, and
// introspection of the token) as a real server would on success.
func TestCeilingTokenAndIntrospection(t *testing.T) {
	srv := httptest.NewServer(handler("c1", "s1"))
	defer srv.Close()
	status, tok := post(t, srv, "/token", "c1", "s1", url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}})
	if status != 200 || tok["access_token"] == "" || tok["token_type"] != "Bearer" {
		t.Fatalf("token: %d %v", status, tok)
	}
	status, in := post(t, srv, "/introspect", "c1", "s1", url.Values{"token": {tok["access_token"].(string)}})
	if status != 200 || in["active"] != true {
		t.Fatalf("introspect: %d %v", status, in)
	}
}

// TestCeilingRefusesWhatARealServerRefuses: the ceiling does the checks
// every token endpoint does before any grant logic, so its rate is that of
// real work, not of an open door.
func TestCeilingRefusesWhatARealServerRefuses(t *testing.T) {
	srv := httptest.NewServer(handler("c1", "s1"))
	defer srv.Close()
	cases := []struct {
		name, path, id, secret string
		form                   url.Values
		status                 int
		errCode                string
	}{
		{"wrong secret", "/token", "c1", "nope", url.Values{"grant_type": {"client_credentials"}}, 401, "invalid_client"},
		{"no credentials", "/token", "", "", url.Values{"grant_type": {"client_credentials"}}, 401, "invalid_client"},
		{"other client", "/token", "c2", "s1", url.Values{"grant_type": {"client_credentials"}}, 401, "invalid_client"},
		{"other grant", "/token", "c1", "s1", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"introspect without token", "/introspect", "c1", "s1", url.Values{}, 400, "invalid_request"},
		{"introspect wrong secret", "/introspect", "c1", "x", url.Values{"token": {"t"}}, 401, "invalid_client"},
	}
	for _, c := range cases {
		status, out := post(t, srv, c.path, c.id, c.secret, c.form)
		if status != c.status || out["error"] != c.errCode {
			t.Errorf("%s: %d %v, want %d %s", c.name, status, out, c.status, c.errCode)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: %d, want 405", resp.StatusCode)
	}
}
