package siwe

import (
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// personalSign signs msg the way a wallet's personal_sign does: EIP-191
// hash, then v += 27. It returns the 0x-prefixed hex signature.
func personalSign(t *testing.T, key *ecdsa.PrivateKey, msg string) string {
	t.Helper()
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	return hexutilEncode(sig)
}

func hexutilEncode(b []byte) string { return "0x" + hex.EncodeToString(b) }

func addressOf(key *ecdsa.PrivateKey) string {
	return crypto.PubkeyToAddress(key.PublicKey).Hex()
}

// signedLwU returns a Login with Unstoppable message for key's address, its
// text and a personal_sign signature over it.
func signedLwU(t *testing.T, key *ecdsa.PrivateKey) (Message, string, string) {
	t.Helper()
	m := lwuMessage(t)
	m.Address = addressOf(key)
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	text := m.String()
	return m, text, personalSign(t, key, text)
}

func TestSignAndVerify(t *testing.T) {
	key := newKey(t)
	m, text, sig := signedLwU(t, key)

	got, err := RecoverAddress(text, sig)
	if err != nil {
		t.Fatal(err)
	}
	if got != m.Address {
		t.Fatalf("RecoverAddress = %s, want %s", got, m.Address)
	}
	if got != common.HexToAddress(got).Hex() {
		t.Errorf("RecoverAddress = %s, not EIP-55 checksummed", got)
	}

	parsed, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{parsed.Address, strings.ToLower(parsed.Address), "0x" + strings.ToUpper(parsed.Address[2:])} {
		if err := VerifySignature(text, sig, addr); err != nil {
			t.Errorf("VerifySignature(address %s): %v", addr, err)
		}
	}
}

func TestSignatureEncodings(t *testing.T) {
	key := newKey(t)
	_, text, sig := signedLwU(t, key)
	raw, err := hex.DecodeString(sig[2:])
	if err != nil {
		t.Fatal(err)
	}
	v01 := append([]byte(nil), raw...)
	v01[64] -= 27
	tests := []struct {
		name, sig string
	}{
		{"0x prefix, v 27/28", sig},
		{"0X prefix", "0X" + sig[2:]},
		{"no prefix", sig[2:]},
		{"upper-case hex", "0x" + strings.ToUpper(sig[2:])},
		{"v 0/1", hexutilEncode(v01)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifySignature(text, tt.sig, addressOf(key)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifySignatureFailures(t *testing.T) {
	key := newKey(t)
	m, text, sig := signedLwU(t, key)
	other := newKey(t)
	raw, err := hex.DecodeString(sig[2:])
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func([]byte)) string {
		b := append([]byte(nil), raw...)
		f(b)
		return hexutilEncode(b)
	}
	// The malleable twin of sig: (r, N-s) with the recovery id flipped is
	// also a valid ECDSA signature of the same hash by the same key, which
	// EIP-2 rules out by requiring s <= N/2.
	highS := mutate(func(b []byte) {
		s := new(big.Int).SetBytes(b[32:64])
		s.Sub(secp256k1N, s)
		s.FillBytes(b[32:64])
		b[64] = 27 + (1 - (b[64] - 27))
	})
	nBytes := secp256k1N.FillBytes(make([]byte, 32))

	tests := []struct {
		name      string
		message   string
		signature string
		address   string
		wantErr   string
	}{
		{"wrong key", text, personalSign(t, other, text), m.Address, "message was signed by " + addressOf(other) + ", want " + m.Address},
		{"tampered message", strings.Replace(text, "openid wallet email", "openid wallet email profile", 1), sig, m.Address, "message was signed by"},
		{"trailing newline added", text + "\n", sig, m.Address, "message was signed by"},
		{"expected another address", text, sig, addressOf(other), "want " + addressOf(other)},
		{"high s", text, highS, m.Address, "s value is greater than secp256k1 N/2"},
		{"64 bytes", text, sig[:130], m.Address, "signature is 64 bytes, want 65"},
		{"66 bytes", text, sig + "00", m.Address, "signature is 66 bytes, want 65"},
		{"empty", text, "", m.Address, "signature is 0 bytes, want 65"},
		{"odd hex", text, sig[:131], m.Address, "odd number of hex digits"},
		{"not hex", text, "0x" + strings.Repeat("zz", 65), m.Address, "signature is not hex"},
		{"v 29", text, mutate(func(b []byte) { b[64] = 29 }), m.Address, "recovery id v is 29, want 27 or 28"},
		{"eip-155 v", text, mutate(func(b []byte) { b[64] = 37 }), m.Address, "recovery id v is 37"},
		{"r zero", text, mutate(func(b []byte) { clear(b[:32]) }), m.Address, "r value is out of range"},
		{"r equal to N", text, mutate(func(b []byte) { copy(b[:32], nBytes) }), m.Address, "r value is out of range"},
		{"s zero", text, mutate(func(b []byte) { clear(b[32:64]) }), m.Address, "s value is out of range"},
		{"s equal to N", text, mutate(func(b []byte) { copy(b[32:64], nBytes) }), m.Address, "s value is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.message, tt.signature, tt.address)
			assertErr(t, err, ErrInvalidSignature, tt.wantErr)
			// Only a signature no account could have made is malformed;
			// one recovering another address is well formed.
			if malformed := !strings.Contains(tt.wantErr, "signed by") && !strings.HasPrefix(tt.wantErr, "want "); errors.Is(err, ErrMalformedSignature) != malformed {
				t.Errorf("errors.Is(%v, ErrMalformedSignature) = %v, want %v", err, !malformed, malformed)
			}
		})
	}
}

func TestRecoverAddressErrorsWrapErrInvalidSignature(t *testing.T) {
	_, err := RecoverAddress("hello", "0x1234")
	assertErr(t, err, ErrInvalidSignature, "signature is 2 bytes, want 65")
}

func TestVerifySignatureBadExpectedAddress(t *testing.T) {
	key := newKey(t)
	_, text, sig := signedLwU(t, key)
	for _, addr := range []string{"", "alice.crypto", addressOf(key)[2:], addressOf(key)[:41]} {
		err := VerifySignature(text, sig, addr)
		if err == nil {
			t.Fatalf("VerifySignature(address %q) succeeded", addr)
		}
		if errors.Is(err, ErrInvalidSignature) {
			t.Errorf("VerifySignature(address %q) = %v; a caller's bad address must not look like a bad signature", addr, err)
		}
		if !strings.Contains(err.Error(), "is not a 0x-prefixed 20-byte hex address") {
			t.Errorf("VerifySignature(address %q) = %v", addr, err)
		}
	}
}

// TestKnownVector derives a vector with go-ethereum from a fixed key and
// checks each step of EIP-191 personal_sign independently of RecoverAddress:
// the prefix uses the message length in bytes (not runes), and signing that
// hash by hand recovers the key's address.
func TestKnownVector(t *testing.T) {
	// A fixed, test-only private key: keccak256("sigil siwe test vector").
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("sigil siwe test vector")))
	if err != nil {
		t.Fatal(err)
	}
	addr := addressOf(key)
	for _, msg := range []string{
		"",
		"hello",
		"héllo wörld", // multi-byte UTF-8: length prefix counts bytes
		func() string {
			m := lwuMessage(t)
			m.Address = addr
			return m.String()
		}(),
	} {
		t.Run(strconv.Quote(msg[:min(len(msg), 20)]), func(t *testing.T) {
			prefixed := "\x19Ethereum Signed Message:\n" + strconv.Itoa(len([]byte(msg))) + msg
			hash := crypto.Keccak256([]byte(prefixed))
			if got := accounts.TextHash([]byte(msg)); !equalBytes(got, hash) {
				t.Fatalf("accounts.TextHash = %x, want keccak256(%q) = %x", got, prefixed, hash)
			}
			sig, err := crypto.Sign(hash, key)
			if err != nil {
				t.Fatal(err)
			}
			again, err := crypto.Sign(hash, key)
			if err != nil {
				t.Fatal(err)
			}
			if !equalBytes(sig, again) {
				t.Fatalf("signing is not deterministic (RFC 6979): %x != %x", sig, again)
			}
			sig[64] += 27
			got, err := RecoverAddress(msg, hexutilEncode(sig))
			if err != nil {
				t.Fatal(err)
			}
			if got != addr {
				t.Fatalf("RecoverAddress = %s, want %s", got, addr)
			}
			if err := VerifySignature(msg, hexutilEncode(sig), strings.ToLower(addr)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func equalBytes(a, b []byte) bool { return hex.EncodeToString(a) == hex.EncodeToString(b) }
