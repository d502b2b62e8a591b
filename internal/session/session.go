// Package session keeps the browser's sign-in session and its binding
// cookie. The session cookie is sealed: it records who signed in, with which
// wallet and message, so that a later authorization request can skip the
// wallet step (single sign-on, prompt and max_age of OpenID Connect Core
// section 3.1.2.1) without reading them back. It also names the session's
// sid, and is honoured only while the sigil.Session record of that sid is
// live in the store: ending the record (RP-initiated logout, an operator,
// "sign out everywhere") ends every copy of the cookie on every node, which
// an expiry inside the cookie alone could not do.
package session

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/sigil-oidc/sigil/internal/secret"
)

// Cookie names under an http issuer. The browser cookie binds login flows
// to this browser; the session cookie remembers a completed sign-in. Under
// an https issuer each carries HostPrefix (see Cookies.Name).
const (
	BrowserCookie = "sigil_browser"
	SessionCookie = "sigil_session"
)

// HostPrefix starts the name of every cookie Sigil sets under an https
// issuer. A browser accepts a __Host- cookie only when it is Secure, has
// Path=/ and no Domain, and it never lets a sibling or parent domain, nor
// plain http, set one of that name (RFC 6265bis section 4.1.3.2), so a
// neighbour on the same site cannot plant a browser binding or a session.
// Under http (development on 127.0.0.1) browsers refuse such cookies, so
// the plain names are kept there.
const HostPrefix = "__Host-"

// Session is one completed sign-in of a person in one browser.
type Session struct {
	// ID is the OpenID Connect "sid".
	ID             string    `json:"sid"`
	Subject        string    `json:"sub"`
	Address        string    `json:"addr"`
	AuthTime       time.Time `json:"auth_time"`
	WalletTypeHint string    `json:"wth"`
	Message        string    `json:"msg"`
	Signature      string    `json:"sig"`
}

// Cookies reads and writes the cookies. Secure is set when the issuer is
// https, so the development issuer on http://127.0.0.1 works too; it also
// selects the __Host- names (Name).
type Cookies struct {
	Keys     *secret.Keys
	Secure   bool
	Lifetime time.Duration
}

const sealPurpose = "session"

// ErrNoSession reports that the browser has no valid session.
var ErrNoSession = errors.New("no session")

// Name is the name of the cookie called base ("sigil_session"): with
// HostPrefix under https, as is under http.
func (c *Cookies) Name(base string) string {
	if c.Secure {
		return HostPrefix + base
	}
	return base
}

// Read returns the browser's session, or ErrNoSession.
func (c *Cookies) Read(r *http.Request, now time.Time) (Session, error) {
	ck, err := r.Cookie(c.Name(SessionCookie))
	if err != nil {
		return Session{}, ErrNoSession
	}
	var s Session
	if err := c.Keys.Open(sealPurpose, ck.Value, &s, now); err != nil {
		return Session{}, ErrNoSession
	}
	return s, nil
}

// Write sets the session cookie.
func (c *Cookies) Write(w http.ResponseWriter, s Session, now time.Time) error {
	v, err := c.Keys.Seal(sealPurpose, s, c.Lifetime, now)
	if err != nil {
		return err
	}
	http.SetCookie(w, c.cookie(c.Name(SessionCookie), v, int(c.Lifetime/time.Second)))
	return nil
}

// Clear removes the session cookie (logout).
func (c *Cookies) Clear(w http.ResponseWriter) {
	http.SetCookie(w, c.cookie(c.Name(SessionCookie), "", -1))
}

// Browser returns the browser binding id, creating and setting one when the
// browser has none. Flows store only its keyed hash.
func (c *Cookies) Browser(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(c.Name(BrowserCookie)); err == nil && len(ck.Value) >= 43 {
		return ck.Value
	}
	id := secret.RandomString(32)
	// A browser id outlives any one flow; a year keeps it stable.
	http.SetCookie(w, c.cookie(c.Name(BrowserCookie), id, 365*24*3600))
	return id
}

// BrowserHash returns the keyed hash of the request's browser cookie, or nil
// when it has none.
func (c *Cookies) BrowserHash(r *http.Request) []byte {
	ck, err := r.Cookie(c.Name(BrowserCookie))
	if err != nil || ck.Value == "" {
		return nil
	}
	return c.Keys.HashBrowser(ck.Value)
}

func (c *Cookies) cookie(name, value string, maxAge int) *http.Cookie {
	// SameSite=Lax: the cookies travel on the top-level navigation back from
	// the relying party to the authorization endpoint, but not on cross-site
	// subrequests, which with the JSON-only login API closes CSRF. Path=/
	// and no Domain, as a __Host- name requires.
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode}
}

// CSRF returns the anti-forgery token of a form that acts on the session
// sid for purpose ("logout", "account"): a keyed hash of both, so a token
// works only for that session and that kind of form, and a site that cannot
// read Sigil's pages cannot know it. SameSite=Lax already keeps the session
// cookie off cross-site POSTs; the token is the second, independent check.
func (c *Cookies) CSRF(purpose, sid string) string {
	return base64.RawURLEncoding.EncodeToString(c.Keys.HashBrowser("csrf:" + purpose + ":" + sid))
}

// CheckCSRF reports whether token is CSRF(purpose, sid), in constant time.
// An empty sid never checks: there is no session to act on.
func (c *Cookies) CheckCSRF(purpose, sid, token string) bool {
	return sid != "" && token != "" && hmac.Equal([]byte(token), []byte(c.CSRF(purpose, sid)))
}
