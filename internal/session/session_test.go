package session

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/secret"
)

func cookies(t *testing.T) *Cookies {
	t.Helper()
	k, err := secret.Derive(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &Cookies{Keys: k, Lifetime: time.Hour}
}

func TestSessionRoundTrip(t *testing.T) {
	c := cookies(t)
	now := time.Unix(1_800_000_000, 0).UTC()
	rec := httptest.NewRecorder()
	in := Session{ID: "s1", Subject: "alice.crypto", Address: "0xabc", AuthTime: now, Message: "m", Signature: "0x1"}
	if err := c.Write(rec, in, now); err != nil {
		t.Fatal(err)
	}
	set := rec.Result().Cookies()[0]
	if !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/" {
		t.Fatalf("cookie attributes %+v", set)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(set)
	out, err := c.Read(req, now.Add(time.Minute))
	if err != nil || out != in {
		t.Fatalf("read: %v %+v", err, out)
	}
	if _, err := c.Read(req, now.Add(2*time.Hour)); err != ErrNoSession {
		t.Fatalf("expired session read: %v", err)
	}
	bad := httptest.NewRequest("GET", "/", nil)
	bad.AddCookie(&http.Cookie{Name: SessionCookie, Value: set.Value[:20]})
	if _, err := c.Read(bad, now); err != ErrNoSession {
		t.Fatalf("forged session read: %v", err)
	}
}

func TestBrowserBinding(t *testing.T) {
	c := cookies(t)
	rec := httptest.NewRecorder()
	id := c.Browser(rec, httptest.NewRequest("GET", "/", nil))
	if len(rec.Result().Cookies()) != 1 {
		t.Fatal("no browser cookie set")
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(rec.Result().Cookies()[0])
	rec2 := httptest.NewRecorder()
	if c.Browser(rec2, req) != id || len(rec2.Result().Cookies()) != 0 {
		t.Fatal("existing browser cookie not reused")
	}
	if !bytes.Equal(c.BrowserHash(req), c.Keys.HashBrowser(id)) {
		t.Fatal("browser hash mismatch")
	}
	if c.BrowserHash(httptest.NewRequest("GET", "/", nil)) != nil {
		t.Fatal("hash without cookie")
	}
}

// TestCSRF: a token is bound to its session and its purpose, and never
// checks without a session.
func TestCSRF(t *testing.T) {
	c := cookies(t)
	tok := c.CSRF("logout", "sid-1")
	if !c.CheckCSRF("logout", "sid-1", tok) {
		t.Fatal("the session's own token does not check")
	}
	tampered := "A" + tok[1:]
	if tok[0] == 'A' {
		tampered = "B" + tok[1:]
	}
	for name, ok := range map[string]bool{
		"other session": c.CheckCSRF("logout", "sid-2", tok),
		"other purpose": c.CheckCSRF("account", "sid-1", tok),
		"empty token":   c.CheckCSRF("logout", "sid-1", ""),
		"no session":    c.CheckCSRF("logout", "", c.CSRF("logout", "")),
		"tampered":      c.CheckCSRF("logout", "sid-1", tampered),
	} {
		if ok {
			t.Errorf("%s: checked", name)
		}
	}
}

// TestHostPrefixUnderHTTPS: under https every cookie is a __Host- cookie
// (Secure, Path=/, no Domain; RFC 6265bis section 4.1.3.2), and only that
// name is read, so a plain-named cookie planted by a sibling domain or over
// http binds nothing; under http the plain names are kept, since browsers
// refuse __Host- cookies that are not Secure.
func TestHostPrefixUnderHTTPS(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	for _, secure := range []bool{true, false} {
		c := cookies(t)
		c.Secure = secure
		want := map[string]string{BrowserCookie: BrowserCookie, SessionCookie: SessionCookie}
		if secure {
			want = map[string]string{BrowserCookie: "__Host-sigil_browser", SessionCookie: "__Host-sigil_session"}
		}
		rec := httptest.NewRecorder()
		id := c.Browser(rec, httptest.NewRequest("GET", "/", nil))
		if err := c.Write(rec, Session{ID: "s1", Subject: "alice.crypto"}, now); err != nil {
			t.Fatal(err)
		}
		set := rec.Result().Cookies()
		if len(set) != 2 || set[0].Name != want[BrowserCookie] || set[1].Name != want[SessionCookie] {
			t.Fatalf("secure=%v: cookies %v, want %v", secure, set, want)
		}
		for _, ck := range set {
			if ck.Secure != secure || ck.Path != "/" || ck.Domain != "" {
				t.Errorf("secure=%v: cookie %+v", secure, ck)
			}
		}
		req := httptest.NewRequest("GET", "/", nil)
		for _, ck := range set {
			req.AddCookie(ck)
		}
		if !bytes.Equal(c.BrowserHash(req), c.Keys.HashBrowser(id)) {
			t.Errorf("secure=%v: the browser cookie set is not read back", secure)
		}
		if _, err := c.Read(req, now); err != nil {
			t.Errorf("secure=%v: the session cookie set is not read back: %v", secure, err)
		}
		if !secure {
			continue
		}
		planted := httptest.NewRequest("GET", "/", nil)
		planted.AddCookie(&http.Cookie{Name: BrowserCookie, Value: id})
		planted.AddCookie(&http.Cookie{Name: SessionCookie, Value: set[1].Value})
		if c.BrowserHash(planted) != nil {
			t.Error("under https a plain sigil_browser cookie was read")
		}
		if _, err := c.Read(planted, now); err != ErrNoSession {
			t.Errorf("under https a plain sigil_session cookie was read: %v", err)
		}
	}
}
