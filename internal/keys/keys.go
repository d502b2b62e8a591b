// Package keys holds the keys Sigil signs ID tokens with and publishes them as
// a JSON Web Key Set.
//
// An OpenID provider signs every ID token (OpenID Connect Core 1.0 section 2,
// section 10.1) and publishes the public halves at its jwks_uri (OpenID
// Connect Discovery 1.0 section 3) so relying parties can check the
// signatures. RS256 (RFC 7518 section 3.3) is the one algorithm every relying
// party must support (OpenID Connect Core 1.0 section 15.1), so it is the only
// one Sigil uses.
//
// Private keys live in the store sealed with AES-256-GCM under a key derived
// from the system secret (see Seal), so a copy of the database alone does not
// let anyone mint tokens. Keys are only ever added, never edited.
//
// Several nodes may serve one database behind a load balancer, so the store,
// not the node, owns the keys: every node signs with and publishes the same
// set. A Set re-reads the store every RefreshInterval (Run) and swaps in an
// immutable snapshot, so signing never waits on the database. A key added
// later signs only from its activation time, at least ActivationDelay after
// it was added, by which time every node has published it; the first key of
// an empty database is the exception and signs at once. Keys are numbered by
// a generation that the store keeps unique, so nodes bootstrapping an empty
// database together store one first key between them.
package keys

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sigil-oidc/sigil"
)

// Algorithm is the JWS algorithm of every Sigil signing key: RSASSA-PKCS1-v1_5
// with SHA-256 (RFC 7518 section 3.3), the algorithm OpenID Connect Core 1.0
// section 15.1 requires every provider and relying party to support.
const Algorithm = "RS256"

// rsaBits is the modulus size of generated keys. RFC 7518 section 3.3
// requires at least 2048 bits; 2048 keeps signing fast and is what relying
// parties expect.
const rsaBits = 2048

// hkdfInfo binds the derived sealing key to this one purpose (RFC 5869
// section 3.2), so the system secret can safely derive other keys for other
// purposes. Changing it would make every stored key unreadable.
const hkdfInfo = "sigil signing keys v1"

// nonceSize is the AES-GCM nonce length; 96 bits is the size GCM is designed
// for (NIST SP 800-38D section 8.2).
const nonceSize = 12

// KeyStore is the part of sigil.Store this package needs, so that tests and
// tools can pass something smaller than a whole store.
type KeyStore interface {
	// ListSigningKeys returns every stored key in generation order.
	ListSigningKeys(ctx context.Context) ([]sigil.SigningKey, error)
	// CreateSigningKey stores a new key; an existing id or generation is
	// sigil.ErrConflict.
	CreateSigningKey(ctx context.Context, k sigil.SigningKey) error
}

// Set is the signing keys every node of a fleet shares: it signs with the
// active key and publishes all of them. It holds an immutable snapshot of
// the unsealed keys, replaced whole by Refresh, so it is safe for
// concurrent use and Sign never touches the database.
type Set struct {
	store KeyStore
	aead  cipher.AEAD
	// now is the clock that decides which key is active; tests move it.
	now func() time.Time

	current atomic.Pointer[snapshot]
	// refreshed is when the store was last read successfully, in Unix
	// nanoseconds, for Ready.
	refreshed atomic.Int64
	// refreshing serialises Refresh, so snapshots are built one at a time.
	refreshing sync.Mutex
}

// snapshot is the keys as read from the store at one moment. It is never
// modified once built.
type snapshot struct {
	// keys are in generation order, oldest first.
	keys []*key
	byID map[string]*key
	jwks []jose.JSONWebKey
}

// key is one unsealed key.
type key struct {
	stored sigil.SigningKey
	public *rsa.PublicKey
	// signer is shared between goroutines: go-jose signers do not mutate
	// themselves while signing.
	signer jose.Signer
}

// Load reads the stored keys and unseals them with a key derived from
// systemSecret. When the store holds no key it creates a first RS256 key
// (RSA 2048, kid the RFC 7638 thumbprint) of generation 1 that is active at
// once, stores it, and reads the store again. Nodes starting together on an
// empty database all try; the store refuses every generation 1 but the
// first (sigil.ErrConflict), so all of them end up with the same one key.
//
// A key that does not unseal is an error naming its kid: the usual cause is
// that the system secret changed since the key was stored. Call Run to keep
// the set in step with the store.
func Load(ctx context.Context, ks KeyStore, systemSecret []byte) (*Set, error) {
	aead, err := sealingAEAD(systemSecret)
	if err != nil {
		return nil, err
	}
	s := &Set{store: ks, aead: aead, now: time.Now}
	stored, err := ks.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: listing signing keys: %w", err)
	}
	if len(stored) == 0 {
		now := time.Now().UTC().Truncate(time.Millisecond) // the store's precision
		k, err := generate(systemSecret, 1, now, now)
		if err != nil {
			return nil, err
		}
		switch err := ks.CreateSigningKey(ctx, k); {
		case errors.Is(err, sigil.ErrConflict):
			// Another node stored generation 1 first; use its key.
		case err != nil:
			return nil, fmt.Errorf("keys: storing first signing key %q: %w", k.ID, err)
		}
		if stored, err = ks.ListSigningKeys(ctx); err != nil {
			return nil, fmt.Errorf("keys: listing signing keys: %w", err)
		}
	}
	snap, err := s.build(stored, nil)
	if err != nil {
		return nil, err
	}
	s.current.Store(snap)
	s.refreshed.Store(time.Now().UnixNano())
	return s, nil
}

