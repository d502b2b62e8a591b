// Package keys holds the keys Sigil signs JWTs with (ID tokens, signed
// userinfo, JWT access tokens, logout tokens) and publishes them as a JSON
// Web Key Set.
//
// An OpenID provider signs every ID token (OpenID Connect Core 1.0 section 2,
// section 10.1) and publishes the public halves at its jwks_uri (OpenID
// Connect Discovery 1.0 section 3) so relying parties can check the
// signatures. RS256 (RFC 7518 section 3.3) is the one algorithm every relying
// party must support (OpenID Connect Core 1.0 section 15.1), so it is the
// default; a client may register ES256 (RFC 7518 section 3.4, P-256) or
// EdDSA (RFC 8037, Ed25519) instead. The set therefore holds one signing
// key per algorithm at any time. "none" and the HMAC algorithms are never
// signed with nor accepted (RFC 8725 section 3.1).
//
// Private keys live in the store sealed with AES-256-GCM under a key derived
// from the system secret (see Seal), so a copy of the database alone does not
// let anyone mint tokens. Keys are only ever added, never edited.
//
// Several nodes may serve one database behind a load balancer, so the store,
// not the node, owns the keys: every node signs with and publishes the same
// set. A Set re-reads the store every RefreshInterval (Run) and swaps in an
// immutable snapshot, so signing never waits on the database. Keys are
// numbered by a generation that the store keeps unique, so nodes adding a
// key at the same moment (bootstrapping an empty database, or a scheduled
// rotation) store one key between them.
//
// A key's life, per algorithm (see State): it is "next" (published, not yet
// signing) until its activation time, "active" (signing) until the next key
// of its algorithm activates, then "retired": still published, so that the
// tokens it signed keep verifying, until its retention has passed, after
// which it is "expired" and no longer published. The retention is stored
// with the key: every node raises it to its own (Policy.Retention, its
// longest token lifetime and a margin) before it signs with the key, so
// nodes configured with different lifetimes keep a retired key as long as
// the longest-lived token any of them signed with it.
package keys

import (
	"cmp"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sigil-oidc/sigil"
)

// The JWS algorithms (RFC 7518 section 3.1, RFC 8037 section 3.1) Sigil
// signs with; each has its own keys.
const (
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256 over a 2048-bit key, the
	// algorithm OpenID Connect Core 1.0 section 15.1 requires every
	// provider and relying party to support. It is the default.
	RS256 = sigil.AlgRS256
	// ES256 is ECDSA on P-256 with SHA-256 (RFC 7518 section 3.4).
	ES256 = sigil.AlgES256
	// EdDSA is Ed25519 (RFC 8037 section 3.1).
	EdDSA = sigil.AlgEdDSA
)

// Algorithm is the default JWS algorithm, used when Sign is given none.
const Algorithm = RS256

// supported lists the algorithms Sigil signs with, default first; the set
// keeps one active key for each.
var supported = []string{RS256, ES256, EdDSA}

// The JWS "typ" header values (RFC 7515 section 4.1.9) of the JWTs Sigil
// signs. Distinct types keep one kind of token from being accepted as
// another (RFC 8725 section 3.11).
const (
	// TypeJWT is the type of ID tokens and signed userinfo (RFC 7519
	// section 5.1).
	TypeJWT = "JWT"
	// TypeAccessToken is the type of RFC 9068 JWT access tokens (section 2.1).
	TypeAccessToken = "at+jwt"
	// TypeLogoutToken is the type of back-channel logout tokens (OpenID
	// Connect Back-Channel Logout 1.0 section 2.4).
	TypeLogoutToken = "logout+jwt"
)

// knownTypes get a signer built once per key; other types get one per call.
var knownTypes = []string{TypeJWT, TypeAccessToken, TypeLogoutToken}

// ErrUnsupportedAlgorithm is returned by Sign for an algorithm Sigil does
// not sign with, "none" included.
var ErrUnsupportedAlgorithm = errors.New("keys: unsupported signing algorithm")

