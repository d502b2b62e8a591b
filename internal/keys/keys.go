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
// let anyone mint tokens. Keys are only ever added, never edited: the newest
// key signs, and all keys stay in the key set so tokens signed by an older
// key keep verifying until they expire.
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
	// ListSigningKeys returns every stored key, oldest first.
	ListSigningKeys(ctx context.Context) ([]sigil.SigningKey, error)
	// CreateSigningKey stores a new key.
	CreateSigningKey(ctx context.Context, k sigil.SigningKey) error
}

// Set is the unsealed signing keys. It is immutable after Load and therefore
// safe for concurrent use.
type Set struct {
	// signer signs with the newest key (go-jose signers do not mutate
	// themselves while signing, so one may be shared between goroutines).
	signer jose.Signer
	// public maps each kid to its public key, for Verify.
	public map[string]*rsa.PublicKey
	// jwks is every key's public JWK, oldest first.
	jwks []jose.JSONWebKey
}

// Load reads the stored keys and unseals them with a key derived from
// systemSecret. When the store holds no key it creates a first RS256 key
// (RSA 2048, kid the RFC 7638 thumbprint), stores it, and reads the store
// again, so that two instances starting at once on an empty database end up
// with the same key set and the same signing key.
//
// A key that does not unseal is an error naming its kid: the usual cause is
// that the system secret changed since the key was stored.
func Load(ctx context.Context, ks KeyStore, systemSecret []byte) (*Set, error) {
	aead, err := sealingAEAD(systemSecret)
	if err != nil {
		return nil, err
	}
	stored, err := ks.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: listing signing keys: %w", err)
	}
	if len(stored) == 0 {
		k, err := generate(systemSecret)
		if err != nil {
			return nil, err
		}
		if err := ks.CreateSigningKey(ctx, k); err != nil {
			return nil, fmt.Errorf("keys: storing new signing key %q: %w", k.ID, err)
		}
		if stored, err = ks.ListSigningKeys(ctx); err != nil {
			return nil, fmt.Errorf("keys: listing signing keys: %w", err)
		}
		if len(stored) == 0 {
			return nil, fmt.Errorf("keys: stored signing key %q but the store lists no keys", k.ID)
		}
	}

	s := &Set{public: make(map[string]*rsa.PublicKey, len(stored))}
	var newest *rsa.PrivateKey
	var newestKID string
	var newestAt time.Time
	for _, k := range stored {
		if k.Algorithm != Algorithm {
			return nil, fmt.Errorf("keys: signing key %q has algorithm %q; only %s is supported", k.ID, k.Algorithm, Algorithm)
		}
		if _, dup := s.public[k.ID]; dup {
			return nil, fmt.Errorf("keys: two stored signing keys have kid %q", k.ID)
		}
		der, err := open(aead, k.ID, k.Sealed)
		if err != nil {
			return nil, fmt.Errorf("keys: cannot unseal signing key %q; the system secret probably changed since the key was stored: %w", k.ID, err)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("keys: signing key %q: parsing PKCS #8: %w", k.ID, err)
		}
		priv, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("keys: signing key %q is a %T, not an RSA key", k.ID, parsed)
		}
		if priv.N.BitLen() < rsaBits {
			return nil, fmt.Errorf("keys: signing key %q has %d bits; RFC 7518 section 3.3 requires at least %d", k.ID, priv.N.BitLen(), rsaBits)
		}
		s.public[k.ID] = &priv.PublicKey
		s.jwks = append(s.jwks, jose.JSONWebKey{
			Key:       &priv.PublicKey,
			KeyID:     k.ID,
			Algorithm: Algorithm,
			Use:       "sig",
		})
		// The store lists oldest first; on equal timestamps the later
		// entry wins, so every instance picks the same key.
		if newest == nil || !k.CreatedAt.Before(newestAt) {
			newest, newestKID, newestAt = priv, k.ID, k.CreatedAt
		}
	}

	opts := (&jose.SignerOptions{}).WithHeader("kid", newestKID).WithType("JWT")
	s.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: newest}, opts)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %q: %w", newestKID, err)
	}
	return s, nil
}

// generate makes a new RSA key, names it by its RFC 7638 thumbprint and seals
// its PKCS #8 encoding.
func generate(systemSecret []byte) (sigil.SigningKey, error) {
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
		ID:        kid,
		Algorithm: Algorithm,
		Sealed:    sealed,
		CreatedAt: time.Now().UTC(),
	}, nil
}

// Sign marshals claims with encoding/json and signs them with the newest key,
// returning a JWS in compact serialization (RFC 7515 section 7.1) whose
// protected header carries alg RS256, the key's kid (so relying parties can
// pick the key from the JWKS, RFC 7515 section 4.1.4) and typ "JWT"
// (RFC 7519 section 5.1).
func (s *Set) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keys: encoding claims: %w", err)
	}
	jws, err := s.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// PublicJWKS returns the public part of every key, oldest first, each with
// its kid, alg RS256 and use "sig" (RFC 7517 sections 4.2 to 4.5): the
// document served at jwks_uri. The result is a fresh copy.
func (s *Set) PublicJWKS() jose.JSONWebKeySet {
	out := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(s.jwks))}
	copy(out.Keys, s.jwks)
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
	pub, ok := s.public[kid]
	if !ok {
		return nil, fmt.Errorf("keys: token is signed with unknown kid %q", kid)
	}
	payload, err := jws.Verify(pub)
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
