// Package siwe builds, parses and verifies EIP-4361 ("Sign-In with Ethereum",
// SIWE) messages and the EIP-191 personal_sign signatures over them.
//
// Sigil signs people in by asking the wallet that owns their blockchain
// domain to sign a SIWE message. The flow has three steps, each with its own
// function here:
//
//  1. Build: fill a [Message] and call [Message.String] to get the exact text
//     the wallet must sign (EIP-4361, "Message Format").
//  2. Parse: when the wallet returns the text and its signature, [Parse] checks
//     the text against the EIP-4361 ABNF and the field rules of [Message.Validate]
//     ("Relying Party Implementer Steps": the message MUST be checked for
//     conformance to the ABNF).
//  3. Verify: [VerifySignature] recovers the signer with EIP-191 personal_sign
//     ("Signing and Verifying Messages with Ethereum Accounts": EOAs MUST use
//     EIP-191) and compares it with the address that owns the domain.
//
// Always verify the signature over the text the wallet signed, never over a
// re-serialised Message: [Parse] accepts some spellings (time offsets, leading
// zeros in the chain ID, an empty "Request ID:" line...) that [Message.String]
// writes differently, so only the original bytes match the signature.
//
// What this package does not do: check the times against a clock, compare the
// nonce, domain, URI or request ID with what the server issued, or verify
// EIP-1271 contract-account signatures. Those need server state; the caller
// does them after [Parse] and [VerifySignature] succeed.
package siwe

import "errors"

// ErrMalformedMessage is wrapped by every error from [Parse] and
// [Message.Validate]: the text does not follow the EIP-4361 ABNF, or a field
// breaks a rule of EIP-4361 "Message Fields" (EIP-55 checksum, nonce length,
// version "1", time ordering...). Callers test it with errors.Is to answer
// "bad request" rather than "server error"; the wrapping error says what is
// wrong, with a 1-based line number when it comes from [Parse].
var ErrMalformedMessage = errors.New("siwe: malformed message")

// ErrInvalidSignature is wrapped by every error from [RecoverAddress] and
// [VerifySignature] that is the signature's fault: wrong length, not hex, a
// recovery id other than 27/28/0/1, r or s out of range, a non-canonical
// high-s value (EIP-2), or a signature made by another key. Callers test it
// with errors.Is to reject the sign-in; the wrapping error says what is wrong.
var ErrInvalidSignature = errors.New("siwe: invalid signature")

// ErrMalformedSignature is matched, with [ErrInvalidSignature], by the
// errors of a signature that no externally owned account could have made,
// whatever the message: wrong length, not hex, a recovery id other than
// 27/28/0/1, r or s out of range, or a high s (EIP-2). Those errors are
// [*MalformedSignatureError]s, which say why. A signature that is well
// formed but recovers another address matches only ErrInvalidSignature. (A
// contract wallet's EIP-1271 signature may take another form; see login.)
var ErrMalformedSignature = errors.New("siwe: malformed signature")

// MalformedSignatureError is the error of a signature no account could have
// made; Reason says what is wrong with it, in words for the person whose
// wallet made it.
type MalformedSignatureError struct {
	Reason string
}

func (e *MalformedSignatureError) Error() string {
	return "siwe: invalid signature: malformed: " + e.Reason
}

// Is makes the error match both ErrMalformedSignature and
// ErrInvalidSignature.
func (e *MalformedSignatureError) Is(target error) bool {
	return target == ErrMalformedSignature || target == ErrInvalidSignature
}

// MaxMessageLength is the largest message, in bytes, that [Parse] reads and
// [Message.Validate] accepts. EIP-4361 "Maximum Lengths for ABNF Terms" asks
// implementers to choose limits against denial of service; a Login with
// Unstoppable message is about 500 bytes, so 16 KiB leaves room for long
// statements and resource lists while bounding the work per request. HTTP
// handlers can use it to size their body limits.
const MaxMessageLength = 16 << 10