// build unseals stored into a snapshot. Keys already unsealed in prev (same
// kid, generation, activation and sealed bytes) are reused, so a refresh
// that finds nothing new costs no RSA parsing.
func (s *Set) build(stored []sigil.SigningKey, prev *snapshot) (*snapshot, error) {
	if len(stored) == 0 {
		return nil, errors.New("keys: the store lists no signing keys")
	}
	snap := &snapshot{byID: make(map[string]*key, len(stored))}
	for i, sk := range stored {
		if i > 0 && sk.Generation <= stored[i-1].Generation {
			return nil, fmt.Errorf("keys: the store lists signing key %q (generation %d) after generation %d", sk.ID, sk.Generation, stored[i-1].Generation)
		}
		if _, dup := snap.byID[sk.ID]; dup {
			return nil, fmt.Errorf("keys: two stored signing keys have kid %q", sk.ID)
		}
		k := prev.reuse(sk)
		if k == nil {
			var err error
			if k, err = s.unseal(sk); err != nil {
				return nil, err
			}
		}
		snap.keys = append(snap.keys, k)
		snap.byID[sk.ID] = k
		snap.jwks = append(snap.jwks, jose.JSONWebKey{Key: k.public, KeyID: sk.ID, Algorithm: Algorithm, Use: "sig"})
	}
	return snap, nil
}

// reuse returns prev's unsealed copy of sk, or nil.
func (prev *snapshot) reuse(sk sigil.SigningKey) *key {
	if prev == nil {
		return nil
	}
	k := prev.byID[sk.ID]
	if k == nil || k.stored.Generation != sk.Generation || !k.stored.ActivatesAt.Equal(sk.ActivatesAt) ||
		k.stored.Algorithm != sk.Algorithm || string(k.stored.Sealed) != string(sk.Sealed) {
		return nil
	}
	return k
}

// unseal opens, parses and checks one stored key.
func (s *Set) unseal(sk sigil.SigningKey) (*key, error) {
	if sk.Algorithm != Algorithm {
		return nil, fmt.Errorf("keys: signing key %q has algorithm %q; only %s is supported", sk.ID, sk.Algorithm, Algorithm)
	}
	der, err := open(s.aead, sk.ID, sk.Sealed)
	if err != nil {
		return nil, fmt.Errorf("keys: cannot unseal signing key %q; the system secret probably changed since the key was stored: %w", sk.ID, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %q: parsing PKCS #8: %w", sk.ID, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("keys: signing key %q is a %T, not an RSA key", sk.ID, parsed)
	}
	if priv.N.BitLen() < rsaBits {
		return nil, fmt.Errorf("keys: signing key %q has %d bits; RFC 7518 section 3.3 requires at least %d", sk.ID, priv.N.BitLen(), rsaBits)
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", sk.ID).WithType("JWT")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv}, opts)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %q: %w", sk.ID, err)
	}
	sk.Sealed = append([]byte(nil), sk.Sealed...)
	return &key{stored: sk, public: &priv.PublicKey, signer: signer}, nil
}

// signing returns the key that signs at now: the newest generation whose
// activation time has come. When none has (only possible with keys added by
// hand with future activations), the oldest key signs rather than none.
func (snap *snapshot) signing(now time.Time) *key {
	for i := len(snap.keys) - 1; i >= 0; i-- {
		if !snap.keys[i].stored.ActivatesAt.After(now) {
			return snap.keys[i]
		}
	}
	return snap.keys[0]
}

// generate makes a new RSA key, names it by its RFC 7638 thumbprint and seals
// its PKCS #8 encoding.
func generate(systemSecret []byte, generation int64, created, activates time.Time) (sigil.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return sigil.SigningKey{}, fmt.Errorf("keys: generating RSA key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return sigil.SigningKey{}, fmt.Errorf("keys: computing key thumbprint: %w", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(tp)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return sigil.SigningKey{}, fmt.Errorf("keys: encoding key %q as PKCS #8: %w", kid, err)
	}
	sealed, err := Seal(systemSecret, kid, der)
	if err != nil {
		return sigil.SigningKey{}, err
	}
	return sigil.SigningKey{
		ID:          kid,
		Algorithm:   Algorithm,
		Generation:  generation,
		Sealed:      sealed,
		CreatedAt:   created,
		ActivatesAt: activates,
	}, nil
}

