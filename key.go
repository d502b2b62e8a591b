package sigil

import "time"

// SigningKey is a stored key for signing ID tokens. The private key is kept
// sealed (encrypted with a key derived from the system secret), so a copy of
// the database alone does not reveal it.
type SigningKey struct {
	// ID is the JWS "kid".
	ID        string
	Algorithm string
	// Sealed is the encrypted PKCS #8 private key.
	Sealed    []byte
	CreatedAt time.Time
}
