package siwe

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// RFC 3986 syntax checks for the domain (authority, section 3.2), the uri and
// resources (URI, section 3) and the request ID (pchar, section 3.3).
// net/url is not used because it is deliberately lenient (it accepts spaces,
// bare "%", "[" in paths...), and EIP-4361 asks for the RFC 3986 grammar.

func isAlpha(c byte) bool    { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool    { return '0' <= c && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// isUnreserved: ALPHA / DIGIT / "-" / "." / "_" / "~" (section 2.3).
func isUnreserved(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// isSubDelim: "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=".
func isSubDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

// isGenDelim: ":" / "/" / "?" / "#" / "[" / "]" / "@".
func isGenDelim(c byte) bool { return strings.IndexByte(":/?#[]@", c) >= 0 }

// isReserved: gen-delims / sub-delims (section 2.2).
func isReserved(c byte) bool { return isGenDelim(c) || isSubDelim(c) }

// isPchar: unreserved / pct-encoded / sub-delims / ":" / "@" (pct-encoded is
// handled by scan).
func isPchar(c byte) bool { return isUnreserved(c) || isSubDelim(c) || c == ':' || c == '@' }

func isQueryChar(c byte) bool    { return isPchar(c) || c == '/' || c == '?' }
func isPathChar(c byte) bool     { return isPchar(c) || c == '/' }
func isUserinfoChar(c byte) bool { return isUnreserved(c) || isSubDelim(c) || c == ':' }
func isRegNameChar(c byte) bool  { return isUnreserved(c) || isSubDelim(c) }

// scan checks that s consists of bytes accepted by allowed and pct-encoded
// triplets ("%" HEXDIG HEXDIG). It returns the offset of the first offending
// byte.
func scan(s string, allowed func(byte) bool) (int, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return i, errors.New("\"%\" not followed by two hex digits")
			}
			i += 2
			continue
		}
		if !allowed(c) {
			return i, fmt.Errorf("character %q not allowed", c)
		}
	}
	return 0, nil
}

// checkScheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (section 3.1).
func checkScheme(s string) error {
	if s == "" {
		return errors.New("empty scheme")
	}
	if !isAlpha(s[0]) {
		return fmt.Errorf("scheme must start with a letter, not %q", s[0])
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return fmt.Errorf("character %q not allowed in a scheme", c)
		}
	}
	return nil
}

// checkAuthority: [ userinfo "@" ] host [ ":" port ] (section 3.2). An empty
// host is valid RFC 3986 (e.g. "file:///x") but not for the SIWE domain,
// which must name who asks; requireHost says which applies.
func checkAuthority(s string, requireHost bool) error {
	host := s
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		userinfo := s[:at]
		if i, err := scan(userinfo, isUserinfoChar); err != nil {
			return fmt.Errorf("userinfo: %w at offset %d", err, i)
		}
		host = s[at+1:]
	}
	var port string
	hasPort := false
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return errors.New("IP literal has no closing \"]\"")
		}
		if err := checkIPLiteral(host[1:end]); err != nil {
			return err
		}
		rest := host[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return fmt.Errorf("want \":\" or the end after \"]\", got %q", rest[0])
			}
			port, hasPort = rest[1:], true
		}
	} else {
		if i := strings.IndexByte(host, ':'); i >= 0 {
			port, hasPort = host[i+1:], true
			host = host[:i]
		}
		if i, err := scan(host, isRegNameChar); err != nil {
			return fmt.Errorf("host: %w at offset %d", err, i)
		}
		if host == "" && requireHost {
			return errors.New("host is empty")
		}
	}
	if hasPort {
		for i := 0; i < len(port); i++ {
			if !isDigit(port[i]) {
				return fmt.Errorf("port %s is not a number", quote(port))
			}
		}
	}
	return nil
}

// checkIPLiteral: IPv6address / IPvFuture (section 3.2.2). Zone identifiers
// (RFC 6874) are not part of RFC 3986 and are rejected.
func checkIPLiteral(lit string) error {
	if strings.HasPrefix(lit, "v") || strings.HasPrefix(lit, "V") {
		// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
		dot := strings.IndexByte(lit, '.')
		if dot < 2 || dot == len(lit)-1 {
			return fmt.Errorf("IPvFuture literal %s is malformed", quote(lit))
		}
		for i := 1; i < dot; i++ {
			if !isHexDigit(lit[i]) {
				return fmt.Errorf("IPvFuture literal %s is malformed", quote(lit))
			}
		}
		for i := dot + 1; i < len(lit); i++ {
			if !isUserinfoChar(lit[i]) {
				return fmt.Errorf("IPvFuture literal %s is malformed", quote(lit))
			}
		}
		return nil
	}
	if strings.IndexByte(lit, '%') >= 0 {
		return fmt.Errorf("IPv6 literal %s has a zone, which RFC 3986 does not allow", quote(lit))
	}
	a, err := netip.ParseAddr(lit)
	if err != nil || !a.Is6() {
		return fmt.Errorf("%s is not an IPv6 address", quote(lit))
	}
	return nil
}

// checkURI: scheme ":" hier-part [ "?" query ] [ "#" fragment ] (section 3).
func checkURI(u string) error {
	colon := strings.IndexByte(u, ':')
	if colon < 0 {
		return errors.New("no scheme (want <scheme>:...)")
	}
	if err := checkScheme(u[:colon]); err != nil {
		return err
	}
	rest := u[colon+1:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		if j, err := scan(rest[i+1:], isQueryChar); err != nil {
			return fmt.Errorf("fragment: %w at offset %d", err, j)
		}
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		if j, err := scan(rest[i+1:], isQueryChar); err != nil {
			return fmt.Errorf("query: %w at offset %d", err, j)
		}
		rest = rest[:i]
	}
	path := rest
	if strings.HasPrefix(rest, "//") {
		// "//" authority path-abempty
		rest = rest[2:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if err := checkAuthority(rest[:end], false); err != nil {
			return fmt.Errorf("authority: %w", err)
		}
		path = rest[end:]
	}
	// Whatever remains is path-abempty, path-absolute, path-rootless or
	// path-empty: pchar and "/" (a leading "//" was taken as authority).
	if j, err := scan(path, isPathChar); err != nil {
		return fmt.Errorf("path: %w at offset %d", err, j)
	}
	return nil
}