// ErrUnknownKey reports a token whose kid names no key the set publishes:
// another issuer's key, or one of Sigil's that has expired and is gone.
// Its signature cannot be checked, so nothing in it can be trusted.
var ErrUnknownKey = errors.New("keys: token is signed with an unknown key")

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
	// ExtendSigningKeyRetention raises a key's retention when it is
	// shorter; see sigil.Store.
	ExtendSigningKeyRetention(ctx context.Context, id string, retention time.Duration) error
	// DeleteSigningKey deletes a key; one already gone is no error.
	DeleteSigningKey(ctx context.Context, id string) error
}

// Set is the signing keys every node of a fleet shares: it signs with the
// active key of each algorithm and publishes all keys not yet expired. It
// holds an immutable snapshot of the unsealed keys, replaced whole by
// Refresh, so it is safe for concurrent use and Sign never touches the
// database.
type Set struct {
	store        KeyStore
	aead         cipher.AEAD
	systemSecret []byte
	policy       Policy
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
	// byAlg holds each algorithm's keys in activation order (generation
	// breaking ties): each key signs from its activation until the next
	// one's.
	byAlg map[string][]*key
}

// key is one unsealed key.
type key struct {
	stored sigil.SigningKey
	public crypto.PublicKey
	// private is kept to build signers for unusual types.
	private any
	alg     jose.SignatureAlgorithm
	// signers by typ, for knownTypes. They are shared between goroutines:
	// go-jose signers do not mutate themselves while signing.
	signers map[string]jose.Signer
}

// Load reads the stored keys with the zero Policy (no scheduled rotation,
// DefaultRetention); see LoadWith.
func Load(ctx context.Context, ks KeyStore, systemSecret []byte) (*Set, error) {
	return LoadWith(ctx, ks, systemSecret, Policy{})
}

// LoadWith reads the stored keys and unseals them with a key derived from
// systemSecret. For each supported algorithm that has no key yet it creates
// one (kid the RFC 7638 thumbprint) that is active at once, with the next
// generation, and reads the store again. Nodes starting together on an
// empty database all try; the store refuses all but the first of each
// generation (sigil.ErrConflict), so they end up with the same keys.
//
// A key that does not unseal is an error naming its kid: the usual cause is
// that the system secret changed since the key was stored. Call Run to keep
// the set in step with the store (and to rotate on p's schedule).
func LoadWith(ctx context.Context, ks KeyStore, systemSecret []byte, p Policy) (*Set, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	aead, err := sealingAEAD(systemSecret)
	if err != nil {
		return nil, err
	}
	s := &Set{store: ks, aead: aead, systemSecret: append([]byte(nil), systemSecret...), policy: p.withDefaults(), now: time.Now}
	stored, err := s.bootstrap(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.claimRetention(ctx, stored); err != nil {
		return nil, err
	}
	snap, err := s.build(stored, nil)
	if err != nil {
		return nil, err
	}
	s.current.Store(snap)
	s.refreshed.Store(time.Now().UnixNano())
	return s, nil
}

// bootstrap stores a first key for every supported algorithm that has
// none and returns the stored keys. A conflict means another node stored a
// key meanwhile; the store is read again and the missing algorithms
// recomputed, a bounded number of times.
func (s *Set) bootstrap(ctx context.Context) ([]sigil.SigningKey, error) {
	for attempt := 0; ; attempt++ {
		stored, err := s.store.ListSigningKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("keys: listing signing keys: %w", err)
		}
		missing := ""
		for _, alg := range supported {
			if !slices.ContainsFunc(stored, func(k sigil.SigningKey) bool { return k.Algorithm == alg }) {
				missing = alg
				break
			}
		}
		if missing == "" {
			return stored, nil
		}
		if attempt >= 3*len(supported)+3 {
			return nil, fmt.Errorf("keys: could not store a first %s key after %d attempts: other nodes keep adding keys", missing, attempt)
		}
		now := time.Now().UTC().Truncate(time.Millisecond) // the store's precision
		k, err := generate(s.systemSecret, missing, nextGeneration(stored), now, now)
		if err != nil {
			return nil, err
		}
		k.Retention = s.retention()
		switch err := s.store.CreateSigningKey(ctx, k); {
		case errors.Is(err, sigil.ErrConflict):
			// Another node stored this generation first; read again.
		case err != nil:
			return nil, fmt.Errorf("keys: storing first %s signing key %q: %w", missing, k.ID, err)
		}
	}
}