// Sign marshals claims with encoding/json and signs them with the active
// key (see SigningKeyID), returning a JWS in compact serialization (RFC 7515
// section 7.1) whose protected header carries alg RS256, the key's kid (so
// relying parties can pick the key from the JWKS, RFC 7515 section 4.1.4)
// and typ "JWT" (RFC 7519 section 5.1).
func (s *Set) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keys: encoding claims: %w", err)
	}
	k := s.current.Load().signing(s.now())
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: signing with %q: %w", k.stored.ID, err)
	}
	return jws.CompactSerialize()
}

// SigningKeyID returns the kid Sign uses now.
func (s *Set) SigningKeyID() string {
	return s.current.Load().signing(s.now()).stored.ID
}

// KeyInfo describes one published key, without its private half.
type KeyInfo struct {
	ID          string
	Generation  int64
	CreatedAt   time.Time
	ActivatesAt time.Time
	// Signing is true for the one key Sign uses now.
	Signing bool
}

// Keys describes every published key in generation order, oldest first:
// the keys of PublicJWKS, and which of them signs now.
func (s *Set) Keys() []KeyInfo {
	snap := s.current.Load()
	signing := snap.signing(s.now())
	out := make([]KeyInfo, len(snap.keys))
	for i, k := range snap.keys {
		out[i] = KeyInfo{ID: k.stored.ID, Generation: k.stored.Generation, CreatedAt: k.stored.CreatedAt,
			ActivatesAt: k.stored.ActivatesAt, Signing: k == signing}
	}
	return out
}

// PublicJWKS returns the public part of every key, oldest generation first,
// each with its kid, alg RS256 and use "sig" (RFC 7517 sections 4.2 to 4.5):
// the document served at jwks_uri. It includes keys not yet active, so
// that relying parties know a key before it signs. The result is a fresh
// copy.
func (s *Set) PublicJWKS() jose.JSONWebKeySet {
	snap := s.current.Load()
	out := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(snap.jwks))}
	copy(out.Keys, snap.jwks)
	return out
}

// Verify checks a JWS in compact serialization signed by one of the set's
// keys and returns its payload. Only RS256 is accepted: "none", HMAC and
// every other algorithm are rejected before any key is tried, which rules out
// algorithm-substitution attacks (RFC 8725 section 2.1 and 3.1). The key is
// chosen by the header's kid; a token without a known kid fails. Verify checks
// only the signature, not the claims (expiry, audience and so on).
func (s *Set) Verify(token string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("keys: parsing token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("keys: token has %d signatures, want 1", len(jws.Signatures))
	}
	kid := jws.Signatures[0].Header.KeyID
	k, ok := s.current.Load().byID[kid]
	if !ok {
		return nil, fmt.Errorf("keys: token is signed with unknown kid %q", kid)
	}
	payload, err := jws.Verify(k.public)
	if err != nil {
		return nil, fmt.Errorf("keys: token signed with kid %q: %w", kid, err)
	}
	return payload, nil
}

// Algorithms lists the JWS algorithms the set signs with, for the discovery
// document's id_token_signing_alg_values_supported (OpenID Connect Discovery
// 1.0 section 3). The result is a fresh slice.
func (s *Set) Algorithms() []string { return []string{Algorithm} }

// sealingAEAD derives the sealing key from systemSecret with HKDF-SHA256
// (RFC 5869; no salt, info "sigil signing keys v1") and returns AES-256-GCM
// under it.
func sealingAEAD(systemSecret []byte) (cipher.AEAD, error) {
	if len(systemSecret) == 0 {
		return nil, errors.New("keys: the system secret is empty")
	}
	key, err := hkdf.Key(sha256.New, systemSecret, nil, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("keys: deriving sealing key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext (a PKCS #8 private key) for storage: AES-256-GCM
// under a key derived from systemSecret with HKDF-SHA256 (RFC 5869, info
// "sigil signing keys v1"), with a random 12-byte nonce prefixed to the
// ciphertext. The kid is the additional authenticated data, so a sealed key
// copied onto another key's row does not open. It is exported for tests and
// for tools that rotate keys.
func Seal(systemSecret []byte, kid string, plaintext []byte) ([]byte, error) {
	aead, err := sealingAEAD(systemSecret)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keys: reading nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, []byte(kid)), nil
}

// Open reverses Seal. It fails when systemSecret or kid differ from those
// given to Seal, or when sealed was altered.
func Open(systemSecret []byte, kid string, sealed []byte) ([]byte, error) {
	aead, err := sealingAEAD(systemSecret)
	if err != nil {
		return nil, err
	}
	plaintext, err := open(aead, kid, sealed)
	if err != nil {
		return nil, fmt.Errorf("keys: opening sealed key %q: %w", kid, err)
	}
	return plaintext, nil
}

// open is Open with the AEAD already derived.
func open(aead cipher.AEAD, kid string, sealed []byte) ([]byte, error) {
	if len(sealed) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("sealed data is too short (%d bytes)", len(sealed))
	}
	return aead.Open(nil, sealed[:nonceSize], sealed[nonceSize:], []byte(kid))
}
