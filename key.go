package sigil

import "time"

// SigningKey is a stored key for signing ID tokens. The private key is kept
// sealed (encrypted with a key derived from the system secret), so a copy of
// the database alone does not reveal it.
//
// Every node of a fleet reads the same keys from the database, so they sign
// with and publish one key set. Generation orders the keys and is unique, so
// two nodes bootstrapping an empty database cannot both store a first key.
// ActivatesAt lets a new key be published by every node before any node
// signs with it.
type SigningKey struct {
	// ID is the JWS "kid".
	ID        string
	Algorithm string
	// Generation numbers the keys from 1 in the order they were added; no
	// two keys share one.
	Generation int64
	// Sealed is the encrypted PKCS #8 private key.
	Sealed    []byte
	CreatedAt time.Time
	// ActivatesAt is when the key may start signing. Until then it is only
	// published, so that every node and relying party knows it first.
	ActivatesAt time.Time
	// Retention is how long the key stays published after its successor
	// activates: the longest any node that signs with it needs (its
	// longest token lifetime, plus the time nodes take to see the
	// successor). Each node raises it before it signs with the key
	// (Store.ExtendSigningKeyRetention), so a node configured with
	// shorter lifetimes neither stops publishing the key nor deletes it
	// while tokens another node signed with it are valid. Zero for a key
	// stored before it was recorded.
	Retention time.Duration
}
