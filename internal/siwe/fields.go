package siwe

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// This file holds the per-field grammar checks shared by Validate and Parse.
// They return plain errors that name the field; callers add the line number
// and ErrMalformedMessage.

// quote renders untrusted input for an error message: Go-quoted (so control
// characters and CR are visible) and cut to a readable length.
func quote(s string) string {
	const maxLen = 64
	if len(s) > maxLen {
		return fmt.Sprintf("%q...", s[:maxLen])
	}
	return fmt.Sprintf("%q", s)
}

func checkDomain(d string) error {
	if d == "" {
		return errors.New("domain is empty, want an RFC 3986 authority such as \"example.com\" or \"localhost:8080\"")
	}
	if err := checkAuthority(d, true); err != nil {
		return fmt.Errorf("domain %s is not an RFC 3986 authority: %w", quote(d), err)
	}
	return nil
}

// checkAddress enforces "0x" 40HEXDIG (EIP-4361 ABNF) plus the EIP-55
// mixed-case checksum.
func checkAddress(a string) error {
	if !strings.HasPrefix(a, "0x") {
		return fmt.Errorf("address %s does not start with \"0x\"", quote(a))
	}
	hexPart := a[2:]
	if len(hexPart) != 40 {
		return fmt.Errorf("address %s has %d hex digits, want 40", quote(a), len(hexPart))
	}
	for i := 0; i < len(hexPart); i++ {
		if !isHexDigit(hexPart[i]) {
			return fmt.Errorf("address %s has a non-hex character %q", quote(a), hexPart[i])
		}
	}
	if want := common.HexToAddress(a).Hex(); want != a {
		return fmt.Errorf("address %s is not EIP-55 checksummed (want %s)", a, want)
	}
	return nil
}

// checkStatement enforces statement = *( reserved / unreserved / " " ).
func checkStatement(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			return errors.New("statement contains a line break; EIP-4361 statements are one line")
		}
		if !isReserved(c) && !isUnreserved(c) && c != ' ' {
			return fmt.Errorf("statement has character %q at offset %d; EIP-4361 allows only RFC 3986 reserved and unreserved characters and spaces", c, i)
		}
	}
	return nil
}

func checkURIField(name, u string) error {
	if u == "" {
		return fmt.Errorf("%s is empty, want an RFC 3986 URI", name)
	}
	if err := checkURI(u); err != nil {
		return fmt.Errorf("%s %s is not an RFC 3986 URI: %w", name, quote(u), err)
	}
	return nil
}

func checkVersion(v string) error {
	if v != "1" {
		return fmt.Errorf("version is %s, want \"1\"", quote(v))
	}
	return nil
}

// checkNonce enforces nonce = 8*( ALPHA / DIGIT ).
func checkNonce(n string) error {
	for i := 0; i < len(n); i++ {
		if !isAlpha(n[i]) && !isDigit(n[i]) {
			return fmt.Errorf("nonce has character %q at offset %d; want ASCII letters and digits only", n[i], i)
		}
	}
	if len(n) < 8 {
		return fmt.Errorf("nonce is %d characters, want at least 8", len(n))
	}
	return nil
}

// checkRequestID enforces request-id = *pchar.
func checkRequestID(r string) error {
	if i, err := scan(r, isPchar); err != nil {
		return fmt.Errorf("request ID %s: %w at offset %d; want RFC 3986 pchar characters", quote(r), err, i)
	}
	return nil
}

// parseTime parses an RFC 3339 date-time (section 5.6), fractional seconds
// allowed, and returns it in UTC. The grammar is checked here rather than left
// to time.Parse, which also accepts "," as the decimal mark and offsets of
// 24 hours or more. "T" and "Z" may be lower case (RFC 3339 section 5.6 note).
func parseTime(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("%s is not an RFC 3339 date-time such as \"2021-09-30T16:25:24Z\": %s", quote(s), why)
	}
	digits := func(from, n int) (int, bool) {
		if from+n > len(s) {
			return 0, false
		}
		v := 0
		for i := from; i < from+n; i++ {
			if !isDigit(s[i]) {
				return 0, false
			}
			v = v*10 + int(s[i]-'0')
		}
		return v, true
	}
	if len(s) < 20 {
		return bad("too short")
	}
	_, okY := digits(0, 4)
	mon, okM := digits(5, 2)
	day, okD := digits(8, 2)
	if !okY || !okM || !okD || s[4] != '-' || s[7] != '-' {
		return bad("want a date YYYY-MM-DD")
	}
	if s[10] != 'T' && s[10] != 't' {
		return bad("want \"T\" between date and time")
	}
	hh, okH := digits(11, 2)
	mm, okMin := digits(14, 2)
	ss, okS := digits(17, 2)
	if !okH || !okMin || !okS || s[13] != ':' || s[16] != ':' {
		return bad("want a time hh:mm:ss")
	}
	switch {
	case mon < 1 || mon > 12:
		return bad("month out of range")
	case day < 1 || day > 31:
		return bad("day out of range")
	case hh > 23:
		return bad("hour out of range")
	case mm > 59:
		return bad("minute out of range")
	case ss == 60:
		return bad("leap seconds are not supported")
	case ss > 59:
		return bad("second out of range")
	}
	i := 19
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i+1 {
			return bad("want digits after \".\"")
		}
		i = j
	}
	rest := s[i:]
	switch {
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(i+1, 2)
		om, ok2 := digits(i+4, 2)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return bad("offset out of range")
		}
	default:
		return bad("want \"Z\" or a +hh:mm/-hh:mm offset at the end")
	}
	norm := []byte(s)
	norm[10] = 'T'
	if rest == "z" {
		norm[len(norm)-1] = 'Z'
	}
	t, err := time.Parse(time.RFC3339Nano, string(norm))
	if err != nil {
		return bad(err.Error())
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, fmt.Errorf("%s is in year %d UTC, outside the years 0000-9999 RFC 3339 can write", quote(s), y)
	}
	if t.IsZero() {
		// The zero time means "absent" in Message, so accepting it would
		// silently drop, say, an expiration time.
		return time.Time{}, fmt.Errorf("%s is the zero time 0001-01-01T00:00:00Z, which this package reserves for an absent field", quote(s))
	}
	return t, nil
}
