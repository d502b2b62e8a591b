package ratelimit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/oautherr"
)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in    string
		rate  float64
		burst int
	}{
		{"20/s", 20, 20},
		{"20/s:200", 20, 200},
		{"120/m", 2, 120},
		{"3600/h:10", 1, 10},
		{"0.5/s", 0.5, 1},
		{"off", 0, 0},
		{"0", 0, 0},
	} {
		l, err := ParseLimit(tc.in)
		if err != nil || float64(l.Rate) != tc.rate || l.Burst != tc.burst {
			t.Errorf("ParseLimit(%q) = %v/s burst %d, %v; want %v/s burst %d", tc.in, float64(l.Rate), l.Burst, err, tc.rate, tc.burst)
		}
	}
	for _, bad := range []string{"", "20", "20/d", "-1/s", "x/s", "20/s:", "20/s:0", "20/s:x", "NaN/s", "Inf/s"} {
		if _, err := ParseLimit(bad); err == nil {
			t.Errorf("ParseLimit(%q) accepted", bad)
		}
	}
}

func TestTableAllowRefillsAndBounds(t *testing.T) {
	tb := NewTable(MustParseLimit("2/s:3"), 4)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := tb.Allow("a", now); !ok {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	ok, wait := tb.Allow("a", now)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("fourth request: %v, wait %v; want refused, 500ms", ok, wait)
	}
	if ok, _ := tb.Allow("b", now); !ok {
		t.Fatal("another key was refused")
	}
	if ok, _ := tb.Allow("a", now.Add(500*time.Millisecond)); !ok {
		t.Fatal("refused after a token came back")
	}
	for i := range 100 {
		tb.Allow(fmt.Sprintf("k%d", i), now)
	}
	if n := tb.Len(); n > 4 {
		t.Errorf("table holds %d keys, want at most 4", n)
	}
	var off *Table = NewTable(Limit{}, 10)
	if ok, _ := off.Allow("x", now); !ok || off != nil {
		t.Error("an off limit refused or built a table")
	}
}

func TestTableReadySpend(t *testing.T) {
	tb := NewTable(MustParseLimit("1/s:2"), 10)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if ok, _ := tb.Ready("c", now); !ok || tb.Len() != 0 {
		t.Fatal("Ready refused an unseen key or created a bucket for it")
	}
	tb.Spend("c", now)
	tb.Spend("c", now)
	tb.Spend("c", now) // into debt: 3 requests passed Ready together
	ok, wait := tb.Ready("c", now)
	if ok || wait != 2*time.Second {
		t.Fatalf("after 3 spends of a 2-burst: ready %v, wait %v; want false, 2s", ok, wait)
	}
}

func TestClientIP(t *testing.T) {
	trusted, err := ParseTrustedProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.5:1234", nil, "203.0.113.5"},
		// An untrusted peer's header is ignored.
		{"203.0.113.5:1234", []string{"198.51.100.1"}, "203.0.113.5"},
		// Through a trusted proxy: the nearest untrusted hop; what the
		// client wrote to the left is ignored.
		{"127.0.0.1:1", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"127.0.0.1:1", []string{"6.6.6.6", "198.51.100.7, 10.1.2.3"}, "198.51.100.7"},
		{"127.0.0.1:1", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		// Garbage from a trusted hop's client: the last good hop.
		{"127.0.0.1:1", []string{"nonsense"}, "127.0.0.1"},
		{"127.0.0.1:1", nil, "127.0.0.1"},
		{"[::ffff:127.0.0.1]:1", []string{"198.51.100.9"}, "198.51.100.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		got, ok := ClientIP(r, trusted)
		if !ok || got.String() != tc.want {
			t.Errorf("ClientIP(%s, %q) = %v, %v; want %s", tc.remote, tc.xff, got, ok, tc.want)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8, nope"); err == nil {
		t.Error("ParseTrustedProxies accepted 'nope'")
	}
}

func TestAddressKeyGroupsIPv6By64(t *testing.T) {
	a, b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	if AddressKey(a) != AddressKey(b) {
		t.Errorf("two addresses of one /64 have keys %s and %s", AddressKey(a), AddressKey(b))
	}
	if AddressKey(netip.MustParseAddr("2001:db8:1:3::1")) == AddressKey(a) {
		t.Error("two /64s share a key")
	}
	if k := AddressKey(netip.MustParseAddr("::ffff:192.0.2.1")); k != "192.0.2.1" {
		t.Errorf("IPv4-mapped key %s", k)
	}
}

// limited serves ok (or 401 for client "bad") behind limits with a fixed
// clock.
func limited(t *testing.T, cfg Config) (http.Handler, *time.Time) {
	t.Helper()
	l := New(cfg)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("handler could not read the form: %v", err)
		}
		if r.Form.Get("client_id") == "bad" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := AdmitFlow(w, r); err != nil {
			oautherr.WriteJSON(w, err)
			return
		}
		io.WriteString(w, "ok "+r.Form.Get("client_id"))
	}))
	return h, &now
}

