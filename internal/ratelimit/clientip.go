package ratelimit

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP is the address a request came from: the peer of the TCP
// connection, or, when that peer is one of the trusted proxies, the
// nearest address in X-Forwarded-For that is not a trusted proxy. The
// header is read from the right: each trusted proxy appends the address it
// was connected from, so everything left of the first untrusted entry may
// have been written by the client itself and is ignored. ok is false when
// the peer address cannot be parsed (not a TCP connection).
func ClientIP(r *http.Request, trusted []netip.Prefix) (addr netip.Addr, ok bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	addr = peer.Addr().Unmap()
	if len(trusted) == 0 || !contains(trusted, addr) {
		return addr, true
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		entries := strings.Split(hops[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			hop, ok := parseHop(entries[j])
			if !ok {
				// Not an address a trusted proxy would write: stop at
				// the last proxy that is known good.
				return addr, true
			}
			addr = hop
			if !contains(trusted, hop) {
				return addr, true
			}
		}
	}
	return addr, true
}

// parseHop reads one X-Forwarded-For entry: an address, with or without a
// port (some proxies add it; IPv6 then in brackets).
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// AddressKey is the bucket key of an address: the address itself for IPv4,
// its /64 for IPv6, since one subscriber (and one attacker) is routinely
// given a whole /64 and could otherwise take a fresh bucket per request.
func AddressKey(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.Unmap().String()
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 127.0.0.1"); an address alone is a prefix of its
// full length.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
