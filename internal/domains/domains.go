// Package domains normalizes the two identifiers every domain resolver deals
// in: domain names and Ethereum owner addresses.
//
// Names are compared in one canonical form (lowercase ASCII, validated) so
// that "Alice.Crypto" and "alice.crypto" are the same subject and the same
// registry entry; addresses are kept in their EIP-55 checksummed form so they
// display consistently and compare with ==.
package domains

import (
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

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
