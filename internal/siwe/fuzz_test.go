package siwe

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// FuzzParse checks that Parse never panics and that whatever it accepts is
// canonical: the Message validates, and Parse(m.String()) succeeds and
// equals m.
func FuzzParse(f *testing.F) {
	seeds := []string{
		lwuText,
		eipExample,
		strings.Replace(eipExample, "example.com wants", "https://example.com:3388 wants", 1),
		strings.Replace(lwuText, "\nI consent to giving access to: openid wallet email\n", "\n\n", 1),
		strings.Replace(lwuText, "\nI consent to giving access to: openid wallet email\n", "\n", 1),
		strings.Replace(lwuText, "I consent to giving access to: openid wallet email\n\n", "", 1),
		strings.Replace(lwuText, "2024-05-01T12:00:00Z", "2024-05-01t14:00:00.123456789+02:00", 1),
		strings.Replace(lwuText, "auth.sigil.example", "user@[::1]:8443", 1),
		strings.Replace(lwuText, "auth.sigil.example", "[v1.fe80::a+en1]", 1),
		lwuText + "\nNot Before: 2024-05-01T12:01:00Z",
		lwuText + "\nResources:\n- https://example.com/a?b=c#d\n- urn:x:y",
		lwuText + "\nResources:",
		strings.Replace(lwuText, "Request ID: 3c1d0b6e-8f0a-4d8e-9a53-2f1c6b7d9e10", "Request ID: ", 1),
		strings.ReplaceAll(lwuText, "\n", "\r\n"),
		lwuText + "\n",
		"",
		"\n\n\n\n",
		headerSuffix,
		"0000-01-01T00:00:00+01:00",
		// Invalid UTF-8, NUL, a lone CR, Unicode line separators and
		// a huge statement and resource.
		strings.Replace(lwuText, "I consent", "I \xff\xfe consent", 1),
		strings.Replace(lwuText, "I consent", "I\x00consent", 1),
		strings.Replace(lwuText, "\n", "\r", 3),
		strings.Replace(lwuText, "I consent", "I\u2028consent\u0085", 1),
		strings.Replace(lwuText, "I consent", strings.Repeat("I consent ", 2000), 1),
		lwuText + "\nResources:\n- https://example.com/" + strings.Repeat("a", 5000),
		strings.Replace(lwuText, "Chain ID: 1", "Chain ID: 99999999999999999999", 1),
		strings.Replace(lwuText, "Chain ID: 1", "Chain ID: 01", 1),
		strings.Replace(lwuText, "Chain ID: 1", "Chain ID: -1", 1),
		strings.Replace(lwuText, "Version: 1", "Version: 1\nVersion: 1", 1),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Parse(text)
		if err != nil {
			if !errors.Is(err, ErrMalformedMessage) {
				t.Fatalf("Parse error %q does not wrap ErrMalformedMessage", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Parse accepted a message that does not validate: %v\ntext: %q", err, text)
		}
		canon := m.String()
		m2, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(m.String()) failed: %v\ninput: %q\ncanonical: %q", err, text, canon)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("Parse(m.String()) = %#v\nwant %#v\ninput: %q", m2, m, text)
		}
		if again := m2.String(); again != canon {
			t.Fatalf("String is not stable: %q then %q", canon, again)
		}
	})
}

// FuzzVerifySignature feeds VerifySignature the signature a browser posts
// to /login/verify, over any message, for the address of a fixed key. It
// must never panic; every failure that is the signature's fault wraps
// ErrInvalidSignature; and it accepts nothing but the one signature the key
// makes for that message (RFC 6979 makes it deterministic), written with
// or without 0x and with v as 27/28 or 0/1: no high-s twin (EIP-2), no
// other encoding.
func FuzzVerifySignature(f *testing.F) {
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("sigil siwe fuzz key")))
	if err != nil {
		f.Fatal(err)
	}
	addr := crypto.PubkeyToAddress(key.PublicKey).Hex()
	sign := func(msg string) []byte {
		sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
		if err != nil {
			f.Fatal(err)
		}
		return sig
	}
	for _, msg := range []string{lwuText, "", "h\xe9llo \xff", strings.Repeat("x", 5000)} {
		sig := sign(msg)
		v27 := append(bytes.Clone(sig[:64]), sig[64]+27)
		f.Add(msg, "0x"+hex.EncodeToString(v27))
		f.Add(msg, hex.EncodeToString(v27))
		f.Add(msg, "0X"+strings.ToUpper(hex.EncodeToString(sig)))
		f.Add(msg+" ", "0x"+hex.EncodeToString(v27))
		// The high-s twin: (r, N-s) with the other recovery id.
		s := new(big.Int).Sub(secp256k1N, new(big.Int).SetBytes(sig[32:64]))
		twin := append(append(bytes.Clone(sig[:32]), s.FillBytes(make([]byte, 32))...), (sig[64]^1)+27)
		f.Add(msg, "0x"+hex.EncodeToString(twin))
		f.Add(msg, "0x"+hex.EncodeToString(v27)+"00")
		f.Add(msg, "0x"+hex.EncodeToString(v27[:64]))
	}
	f.Add(lwuText, "0x"+strings.Repeat("0", 130))
	f.Add(lwuText, "0x"+strings.Repeat("f", 130))
	f.Add(lwuText, "0x"+strings.Repeat("g", 130))
	f.Add(lwuText, "0x"+strings.Repeat("1", 129))
	f.Add(lwuText, "")

	f.Fuzz(func(t *testing.T, msg, signature string) {
		err := VerifySignature(msg, signature, addr)
		if err != nil {
			if !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("error %v does not wrap ErrInvalidSignature", err)
			}
			return
		}
		want := sign(msg)
		got, derr := decodeSignature(signature)
		if derr != nil || !bytes.Equal(got, want) {
			t.Fatalf("accepted %q for %q; the key's signature is %x", signature, msg, want)
		}
	})
}
