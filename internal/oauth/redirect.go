package oauth

import (
	"net"
	"net/url"
	"strings"
)

// withQuery returns uri with params added to its query. The registered
// query is kept byte for byte (RFC 6749 section 3.1.2: it "MUST be
// retained"; RP-Initiated Logout 1.0 section 3: the URI is used as
// registered): re-encoding it would reorder it, drop what Go's parser
// refuses (a ';' separator) and change escapes a client may compare.
func withQuery(uri string, params url.Values) string {
	if len(params) == 0 {
		return uri
	}
	switch {
	case !strings.Contains(uri, "?"):
		return uri + "?" + params.Encode()
	case strings.HasSuffix(uri, "?") || strings.HasSuffix(uri, "&"):
		return uri + params.Encode()
	default:
		return uri + "&" + params.Encode()
	}
}

// IsLoopbackHost reports whether host (without port) names the local
// machine, for which RFC 8252 section 7.3 lets http redirect URIs and a
// varying port.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// matchRedirectURI reports whether the requested redirect URI equals a
// registered one. Matching is exact string comparison (RFC 9700 section
// 4.1.3), except that for http loopback URIs the port may differ (RFC 8252
// section 7.3), because native apps bind an ephemeral port: there the two
// strings, each without its port, must be equal byte for byte, so that no
// other difference (a fragment, even an empty one; userinfo; another
// escaping such as /%63b for /cb) can ride along with the port.
func matchRedirectURI(registered []string, requested string) bool {
	for _, r := range registered {
		if r == requested {
			return true
		}
	}
	req, ok := loopbackWithoutPort(requested)
	if !ok {
		return false
	}
	for _, r := range registered {
		if reg, ok := loopbackWithoutPort(r); ok && reg == req {
			return true
		}
	}
	return false
}

// loopbackWithoutPort returns raw without the port of its authority
// ("http://127.0.0.1:8080/cb" gives "http://127.0.0.1/cb") when raw is an
// http URI on a loopback host with no userinfo and no fragment; ok is false
// otherwise.
func loopbackWithoutPort(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok || strings.Contains(raw, "#") {
		return "", false
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if strings.Contains(authority, "@") {
		return "", false
	}
	host := authority
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		host = authority[:i]
		if !validPort(authority[i+1:]) {
			return "", false
		}
	}
	if !IsLoopbackHost(strings.Trim(host, "[]")) || (strings.HasPrefix(host, "[") != strings.HasSuffix(host, "]")) {
		return "", false
	}
	return "http://" + host + tail, true
}

// validPort reports whether port is a TCP port as a redirect URI may name
// one: 1 to 65535 in decimal without leading zeros, as registration
// requires. An empty port (a bare ':'), 0 or a longer spelling of a port
// would otherwise be sent on to the browser as written, or normalised into
// another URI than the one the code is bound to.
func validPort(port string) bool {
	if port == "" || port[0] == '0' || len(port) > 5 {
		return false
	}
	n := 0
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}
