package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// A login flow id carries its own proof of which browser it belongs to and
// until when, so that the login API can refuse a made-up, foreign or
// expired flow before it does anything costly (a domain look-up is
// blockchain RPC calls) and without a database read:
//
//	16 random bytes | expiry, Unix seconds, 8 bytes big-endian | tag, 12 bytes
//
// in base64url (48 characters), where tag is the first 96 bits of
// HMAC-SHA256 under the browser-binding key of "flow", the random bytes,
// the expiry and the browser's keyed hash. The stored row stays the
// authority: every step's conditional write checks browser, state and
// expiry again.
const (
	flowRandomLen = 16
	flowTagLen    = 12
	flowRawLen    = flowRandomLen + 8 + flowTagLen
	// FlowIDLen is the length of a flow id from NewFlowID.
	FlowIDLen = (flowRawLen*8 + 5) / 6
)

// NewFlowID returns a new login flow id bound to the browser whose keyed
// hash is browserHash, valid until expires.
func (k *Keys) NewFlowID(browserHash []byte, expires time.Time) string {
	raw := make([]byte, flowRawLen)
	_, _ = rand.Read(raw[:flowRandomLen]) // crypto/rand.Read never fails (Go 1.24+).
	binary.BigEndian.PutUint64(raw[flowRandomLen:], uint64(expires.Unix()))
	copy(raw[flowRandomLen+8:], k.flowTag(raw[:flowRandomLen+8], browserHash))
	return base64.RawURLEncoding.EncodeToString(raw)
}

// CheckFlowID reports whether id came from NewFlowID for this browser and
// has not expired at now. False says nothing about ids of another format
// (flows stored before flow ids carried a tag): callers that must accept
// those look them up.
func (k *Keys) CheckFlowID(id string, browserHash []byte, now time.Time) bool {
	if len(id) != FlowIDLen || len(browserHash) == 0 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) != flowRawLen {
		return false
	}
	if !hmac.Equal(raw[flowRandomLen+8:], k.flowTag(raw[:flowRandomLen+8], browserHash)) {
		return false
	}
	expires := int64(binary.BigEndian.Uint64(raw[flowRandomLen:]))
	return now.Unix() < expires
}

func (k *Keys) flowTag(randomAndExpiry, browserHash []byte) []byte {
	h := hmac.New(sha256.New, k.browserKey)
	h.Write([]byte("flow\x00"))
	h.Write(randomAndExpiry)
	h.Write(browserHash)
	return h.Sum(nil)[:flowTagLen]
}
