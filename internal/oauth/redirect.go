package oauth

import (
	"net"
	"net/url"
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
// section 7.3), because native apps bind an ephemeral port. The paths are
// compared as sent (EscapedPath), so /%63b or /a%2Fb is not /cb or /a/b.
func matchRedirectURI(registered []string, requested string) bool {
	for _, r := range registered {
		if r == requested {
			return true
		}
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || !IsLoopbackHost(req.Hostname()) {
		return false
	}
	for _, r := range registered {
		reg, err := url.Parse(r)
		if err != nil || reg.Scheme != "http" || !IsLoopbackHost(reg.Hostname()) {
			continue
		}
		if reg.Hostname() == req.Hostname() && reg.EscapedPath() == req.EscapedPath() && reg.RawQuery == req.RawQuery &&
			reg.User == nil && req.User == nil && req.Fragment == "" && !req.ForceQuery && reg.Opaque == req.Opaque {
			return true
		}
	}
	return false
}