// nextGeneration is one more than the newest stored generation.
func nextGeneration(stored []sigil.SigningKey) int64 {
	if len(stored) == 0 {
		return 1
	}
	return stored[len(stored)-1].Generation + 1
}

// build unseals stored into a snapshot. Keys already unsealed in prev (same
// kid, generation, activation and sealed bytes) are reused, so a refresh
// that finds nothing new costs no key parsing.
func (s *Set) build(stored []sigil.SigningKey, prev *snapshot) (*snapshot, error) {
	if len(stored) == 0 {
		return nil, errors.New("keys: the store lists no signing keys")
	}
	snap := &snapshot{byID: make(map[string]*key, len(stored)), byAlg: make(map[string][]*key, len(supported))}
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
		snap.byAlg[sk.Algorithm] = append(snap.byAlg[sk.Algorithm], k)
	}
	for _, ks := range snap.byAlg {
		slices.SortStableFunc(ks, func(a, b *key) int { return activationOrder(a.stored, b.stored) })
	}
	return snap, nil
}

// activationOrder orders two keys of one algorithm as they take over from
// each other: by activation, then by generation.
func activationOrder(a, b sigil.SigningKey) int {
	if c := a.ActivatesAt.Compare(b.ActivatesAt); c != 0 {
		return c
	}
	return cmp.Compare(a.Generation, b.Generation)
}

// reuse returns prev's unsealed copy of sk, or nil. When only the
// retention changed it returns a copy of the key with the new one, sharing
// the parsed key and signers (prev's key is never modified).
func (prev *snapshot) reuse(sk sigil.SigningKey) *key {
	if prev == nil {
		return nil
	}
	k := prev.byID[sk.ID]
	if k == nil || k.stored.Generation != sk.Generation || !k.stored.ActivatesAt.Equal(sk.ActivatesAt) ||
		k.stored.Algorithm != sk.Algorithm || string(k.stored.Sealed) != string(sk.Sealed) {
		return nil
	}
	if k.stored.Retention != sk.Retention {
		c := *k
		c.stored.Retention = sk.Retention
		return &c
	}
	return k
}

