// Package secret derives Sigil's working keys from the one system secret and
// uses them: keyed hashes of tokens (so a copy of the database cannot be
// replayed as tokens), the browser binding of login flows, and sealed values
// (authenticated encryption) for cookies and one-hop redirects.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MinSystemSecretLen is the shortest system secret accepted (32 bytes: 256
// bits, the strength of every key derived from it).
const MinSystemSecretLen = 32

// Keys holds the keys derived from the system secret. Each purpose gets its
// own key (HKDF, RFC 5869), so a leak of one cannot forge another.
type Keys struct {
	tokenKey   []byte
	browserKey []byte
	refreshKey []byte
	aead       cipher.AEAD
}

// Derive builds the working keys from the system secret.
func Derive(systemSecret []byte) (*Keys, error) {
	if len(systemSecret) < MinSystemSecretLen {
		return nil, fmt.Errorf("system secret is %d bytes, need at least %d", len(systemSecret), MinSystemSecretLen)
	}
	derive := func(info string) ([]byte, error) {
		return hkdf.Key(sha256.New, systemSecret, nil, info, 32)
	}
	tk, err := derive("sigil token hash v1")
	if err != nil {
		return nil, err
	}
	bk, err := derive("sigil browser binding v1")
	if err != nil {
		return nil, err
	}
	rk, err := derive("sigil refresh token tag v1")
	if err != nil {
		return nil, err
	}
	sk, err := derive("sigil sealed values v1")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sk)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{tokenKey: tk, browserKey: bk, refreshKey: rk, aead: aead}, nil
}

// HashToken is the keyed hash under which codes and tokens are stored
// (HMAC-SHA256). The token itself is never stored.
func (k *Keys) HashToken(token string) []byte { return mac(k.tokenKey, token) }

// HashBrowser is the keyed hash of a browser cookie, which binds a login flow
// to the browser that started it.
func (k *Keys) HashBrowser(id string) []byte { return mac(k.browserKey, id) }

// RefreshTokenTag is the tag that makes a refresh token verifiable: an
// HMAC-SHA256 of body (the token's family and nonce) in base64url. Only
// Sigil can make it, so a token whose tag checks is one Sigil issued, and
// presenting such a token that is no longer its family's current one is
// reuse of a real token rather than a guess (RFC 9700 section 4.14.2).
func (k *Keys) RefreshTokenTag(body string) string {
	return base64.RawURLEncoding.EncodeToString(mac(k.refreshKey, body))
}

// CheckRefreshTokenTag reports, in constant time, whether tag is
// RefreshTokenTag(body).
func (k *Keys) CheckRefreshTokenTag(body, tag string) bool {
	return hmac.Equal([]byte(tag), []byte(k.RefreshTokenTag(body)))
}

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

// NewToken returns prefix followed by 256 random bits in base64url. The
// prefix tells people and secret scanners what kind of token it is.
func NewToken(prefix string) string {
	return prefix + RandomString(32)
}

// RandomString returns n random bytes as unpadded base64url.
func RandomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrUnsealable reports a sealed value that is forged, damaged, expired or
// meant for another purpose.
var ErrUnsealable = errors.New("sealed value is invalid or expired")

type envelope struct {
	Exp int64           `json:"exp"`
	V   json.RawMessage `json:"v"`
}

// Seal encrypts and authenticates v (as JSON) for purpose until ttl passes,
// as URL-safe text. purpose is bound as additional data, so a value sealed
// for one use cannot be replayed in another.
func (k *Keys) Seal(purpose string, v any, ttl time.Duration, now time.Time) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(envelope{Exp: now.Add(ttl).Unix(), V: raw})
	if err != nil {
		return "", err
	}
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, plain, []byte(purpose))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open reverses Seal, failing with ErrUnsealable when the value is not
// authentic, was sealed for another purpose, or has expired at now.
func (k *Keys) Open(purpose, sealed string, v any, now time.Time) error {
	data, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(data) < k.aead.NonceSize() {
		return ErrUnsealable
	}
	ns := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, data[:ns], data[ns:], []byte(purpose))
	if err != nil {
		return ErrUnsealable
	}
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil || now.Unix() > env.Exp {
		return ErrUnsealable
	}
	if err := json.Unmarshal(env.V, v); err != nil {
		return ErrUnsealable
	}
	return nil
}

// NewSortableID returns a new random id that sorts by the time it was made:
// the Unix time of now in milliseconds as 12 lowercase hex digits, then 16
// random bytes in base64url (34 characters in all; 128 bits of randomness,
// as many as a UUID v4 has 122). Rows inserted at a high rate under such
// keys go to the end of the primary-key index instead of to random pages
// all over it, so a group-committed batch of client credentials tokens
// writes one or two index pages rather than one per token (measured in
// docs/benchmarks.md). The creation time an id shows is not secret: the
// token's iat says as much.
func NewSortableID(now time.Time) string {
	var b [12 + 22]byte
	ms := uint64(max(now.UnixMilli(), 0))
	const hexDigits = "0123456789abcdef"
	for i := 11; i >= 0; i-- {
		b[i] = hexDigits[ms&0xf]
		ms >>= 4
	}
	var r [16]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24+).
	base64.RawURLEncoding.Encode(b[12:], r[:])
	return string(b[:])
}
