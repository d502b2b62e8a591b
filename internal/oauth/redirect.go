package oauth

import (
	"net"
	"strings"
)

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
		for _, c := range authority[i+1:] {
			if c < '0' || c > '9' {
				return "", false
			}
		}
	}
	if !IsLoopbackHost(strings.Trim(host, "[]")) || (strings.HasPrefix(host, "[") != strings.HasSuffix(host, "]")) {
		return "", false
	}
	return "http://" + host + tail, true
}