// unseal opens, parses and checks one stored key, and builds its signers.
func (s *Set) unseal(sk sigil.SigningKey) (*key, error) {
	if !slices.Contains(supported, sk.Algorithm) {
		return nil, fmt.Errorf("keys: signing key %q has algorithm %q; supported: %v", sk.ID, sk.Algorithm, supported)
	}
	der, err := open(s.aead, sk.ID, sk.Sealed)
	if err != nil {
		return nil, fmt.Errorf("keys: cannot unseal signing key %q; the system secret probably changed since the key was stored: %w", sk.ID, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %q: parsing PKCS #8: %w", sk.ID, err)
	}
	k := &key{alg: jose.SignatureAlgorithm(sk.Algorithm), private: parsed, signers: make(map[string]jose.Signer, len(knownTypes))}
	switch priv := parsed.(type) {
	case *rsa.PrivateKey:
		if sk.Algorithm != RS256 {
			return nil, fmt.Errorf("keys: signing key %q is an RSA key stored as %s", sk.ID, sk.Algorithm)
		}
		if priv.N.BitLen() < rsaBits {
			return nil, fmt.Errorf("keys: signing key %q has %d bits; RFC 7518 section 3.3 requires at least %d", sk.ID, priv.N.BitLen(), rsaBits)
		}
		k.public = &priv.PublicKey
	case *ecdsa.PrivateKey:
		if sk.Algorithm != ES256 || priv.Curve != elliptic.P256() {
			return nil, fmt.Errorf("keys: signing key %q is an ECDSA key that does not fit %s (RFC 7518 section 3.4 wants P-256)", sk.ID, sk.Algorithm)
		}
		k.public = &priv.PublicKey
	case ed25519.PrivateKey:
		if sk.Algorithm != EdDSA {
			return nil, fmt.Errorf("keys: signing key %q is an Ed25519 key stored as %s", sk.ID, sk.Algorithm)
		}
		k.public = priv.Public()
	default:
		return nil, fmt.Errorf("keys: signing key %q is a %T, which Sigil does not sign with", sk.ID, parsed)
	}
	sk.Sealed = append([]byte(nil), sk.Sealed...)
	k.stored = sk
	for _, typ := range knownTypes {
		signer, err := k.newSigner(typ)
		if err != nil {
			return nil, err
		}
		k.signers[typ] = signer
	}
	return k, nil
}

// newSigner makes a go-jose signer whose protected header carries the kid
// (so relying parties pick the key from the JWKS, RFC 7515 section 4.1.4)
// and typ.
func (k *key) newSigner(typ string) (jose.Signer, error) {
	opts := (&jose.SignerOptions{}).WithHeader("kid", k.stored.ID).WithType(jose.ContentType(typ))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.private}, opts)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %q: %w", k.stored.ID, err)
	}
	return signer, nil
}

// signing returns the key of alg that signs at now: the one with the latest
// activation that has come. When none has (only possible with keys added by
// hand with future activations), the earliest signs rather than none. It is
// nil for an algorithm the set has no key for.
func (snap *snapshot) signing(alg string, now time.Time) *key {
	ks := snap.byAlg[alg]
	for i := len(ks) - 1; i >= 0; i-- {
		if !ks[i].stored.ActivatesAt.After(now) {
			return ks[i]
		}
	}
	if len(ks) == 0 {
		return nil
	}
	return ks[0]
}

// generate makes a new key for alg, names it by its RFC 7638 thumbprint and
// seals its PKCS #8 encoding.
func generate(systemSecret []byte, alg string, generation int64, created, activates time.Time) (sigil.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, rsaBits)
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return sigil.SigningKey{}, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, alg)
	}
	if err != nil {
		return sigil.SigningKey{}, fmt.Errorf("keys: generating %s key: %w", alg, err)
	}
	jwk := jose.JSONWebKey{Key: priv.Public()}
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
		Algorithm:   alg,
		Generation:  generation,
		Sealed:      sealed,
		CreatedAt:   created,
		ActivatesAt: activates,
	}, nil
}

// Sign marshals claims with encoding/json and signs them with the active
// key of alg (RS256, ES256 or EdDSA; "" means RS256), returning a JWS in
// compact serialization (RFC 7515 section 7.1). Its protected header
// carries alg, the key's kid (RFC 7515 section 4.1.4) and typ ("" means
// TypeJWT; use TypeAccessToken for RFC 9068 access tokens and
// TypeLogoutToken for back-channel logout tokens). Any other alg, "none"
// included, is ErrUnsupportedAlgorithm. Sign reads only memory.
func (s *Set) Sign(alg string, claims any, typ string) (string, error) {
	if alg == "" {
		alg = Algorithm
	}
	if typ == "" {
		typ = TypeJWT
	}
	k := s.current.Load().signing(alg, s.now())
	if k == nil {
		return "", fmt.Errorf("%w: %q (supported: %v)", ErrUnsupportedAlgorithm, alg, supported)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keys: encoding claims: %w", err)
	}
	signer := k.signers[typ]
	if signer == nil {
		if signer, err = k.newSigner(typ); err != nil {
			return "", err
		}
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: signing with %q: %w", k.stored.ID, err)
	}
	return jws.CompactSerialize()
}

