// Package urlform reads the parameters of a request's query or form body
// whole. Go's url.ParseQuery returns what it could parse beside its error,
// and r.URL.Query() drops the error: a pair with a bad escape or a ';'
// separator, or every parameter of a query of more than Max, would go
// unseen, and a handler would answer for parameters other than the ones
// sent ("client_id missing", or a sign-out that ignored the
// post_logout_redirect_uri it must check). Here such a query is refused
// with the catalogue's invalid_request, saying which of the two it is.
package urlform

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// Max is the most parameters url.ParseQuery reads (Go's limit, GODEBUG
// urlmaxqueryparams), above which it reads none at all.
const Max = 10000

// Parse reads raw, the query or form body (kind "query" or "form") of the
// request what names ("The authorization request"), refusing one that
// does not parse whole.
func Parse(raw, what, kind string) (url.Values, error) {
	values, err := url.ParseQuery(raw)
	switch {
	case err == nil:
		return values, nil
	case strings.Count(raw, "&")+1 > Max: // url.ParseQuery's own count
		return nil, oautherr.ErrInvalidRequest.WithHint("%s has too many parameters (at most %d).", what, Max)
	default:
		return nil, oautherr.ErrInvalidRequest.WithHint("%s could not be parsed as a %s: check its percent-encoding (RFC 3986 section 2.1) and separate parameters with '&' alone.", what, kind)
	}
}

// Query is Parse of r's query string.
func Query(r *http.Request, what string) (url.Values, error) {
	return Parse(r.URL.RawQuery, what, "query")
}
