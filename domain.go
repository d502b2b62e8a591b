package sigil

import (
	"context"
	"errors"
)

// ErrDomainNotFound reports that a domain is not registered (or has no owner).
var ErrDomainNotFound = errors.New("domain not found")

// ErrResolverUnavailable reports that the source of domain ownership could not
// be reached (an RPC outage, a timeout). People see temporarily_unavailable.
var ErrResolverUnavailable = errors.New("domain resolver unavailable")

// Domain is a blockchain domain as Sigil needs it: who owns it and what
// records it carries.
type Domain struct {
	// Name is the lowercased, validated domain name ("alice.crypto").
	Name string
	// Owner is the owning address, EIP-55 checksummed.
	Owner string
	// Records are the domain's key/value records ("crypto.ETH.address", ...).
	Records map[string]string
	// ChainID is the EIP-155 id of the chain where Owner lives: the network
	// the domain resolved on (1 for Ethereum mainnet, 137 for Polygon). The
	// sign-in message names it (EIP-4361 "Chain ID"), and a contract
	// owner's EIP-1271 check is made on that chain.
	ChainID int64
}

// DomainResolver answers who owns a domain. The static registry file and the
// on-chain UNS resolver both implement it.
type DomainResolver interface {
	// Resolve returns the domain named name. It returns an error wrapping
	// ErrDomainNotFound when the domain has no owner, and one wrapping
	// ErrResolverUnavailable when the answer could not be had.
	Resolve(ctx context.Context, name string) (Domain, error)
}

// ReverseResolver finds the domains an address points back to (UNS reverse
// records), so a person who connects a wallet need not type the domain.
type ReverseResolver interface {
	// Reverse returns the domains whose reverse record names address, in
	// order of preference, or none. Unavailability wraps
	// ErrResolverUnavailable.
	Reverse(ctx context.Context, address string) ([]string, error)
}

// ContractWallets verifies signatures of domain owners that are contracts
// (a Safe, for example), which can only sign through EIP-1271.
type ContractWallets interface {
	// IsValidSignature calls EIP-1271 isValidSignature(hash, signature) on
	// the contract at address that owns domain, on the network where the
	// domain lives, and reports whether it returned the magic value
	// 0x1626ba7e. The domain matters: the same address may hold another
	// contract on another chain, one that approves anything. An address
	// without code is not valid (false, nil). Unavailability wraps
	// ErrResolverUnavailable.
	IsValidSignature(ctx context.Context, domain, address string, hash [32]byte, signature []byte) (bool, error)
}