// SigningKeyID returns the kid Sign uses now for alg ("" means RS256), or
// "" when the set has no key of alg.
func (s *Set) SigningKeyID(alg string) string {
	if alg == "" {
		alg = Algorithm
	}
	if k := s.current.Load().signing(alg, s.now()); k != nil {
		return k.stored.ID
	}
	return ""
}

// PublicJWKS returns the public part of every published key (next, active
// and retired, not expired; see State), oldest generation first, each with
// its kid, alg and use "sig" (RFC 7517 sections 4.2 to 4.5): the document
// served at jwks_uri. Keys not yet active are included so that relying
// parties know a key before it signs. The result is a fresh copy.
func (s *Set) PublicJWKS() jose.JSONWebKeySet {
	snap, now := s.current.Load(), s.now()
	out := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(snap.keys))}
	for _, k := range snap.keys {
		if snap.info(k, now, s.policy.Retention).State == StateExpired {
			continue
		}
		out.Keys = append(out.Keys, jose.JSONWebKey{Key: k.public, KeyID: k.stored.ID, Algorithm: k.stored.Algorithm, Use: "sig"})
	}
	return out
}

// Verify checks a JWS in compact serialization with typ "JWT" (an ID token
// or signed userinfo, as Sign makes with TypeJWT) signed by one of the
// set's published keys and returns its payload; see VerifyType.
func (s *Set) Verify(token string) ([]byte, error) {
	return s.VerifyType(token, TypeJWT)
}

// VerifyType checks a JWS in compact serialization signed by one of the
// set's published keys, whose header typ is typ, and returns its payload.
// Only RS256, ES256 and EdDSA are accepted: "none", HMAC and every other
// algorithm are rejected before any key is tried, and the header's alg must
// be the algorithm of the key its kid names, which rules out
// algorithm-substitution attacks (RFC 8725 sections 2.1, 3.1). The typ
// check keeps one kind of Sigil token from passing as another (RFC 8725
// section 3.11). A token without a known kid fails. VerifyType checks only
// the signature, not the claims (expiry, audience and so on).
func (s *Set) VerifyType(token, typ string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return nil, fmt.Errorf("keys: parsing token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("keys: token has %d signatures, want 1", len(jws.Signatures))
	}
	h := jws.Signatures[0].Header
	if got, _ := h.ExtraHeaders[jose.HeaderType].(string); got != typ {
		return nil, fmt.Errorf("keys: token has typ %q, want %q", got, typ)
	}
	snap := s.current.Load()
	k, ok := snap.byID[h.KeyID]
	if !ok || snap.info(k, s.now(), s.policy.Retention).State == StateExpired {
		return nil, fmt.Errorf("%w (kid %q)", ErrUnknownKey, h.KeyID)
	}
	if h.Algorithm != k.stored.Algorithm {
		return nil, fmt.Errorf("keys: token header says alg %q but key %q is %s", h.Algorithm, h.KeyID, k.stored.Algorithm)
	}
	payload, err := jws.Verify(k.public)
	if err != nil {
		return nil, fmt.Errorf("keys: token signed with kid %q: %w", h.KeyID, err)
	}
	return payload, nil
}

// Algorithms lists the JWS algorithms the set signs with, RS256 first, for
// the discovery document's id_token_signing_alg_values_supported and
// userinfo_signing_alg_values_supported (OpenID Connect Discovery 1.0
// section 3). The result is a fresh slice.
func (s *Set) Algorithms() []string { return Algorithms() }

// Algorithms lists the JWS algorithms Sigil signs with, RS256 first. The
// result is a fresh slice.
func Algorithms() []string { return slices.Clone(supported) }

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