func do(h http.Handler, method, target, remote string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestMiddlewarePerIP(t *testing.T) {
	h, now := limited(t, Config{TokenIP: MustParseLimit("1/s:2")})
	for i := range 2 {
		if w := do(h, "POST", "/oauth2/token", "192.0.2.1:1", url.Values{"client_id": {"c"}}); w.Code != 200 || w.Body.String() != "ok c" {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
	w := do(h, "POST", "/oauth2/revoke", "192.0.2.1:2", url.Values{"client_id": {"c"}})
	var body oautherr.Body
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 429 || w.Header().Get("Retry-After") != "1" || body.Error != "temporarily_unavailable" {
		t.Fatalf("over the limit: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if !strings.HasSuffix(body.ErrorDescription, "retry in 1 second.") {
		t.Errorf("description %q, want it to end in 'retry in 1 second.'", body.ErrorDescription)
	}
	if w := do(h, "POST", "/oauth2/token", "192.0.2.2:1", nil); w.Code != 200 {
		t.Errorf("another address: %d", w.Code)
	}
	// Endpoints without limits and preflights pass.
	for _, p := range []string{"/userinfo", "/.well-known/openid-configuration", "/health/ready"} {
		if w := do(h, "GET", p, "192.0.2.1:1", nil); w.Code != 200 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	if w := do(h, "OPTIONS", "/oauth2/token", "192.0.2.1:1", nil); w.Code != 200 {
		t.Errorf("preflight: %d", w.Code)
	}
	*now = now.Add(time.Second)
	if w := do(h, "POST", "/oauth2/token", "192.0.2.1:1", nil); w.Code != 200 {
		t.Errorf("after a second: %d", w.Code)
	}
}

func TestMiddlewarePerClientCountsOnlyAuthenticated(t *testing.T) {
	h, _ := limited(t, Config{TokenClient: MustParseLimit("1/m:2")})
	// Anyone can send a client's id with a wrong secret (401): that must
	// not use up the client's limit.
	for range 10 {
		do(h, "POST", "/oauth2/token", "198.51.100.1:1", url.Values{"client_id": {"bad"}})
	}
	for i := range 2 {
		if w := do(h, "POST", "/oauth2/token", "192.0.2.1:1", url.Values{"client_id": {"good"}}); w.Code != 200 {
			t.Fatalf("request %d of the client: %d", i, w.Code)
		}
	}
	if w := do(h, "POST", "/oauth2/token", "192.0.2.9:1", url.Values{"client_id": {"good"}}); w.Code != 429 || w.Header().Get("Retry-After") != "60" {
		t.Fatalf("over the client's limit from another address: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := do(h, "POST", "/oauth2/token", "192.0.2.1:1", url.Values{"client_id": {"other"}}); w.Code != 200 {
		t.Errorf("another client: %d", w.Code)
	}
	// Basic authentication names the client too (form-encoded, RFC 6749
	// section 2.3.1); the handler still reads the body.
	r := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader("grant_type=x"))
	r.SetBasicAuth(url.QueryEscape("good"), "secret")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 429 {
		t.Errorf("the client over its limit through Basic: %d", w.Code)
	}
	// Read as the token endpoint reads it (package basicauth): several
	// spaces after the scheme still name the client, and do not slip past
	// its limit.
	r = httptest.NewRequest("POST", "/oauth2/token", strings.NewReader("grant_type=x"))
	r.Header.Set("Authorization", "Basic   "+base64.StdEncoding.EncodeToString([]byte("good:secret")))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 429 {
		t.Errorf("the client over its limit through Basic with three spaces: %d", w.Code)
	}
}

func TestMiddlewareAuthorizeQueryAndFlows(t *testing.T) {
	h, now := limited(t, Config{AuthorizeClient: MustParseLimit("100/s"), FlowsPerIP: 3, FlowWindow: 30 * time.Minute})
	for i := range 3 {
		if w := do(h, "GET", "/oauth2/auth?client_id=app", "192.0.2.1:1", nil); w.Code != 200 {
			t.Fatalf("flow %d: %d %s", i, w.Code, w.Body)
		}
	}
	w := do(h, "GET", "/oauth2/auth?client_id=app", "192.0.2.1:1", nil)
	if w.Code != 429 || w.Header().Get("Retry-After") != "600" || !strings.Contains(w.Body.String(), "started 3 sign-ins") {
		t.Fatalf("fourth flow: %d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := do(h, "GET", "/oauth2/auth?client_id=app", "192.0.2.2:1", nil); w.Code != 200 {
		t.Errorf("another address: %d", w.Code)
	}
	*now = now.Add(10 * time.Minute)
	if w := do(h, "GET", "/oauth2/auth?client_id=app", "192.0.2.1:1", nil); w.Code != 200 {
		t.Errorf("after a third of the window: %d", w.Code)
	}
}

func TestMiddlewareRefusalPageAtAuthorize(t *testing.T) {
	l := New(Config{AuthorizeIP: MustParseLimit("1/h")})
	var paged error
	l.Page = func(w http.ResponseWriter, r *http.Request, err error) {
		paged = err
		w.WriteHeader(oautherr.From(err).Status)
	}
	h := l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	do(h, "GET", "/oauth2/auth", "192.0.2.1:1", nil)
	w := do(h, "GET", "/oauth2/auth", "192.0.2.1:1", nil)
	if w.Code != 429 || oautherr.From(paged) != paged || oautherr.From(paged).Code != "temporarily_unavailable" || w.Header().Get("Retry-After") != "3600" {
		t.Errorf("refusal at the authorization endpoint: %d %v %q", w.Code, paged, w.Header().Get("Retry-After"))
	}
}
