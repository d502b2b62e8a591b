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
