package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
)

// pairwiseInfo names the key of pairwise subjects. It is expanded from the
// token-hash key, itself an HKDF output, with HKDF-Expand (RFC 5869
// section 2.3, which takes any pseudorandom key): a key of its own, from
// which neither the token-hash key nor any token hash can be learnt.
const pairwiseInfo = "sigil pairwise subject v1"

// PairwiseSubject is the pairwise subject identifier (OpenID Connect Core
// section 8.1) of the person who holds domain with the wallet owner, as the
// clients of sector see it: base64url(HMAC-SHA256(key, sector, domain,
// owner)), 43 characters. It reveals nothing of its inputs, the same
// inputs always give the same value, and only the system secret can make
// it. Each input is length-prefixed, so no two triples run together into
// one message; owner is lowercased, so any spelling of an address gives
// the same subject.
func (k *Keys) PairwiseSubject(sector, domain, owner string) string {
	h := hmac.New(sha256.New, pairwiseKey(k.tokenKey))
	var n [8]byte
	for _, v := range []string{sector, domain, strings.ToLower(owner)} {
		binary.BigEndian.PutUint64(n[:], uint64(len(v)))
		h.Write(n[:])
		h.Write([]byte(v))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// pairwiseKey is HKDF-Expand(prk, pairwiseInfo, 32): with one output block,
// T(1) = HMAC-SHA256(prk, info || 0x01) (RFC 5869 section 2.3).
func pairwiseKey(prk []byte) []byte {
	return mac(prk, pairwiseInfo+"\x01")
}
