package siwe

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// signatureLength is the size of an Ethereum ECDSA signature: r (32 bytes),
// s (32 bytes) and the recovery id v (1 byte).
const signatureLength = 65

var (
	// secp256k1N is the order of the secp256k1 group; r and s must be in
	// [1, N-1].
	secp256k1N = crypto.S256().Params().N
	// secp256k1HalfN is N/2; EIP-2 makes s > N/2 non-canonical.
	secp256k1HalfN = new(big.Int).Rsh(secp256k1N, 1)
)

// RecoverAddress returns the EIP-55 checksummed address of the key that
// signed message with EIP-191 personal_sign (version 0x45, "E"), the scheme
// EIP-4361 "Signing and Verifying Messages with Ethereum Accounts" requires
// for externally owned accounts. The signed hash is
//
//	keccak256("\x19Ethereum Signed Message:\n" + len(message) + message)
//
// where len is the byte length in decimal; message is hashed exactly as given
// (no trimming, no newline conversion), so pass the text the wallet signed.
//
// signature is 65 bytes r||s||v in hex, with or without a "0x" prefix. v may
// be 27/28 (what wallets return from personal_sign) or 0/1 (the raw recovery
// id). A signature whose s is in the upper half of the curve order is
// rejected: EIP-2 made those non-canonical because (r, N-s) is a second valid
// signature for the same message, and accepting both lets a replayed
// signature look new.
//
// Every error that is the signature's fault wraps [ErrInvalidSignature].
// Recovery always yields some address for a well-formed signature, so a
// wrong key or a tampered message is only caught by comparing the result, as
// [VerifySignature] does.
func RecoverAddress(message, signature string) (string, error) {
	sig, err := decodeSignature(signature)
	if err != nil {
		return "", &MalformedSignatureError{Reason: err.Error()}
	}
	pub, err := crypto.SigToPub(accounts.TextHash([]byte(message)), sig)
	if err != nil {
		return "", fmt.Errorf("%w: cannot recover a public key: %w", ErrInvalidSignature, err)
	}
	return crypto.PubkeyToAddress(*pub).Hex(), nil
}

// VerifySignature checks that signature is an EIP-191 personal_sign
// signature of message by the account address, as EIP-4361 "Verifying a
// signed Message" requires. address may be in any letter case (the compare is
// on the 20 bytes, i.e. case-insensitive on the hex); use the checksummed
// address from the parsed message or from the domain's owner record.
//
// VerifySignature does not parse message: call [Parse] on the same text
// first, and check that its Address is the expected owner.
//
// A signature by another key, or over other text, yields an error wrapping
// [ErrInvalidSignature] that names both addresses. A malformed address is the
// caller's error and does not wrap ErrInvalidSignature.
func VerifySignature(message, signature, address string) error {
	if !strings.HasPrefix(address, "0x") && !strings.HasPrefix(address, "0X") || !common.IsHexAddress(address) {
		return fmt.Errorf("siwe: expected address %s is not a 0x-prefixed 20-byte hex address", quote(address))
	}
	got, err := RecoverAddress(message, signature)
	if err != nil {
		return err
	}
	want := common.HexToAddress(address)
	if common.HexToAddress(got) != want {
		return fmt.Errorf("%w: message was signed by %s, want %s", ErrInvalidSignature, got, want.Hex())
	}
	return nil
}

// decodeSignature turns the hex signature into the 65-byte r||s||v form with
// v in {0, 1} that go-ethereum's recovery expects, checking every value on
// the way so the error says what is wrong.
func decodeSignature(signature string) ([]byte, error) {
	h := signature
	if strings.HasPrefix(h, "0x") || strings.HasPrefix(h, "0X") {
		h = h[2:]
	}
	if len(h)%2 != 0 {
		return nil, fmt.Errorf("signature has an odd number of hex digits (%d); want %d bytes as %d hex digits", len(h), signatureLength, 2*signatureLength)
	}
	if len(h) != 2*signatureLength {
		return nil, fmt.Errorf("signature is %d bytes, want %d", len(h)/2, signatureLength)
	}
	sig, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("signature is not hex: %w", err)
	}
	switch v := sig[64]; v {
	case 27, 28:
		sig[64] = v - 27
	case 0, 1:
	default:
		return nil, fmt.Errorf("signature recovery id v is %d, want 27 or 28 (or 0 or 1)", v)
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:64])
	switch {
	case r.Sign() == 0 || r.Cmp(secp256k1N) >= 0:
		return nil, fmt.Errorf("signature r value is out of range [1, N-1] of secp256k1")
	case s.Sign() == 0 || s.Cmp(secp256k1N) >= 0:
		return nil, fmt.Errorf("signature s value is out of range [1, N-1] of secp256k1")
	case s.Cmp(secp256k1HalfN) > 0:
		return nil, fmt.Errorf("signature s value is greater than secp256k1 N/2, a non-canonical (malleable) signature rejected since EIP-2; re-sign with a wallet that emits low-s signatures")
	}
	if !crypto.ValidateSignatureValues(sig[64], r, s, true) {
		// Unreachable given the checks above; kept so that a future
		// go-ethereum rule is still enforced.
		return nil, fmt.Errorf("signature values rejected by secp256k1 rules")
	}
	return sig, nil
}

// Hash is the EIP-191 personal_sign hash of message: keccak256 of
// "\x19Ethereum Signed Message:\n" + len(message) + message. Contract wallets
// check their EIP-1271 signatures against it.
func Hash(message string) [32]byte {
	var h [32]byte
	copy(h[:], accounts.TextHash([]byte(message)))
	return h
}
