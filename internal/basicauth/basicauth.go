// Package basicauth reads the HTTP Basic credentials an OAuth 2.0 client
// sends (client_secret_basic): RFC 7617's user-id and password, each
// form-urlencoded before they are joined (RFC 6749 section 2.3.1).
//
// The token, introspection and revocation endpoints authenticate clients
// with it, and the rate limiter keys its per-client limits by the same
// client_id, so that both read one header the same way. net/http's
// Request.BasicAuth is not enough for either: it takes one space after the
// scheme where RFC 9110 allows several, does not undo the form-urlencoding,
// and cannot tell a malformed header from none.
package basicauth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// The ways an Authorization header can fail to carry a client's Basic
// credentials; FromRequest wraps nothing else.
var (
	// ErrSeveralHeaders: the request has more than one Authorization
	// header, a singleton field (RFC 9110 section 5.3).
	ErrSeveralHeaders = errors.New("more than one Authorization header")
	// ErrScheme: the header names another scheme than Basic.
	ErrScheme = errors.New("the Authorization header is not HTTP Basic")
	// ErrBase64: the credentials are not base64 (RFC 7617 section 2).
	ErrBase64 = errors.New("the Basic credentials are not base64")
	// ErrNoColon: the decoded credentials have no colon between the
	// user-id and the password (RFC 7617 section 2).
	ErrNoColon = errors.New("the Basic credentials have no colon")
	// ErrEncoding: the client_id or the secret is not form-urlencoded
	// correctly (RFC 6749 section 2.3.1).
	ErrEncoding = errors.New("the Basic credentials are not form-urlencoded")
)

// FromRequest returns the client_id and secret in r's Authorization
// header. ok is false, with no error, when r has no such header; err is
// one of the errors above when it has one that does not hold Basic
// credentials.
func FromRequest(r *http.Request) (clientID, secret string, ok bool, err error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", "", false, nil
	case len(values) > 1:
		return "", "", false, ErrSeveralHeaders
	}
	scheme, credentials, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, ErrScheme
	}
	// RFC 9110 section 11.4: one or more spaces follow the scheme.
	raw, err := base64.StdEncoding.DecodeString(strings.TrimLeft(credentials, " "))
	if err != nil {
		return "", "", false, ErrBase64
	}
	// A client_id cannot hold a colon here: form-urlencoding made it %3A.
	id, pass, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false, ErrNoColon
	}
	id, err1 := url.QueryUnescape(id)
	pass, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil {
		return "", "", false, ErrEncoding
	}
	return id, pass, true, nil
}
