// Package domains normalizes the two identifiers every domain resolver deals
// in: domain names and Ethereum owner addresses.
//
// Names are compared in one canonical form (lowercase ASCII, validated) so
// that "Alice.Crypto" and "alice.crypto" are the same subject and the same
// registry entry; addresses are kept in their EIP-55 checksummed form so they
// display consistently and compare with ==.
//
// It also names what a resolver offers beyond sigil.DomainResolver for
// ownership to follow the chain: a look-up past its cache (FreshResolver),
// for the sign-in's last check, and the bare owner through its cache
// (OwnerResolver), for the checks on every token use.
package domains

import (
	"context"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/sigil-oidc/sigil"
)

// FreshResolver is a sigil.DomainResolver that can also read a domain past
// its cache. A sign-in's last ownership check uses it: a domain transferred
// a moment ago must not let its previous owner finish a sign-in on an
// answer cached before the transfer.
type FreshResolver interface {
	sigil.DomainResolver
	// ResolveFresh is Resolve without serving a cached answer: it reads
	// the source of ownership now, and refreshes the cache with what it
	// read. Its errors are those of Resolve.
	ResolveFresh(ctx context.Context, name string) (sigil.Domain, error)
}

// ResolveFresh resolves name with r past any cache when r can
// (FreshResolver), and with r.Resolve otherwise (a resolver without a
// cache is always fresh).
func ResolveFresh(ctx context.Context, r sigil.DomainResolver, name string) (sigil.Domain, error) {
	if f, ok := r.(FreshResolver); ok {
		return f.ResolveFresh(ctx, name)
	}
	return r.Resolve(ctx, name)
}

// OwnerResolver is a sigil.DomainResolver that answers only the owner of a
// domain, as Resolve would (through the same cache, with the same errors),
// without copying its records. Userinfo and introspection ask it on every
// call, so it is kept to a map look-up when the answer is cached.
type OwnerResolver interface {
	sigil.DomainResolver
	// Owner returns the EIP-55 owner of name, as Resolve(ctx,
	// name).Owner would.
	Owner(ctx context.Context, name string) (string, error)
}

// Owner returns the current owner of name as r knows it: r.Owner when r
// is an OwnerResolver, else the Owner of r.Resolve.
func Owner(ctx context.Context, r sigil.DomainResolver, name string) (string, error) {
	if o, ok := r.(OwnerResolver); ok {
		return o.Owner(ctx, name)
	}
	d, err := r.Resolve(ctx, name)
	if err != nil {
		return "", err
	}
	return d.Owner, nil
}

// Limits from the DNS name syntax (RFC 1035 section 2.3.4, RFC 1123 section
// 2.1), which blockchain naming systems such as UNS and ENS follow for the
// names they mint.
const (
	maxNameLen  = 253
	maxLabelLen = 63
)

// NormalizeName returns name trimmed of surrounding spaces and lowercased,
// after checking that it is a domain Sigil can use: at least two labels
// separated by '.', each label 1 to 63 characters of a-z, 0-9 and '-', not
// starting or ending with '-', and 253 characters in all (the "preferred name
// syntax" of RFC 1035 section 2.3.1 and RFC 1123 section 2.1). Only ASCII
// letters are lowercased and no other character is accepted, so look-alike
// Unicode (such as the Kelvin sign, which strings.ToLower maps to 'k') cannot
// reach a canonical name. The errors say what is wrong, for showing to people.
func NormalizeName(name string) (string, error) {
	raw := strings.TrimSpace(name)
	if raw == "" {
		return "", fmt.Errorf("domain name is empty")
	}
	var b strings.Builder
	b.Grow(len(raw))
	for _, r := range raw {
		switch {
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			return "", fmt.Errorf("domain %+q contains %+q; only letters a-z, digits, '-' and '.' are allowed", raw, r)
		}
	}
	n := b.String()
	if len(n) > maxNameLen {
		return "", fmt.Errorf("domain %q is %d characters long; the limit is %d", raw, len(n), maxNameLen)
	}
	labels := strings.Split(n, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("domain %q needs a top-level label such as .crypto", raw)
	}
	for _, l := range labels {
		switch {
		case l == "":
			return "", fmt.Errorf("domain %q has an empty label (a dot at the start or end, or two dots in a row)", raw)
		case len(l) > maxLabelLen:
			return "", fmt.Errorf("domain %q has a label of %d characters; the limit is %d", raw, len(l), maxLabelLen)
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", fmt.Errorf("domain %q has label %q, which starts or ends with '-'", raw, l)
		}
	}
	return n, nil
}

// NormalizeAddress returns the EIP-55 mixed-case checksum form of the
// Ethereum address s (surrounding spaces trimmed; the "0x" prefix optional,
// as go-ethereum's common.IsHexAddress allows). An address written in mixed
// case must already carry a correct EIP-55 checksum, because that is what the
// checksum is for: catching a mistyped address (EIP-55, "Implementation").
// All-lowercase or all-uppercase input is accepted unchecked. The zero
// address is rejected: it is where burned tokens go and nobody holds its key.
func NormalizeAddress(s string) (string, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return "", fmt.Errorf("address is empty")
	}
	if !common.IsHexAddress(raw) {
		return "", fmt.Errorf("address %q is not an Ethereum address (0x followed by 40 hex digits)", raw)
	}
	addr := common.HexToAddress(raw)
	if addr == (common.Address{}) {
		return "", fmt.Errorf("address %q is the zero address, which nobody controls", raw)
	}
	sum := addr.Hex()
	digits := strings.TrimPrefix(strings.TrimPrefix(raw, "0x"), "0X")
	if digits != strings.ToLower(digits) && digits != strings.ToUpper(digits) && digits != sum[2:] {
		return "", fmt.Errorf("address %q has a wrong EIP-55 checksum (mixed case must match it exactly; write the address in lowercase to skip the check)", raw)
	}
	return sum, nil
}
