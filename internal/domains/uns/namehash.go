package uns

import (
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
)

// Namehash returns the EIP-137 namehash of name, which UNS uses as the
// ERC-721 token id of a domain: node = 32 zero bytes, then for each label
// from the right, node = keccak256(node ++ keccak256(label)).
//
// Names are hashed as given: EIP-137 asks for a normalized name, and for
// Sigil that is domains.NormalizeName (lowercase ASCII), which Resolve
// applies first. The empty name hashes to the zero node, the root.
func Namehash(name string) [32]byte {
	var node [32]byte
	if name == "" {
		return node
	}
	labels := strings.Split(name, ".")
	for i := len(labels) - 1; i >= 0; i-- {
		label := crypto.Keccak256([]byte(labels[i]))
		node = crypto.Keccak256Hash(node[:], label)
	}
	return node
}
