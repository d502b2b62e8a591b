package siwe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The fixed texts of the EIP-4361 ABNF ("ABNF Message Format"). They are
// case-sensitive (%s"..." in the ABNF), so they are matched byte for byte.
const (
	headerSuffix     = " wants you to sign in with your Ethereum account:"
	uriPrefix        = "URI: "
	versionPrefix    = "Version: "
	chainIDPrefix    = "Chain ID: "
	noncePrefix      = "Nonce: "
	issuedAtPrefix   = "Issued At: "
	expirationPrefix = "Expiration Time: "
	notBeforePrefix  = "Not Before: "
	requestIDPrefix  = "Request ID: "
	resourcesLine    = "Resources:"
	resourcePrefix   = "- "
)

// Message is one EIP-4361 message, field by field ("Message Fields"). The zero
// value of an optional field means the field is absent from the text, which is
// why EIP-4361 optional fields that may be present-but-empty in the ABNF
// (statement, request-id, resources) are normalised to absent by [Parse].
//
// A Message is a plain value: build one, call [Message.Validate], then
// [Message.String] to get the text to sign.
type Message struct {
	// Scheme is the optional RFC 3986 scheme of the requesting origin, written
	// as "<scheme>://" before the domain (EIP-4361 "Message Fields": scheme,
	// OPTIONAL; HTTPS is assumed when absent). Empty means absent; Sigil's own
	// messages leave it empty.
	Scheme string

	// Domain is the RFC 3986 authority (host[:port], optionally userinfo@)
	// requesting the sign-in. Wallets compare it with the origin of the
	// request to stop phishing (EIP-4361 "Verifying the Request Origin"), so
	// it must be the host the user sees in the browser.
	Domain string

	// Address is the signing account as an EIP-55 mixed-case checksummed
	// 0x address. EIP-4361 asks for the checksum so that a typo is caught;
	// this package requires it ([Message.Validate]).
	Address string

	// Statement is an optional one-line human-readable assertion the user
	// agrees to, e.g. "I consent to giving access to: openid wallet". The ABNF
	// allows only RFC 3986 reserved and unreserved characters and spaces: no
	// "\n", no "%", no non-ASCII. Empty means absent.
	Statement string

	// URI is the RFC 3986 URI that is the subject of the signing, e.g.
	// "uns:alice.crypto" for Login with Unstoppable.
	URI string

	// Version is the EIP-4361 message version; it MUST be "1".
	Version string

	// ChainID is the EIP-155 chain the session is bound to (1 = Ethereum
	// mainnet). It is where contract accounts would be resolved.
	ChainID int64

	// Nonce is the server-chosen anti-replay token: at least 8 ASCII letters
	// or digits (EIP-4361 "nonce = 8*( ALPHA / DIGIT )"). A "0x"-prefixed hex
	// string is alphanumeric and therefore allowed.
	Nonce string

	// IssuedAt is when the message was generated. Required.
	IssuedAt time.Time

	// ExpirationTime is when the signed message stops being valid. The zero
	// time means absent.
	ExpirationTime time.Time

	// NotBefore is when the signed message starts being valid. The zero time
	// means absent.
	NotBefore time.Time

	// RequestID is an optional system-specific identifier of the sign-in
	// request (Sigil puts its flow id here). RFC 3986 pchar characters only.
	// Empty means absent.
	RequestID string

	// Resources are optional RFC 3986 URIs the user wants resolved as part of
	// the sign-in, one "- <uri>" line each. Nil or empty means absent.
	Resources []string
}

