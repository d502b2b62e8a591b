package siwe

import (
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// BenchmarkVerifySignature is the wallet check of every sign-in: EIP-191
// hash and secp256k1 public key recovery.
func BenchmarkVerifySignature(b *testing.B) {
	key, err := crypto.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	m := Message{Domain: "sigil.example", Address: crypto.PubkeyToAddress(key.PublicKey).Hex(), URI: "uns:bench.crypto",
		Version: "1", ChainID: 1, Nonce: "0x0123456789abcdef", Statement: "I consent to giving access to: openid wallet"}
	text := m.String()
	sig, err := crypto.Sign(accounts.TextHash([]byte(text)), key)
	if err != nil {
		b.Fatal(err)
	}
	sig[64] += 27
	signature := hexutilEncode(sig)
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifySignature(text, signature, m.Address); err != nil {
			b.Fatal(err)
		}
	}
}