// String returns the exact EIP-4361 text of m ("ABNF Message Format"): lines
// joined by "\n", no trailing newline, optional lines only when set.
//
// When Statement is empty the ABNF yields two empty lines between the address
// and "URI:" (address LF LF [statement LF] LF "URI: "); with a statement there
// is one empty line on each side of it.
//
// Times are written in UTC in RFC 3339. A time with whole seconds (what
// builders should use: truncate with t.Truncate(time.Second)) is written with
// second precision exactly like time.RFC3339; a time with a sub-second part,
// which can only come from a parsed message, keeps it (time.RFC3339Nano) so
// that String never changes the instant a message names.
//
// String does not validate; call [Message.Validate] first, because a wallet
// or [Parse] will reject the text of an invalid Message.
func (m Message) String() string {
	var b strings.Builder
	b.Grow(512)
	if m.Scheme != "" {
		b.WriteString(m.Scheme)
		b.WriteString("://")
	}
	b.WriteString(m.Domain)
	b.WriteString(headerSuffix)
	b.WriteString("\n")
	b.WriteString(m.Address)
	b.WriteString("\n\n")
	if m.Statement != "" {
		b.WriteString(m.Statement)
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(uriPrefix + m.URI + "\n")
	b.WriteString(versionPrefix + m.Version + "\n")
	b.WriteString(chainIDPrefix + strconv.FormatInt(m.ChainID, 10) + "\n")
	b.WriteString(noncePrefix + m.Nonce + "\n")
	b.WriteString(issuedAtPrefix + formatTime(m.IssuedAt))
	if !m.ExpirationTime.IsZero() {
		b.WriteString("\n" + expirationPrefix + formatTime(m.ExpirationTime))
	}
	if !m.NotBefore.IsZero() {
		b.WriteString("\n" + notBeforePrefix + formatTime(m.NotBefore))
	}
	if m.RequestID != "" {
		b.WriteString("\n" + requestIDPrefix + m.RequestID)
	}
	if len(m.Resources) > 0 {
		b.WriteString("\n" + resourcesLine)
		for _, r := range m.Resources {
			b.WriteString("\n" + resourcePrefix + r)
		}
	}
	return b.String()
}

// formatTime writes t in UTC, RFC 3339, with second precision unless t has a
// sub-second part (time.RFC3339Nano drops a zero fraction entirely).
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// Validate checks the field rules of EIP-4361 "Message Fields" that a type
// cannot express, so that a message built by Sigil is one every conforming
// wallet and parser accepts, and a parsed one is safe to act on:
//
//   - Scheme, if set, is an RFC 3986 scheme; Domain is a non-empty RFC 3986
//     authority.
//   - Address is "0x" plus 40 hex digits in EIP-55 checksummed case. EIP-4361
//     says it SHOULD be; Sigil requires it, so an all-lowercase or
//     all-uppercase address with letters is rejected.
//   - Statement has no line break and only the characters the ABNF allows.
//   - URI and every resource are RFC 3986 URIs (with a scheme).
//   - Version is "1"; ChainID is not negative.
//   - Nonce is at least 8 ASCII letters or digits.
//   - IssuedAt is set; every set time lies in years 0000-9999 in UTC (what
//     RFC 3339 can write); ExpirationTime, if set, is after IssuedAt and after
//     NotBefore, if set.
//   - RequestID has only RFC 3986 pchar characters.
//   - The text is at most [MaxMessageLength] bytes.
//
// It does not compare times with the clock, nor the nonce or domain with what
// the server issued; see the package documentation. Errors wrap
// [ErrMalformedMessage].
func (m Message) Validate() error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedMessage, err)
	}
	return nil
}

func (m Message) validate() error {
	if m.Scheme != "" {
		if err := checkScheme(m.Scheme); err != nil {
			return fmt.Errorf("scheme %s: %w", quote(m.Scheme), err)
		}
	}
	if err := checkDomain(m.Domain); err != nil {
		return err
	}
	if err := checkAddress(m.Address); err != nil {
		return err
	}
	if err := checkStatement(m.Statement); err != nil {
		return err
	}
	if err := checkURIField("uri", m.URI); err != nil {
		return err
	}
	if err := checkVersion(m.Version); err != nil {
		return err
	}
	if m.ChainID < 0 {
		return fmt.Errorf("chain ID is %d, want a non-negative EIP-155 chain ID", m.ChainID)
	}
	if err := checkNonce(m.Nonce); err != nil {
		return err
	}
	if m.IssuedAt.IsZero() {
		return errors.New("issued at is required")
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{
		{"issued at", m.IssuedAt},
		{"expiration time", m.ExpirationTime},
		{"not before", m.NotBefore},
	} {
		if f.t.IsZero() {
			continue
		}
		if y := f.t.UTC().Year(); y < 0 || y > 9999 {
			return fmt.Errorf("%s is in year %d UTC, outside the years 0000-9999 RFC 3339 can write", f.name, y)
		}
	}
	if !m.ExpirationTime.IsZero() {
		if !m.ExpirationTime.After(m.IssuedAt) {
			return fmt.Errorf("expiration time %s is not after issued at %s",
				formatTime(m.ExpirationTime), formatTime(m.IssuedAt))
		}
		if !m.NotBefore.IsZero() && !m.ExpirationTime.After(m.NotBefore) {
			return fmt.Errorf("expiration time %s is not after not before %s",
				formatTime(m.ExpirationTime), formatTime(m.NotBefore))
		}
	}
	if err := checkRequestID(m.RequestID); err != nil {
		return err
	}
	for i, r := range m.Resources {
		if err := checkURIField(fmt.Sprintf("resource %d", i+1), r); err != nil {
			return err
		}
	}
	if n := len(m.String()); n > MaxMessageLength {
		return fmt.Errorf("message is %d bytes, more than the limit of %d", n, MaxMessageLength)
	}
	return nil
}
