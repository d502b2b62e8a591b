package siwe

import (
	"fmt"
	"strconv"
	"strings"
)

// Parse reads text as an EIP-4361 message, strictly following the ABNF of
// EIP-4361 "ABNF Message Format": fixed line order, case-sensitive labels,
// LF line endings only (a CR anywhere is an error), no trailing newline and
// nothing after the last field. It then applies [Message.Validate], so a
// Message returned without error is valid; EIP-4361 "Verifying a signed
// Message" requires both checks before the signature is trusted.
//
// Beyond the ABNF, Parse requires an EIP-55 checksummed address (see
// [Message.Validate]) and rejects leap seconds and the zero time
// 0001-01-01T00:00:00Z, which [Message] uses to mean "absent".
//
// The result is normalised: times are converted to UTC (the instant is kept,
// the original offset is not), a present-but-empty statement, "Request ID:"
// or "Resources:" list becomes absent. So Parse(m.String()) equals m for
// every m that Parse returns, but m.String() need not equal text: verify the
// signature over text itself.
//
// Errors wrap [ErrMalformedMessage] and give the 1-based line number and what
// was expected, e.g. `line 6: want "URI: <uri>", got "Version: 1"`. Parse
// never panics, whatever the input.
func Parse(text string) (Message, error) {
	if len(text) > MaxMessageLength {
		return Message{}, fmt.Errorf("%w: message is %d bytes, more than the limit of %d",
			ErrMalformedMessage, len(text), MaxMessageLength)
	}
	p := parser{lines: strings.Split(text, "\n")}
	if i := strings.IndexByte(text, '\r'); i >= 0 {
		return Message{}, p.errAt(strings.Count(text[:i], "\n"),
			"carriage return (CR) found; EIP-4361 lines end with LF (\"\\n\") only, not CRLF")
	}
	m, err := p.parse()
	if err != nil {
		return Message{}, err
	}
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// parser walks the message line by line; i is the 0-based index of the next
// line to read.
type parser struct {
	lines []string
	i     int
}

func (p *parser) errAt(idx int, format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrMalformedMessage, idx+1, fmt.Sprintf(format, args...))
}

// fieldErr wraps a field check error with the line it came from.
func (p *parser) fieldErr(idx int, err error) error {
	return fmt.Errorf("%w: line %d: %w", ErrMalformedMessage, idx+1, err)
}

// more reports whether a line remains.
func (p *parser) more() bool { return p.i < len(p.lines) }

// next returns the next line and its index, or an error naming what was
// expected when the message ends early.
func (p *parser) next(want string) (string, int, error) {
	if !p.more() {
		return "", p.i, p.errAt(p.i, "message ends early; want %s", want)
	}
	p.i++
	return p.lines[p.i-1], p.i - 1, nil
}

// field reads a "<prefix><value>" line and returns the value.
func (p *parser) field(prefix, placeholder string) (string, int, error) {
	want := fmt.Sprintf("%q", prefix+placeholder)
	line, idx, err := p.next(want)
	if err != nil {
		return "", idx, err
	}
	if !strings.HasPrefix(line, prefix) {
		return "", idx, p.errAt(idx, "want %s, got %s", want, quote(line))
	}
	return line[len(prefix):], idx, nil
}

// blank reads a line that must be empty.
func (p *parser) blank(why string) error {
	line, idx, err := p.next("an empty line " + why)
	if err != nil {
		return err
	}
	if line != "" {
		return p.errAt(idx, "want an empty line %s, got %s", why, quote(line))
	}
	return nil
}

// optional reads a "<prefix><value>" line if the next line has that prefix.
func (p *parser) optional(prefix string) (string, int, bool) {
	if p.more() && strings.HasPrefix(p.lines[p.i], prefix) {
		p.i++
		return p.lines[p.i-1][len(prefix):], p.i - 1, true
	}
	return "", p.i, false
}

func (p *parser) parse() (Message, error) {
	var m Message

	// [ scheme "://" ] domain %s" wants you to sign in with your Ethereum account:" LF
	line, idx, err := p.next("the header line")
	if err != nil {
		return m, err
	}
	origin, ok := strings.CutSuffix(line, headerSuffix)
	if !ok {
		return m, p.errAt(idx, "want %q, got %s", "<domain>"+headerSuffix, quote(line))
	}
	if scheme, domain, found := strings.Cut(origin, "://"); found {
		if err := checkScheme(scheme); err != nil {
			return m, p.errAt(idx, "scheme %s before \"://\": %v", quote(scheme), err)
		}
		m.Scheme, origin = scheme, domain
	}
	if err := checkDomain(origin); err != nil {
		return m, p.fieldErr(idx, err)
	}
	m.Domain = origin

	// address LF
	if line, idx, err = p.next("the address line"); err != nil {
		return m, err
	}
	if err := checkAddress(line); err != nil {
		return m, p.fieldErr(idx, err)
	}
	m.Address = line

	// LF [ statement LF ] LF
	if err := p.blank("after the address"); err != nil {
		return m, err
	}
	if line, idx, err = p.next("an empty line or the statement"); err != nil {
		return m, err
	}
	if line != "" {
		if strings.HasPrefix(line, uriPrefix) && p.more() && strings.HasPrefix(p.lines[p.i], versionPrefix) {
			// "address LF LF URI:": the layout without a statement that
			// some libraries emit, but the ABNF has one more LF there.
			return m, p.errAt(idx, "got %s after a single empty line; without a statement EIP-4361 has two empty lines between the address and \"URI: \" (address LF LF LF \"URI: \")", quote(line))
		}
		if err := checkStatement(line); err != nil {
			return m, p.fieldErr(idx, err)
		}
		m.Statement = line
		if err := p.blank("after the statement"); err != nil {
			return m, err
		}
	} else if p.more() && p.lines[p.i] == "" {
		// The ABNF allows a present but empty statement (statement is
		// *(...)), written as a third empty line. It means the same as
		// no statement, which is how Message represents it.
		p.i++
	}

	// %s"URI: " uri LF
	var v string
	if v, idx, err = p.field(uriPrefix, "<uri>"); err != nil {
		return m, err
	}
	if err := checkURIField("uri", v); err != nil {
		return m, p.fieldErr(idx, err)
	}
	m.URI = v

	// %s"Version: " version LF
	if v, idx, err = p.field(versionPrefix, "1"); err != nil {
		return m, err
	}
	if err := checkVersion(v); err != nil {
		return m, p.fieldErr(idx, err)
	}
	m.Version = v

	// %s"Chain ID: " chain-id LF, chain-id = 1*DIGIT
	if v, idx, err = p.field(chainIDPrefix, "<chain id>"); err != nil {
		return m, err
	}
	if m.ChainID, err = parseChainID(v); err != nil {
		return m, p.fieldErr(idx, err)
	}

	// %s"Nonce: " nonce LF
	if v, idx, err = p.field(noncePrefix, "<nonce>"); err != nil {
		return m, err
	}
	if err := checkNonce(v); err != nil {
		return m, p.fieldErr(idx, err)
	}
	m.Nonce = v

	// %s"Issued At: " issued-at
	if v, idx, err = p.field(issuedAtPrefix, "<RFC 3339 time>"); err != nil {
		return m, err
	}
	if m.IssuedAt, err = parseTime(v); err != nil {
		return m, p.fieldErr(idx, fmt.Errorf("issued at: %w", err))
	}

	// [ LF %s"Expiration Time: " expiration-time ]
	if v, idx, ok = p.optional(expirationPrefix); ok {
		if m.ExpirationTime, err = parseTime(v); err != nil {
			return m, p.fieldErr(idx, fmt.Errorf("expiration time: %w", err))
		}
	}
	// [ LF %s"Not Before: " not-before ]
	if v, idx, ok = p.optional(notBeforePrefix); ok {
		if m.NotBefore, err = parseTime(v); err != nil {
			return m, p.fieldErr(idx, fmt.Errorf("not before: %w", err))
		}
	}
	// [ LF %s"Request ID: " request-id ]
	if v, idx, ok = p.optional(requestIDPrefix); ok {
		if err := checkRequestID(v); err != nil {
			return m, p.fieldErr(idx, err)
		}
		m.RequestID = v
	}
	// [ LF %s"Resources:" resources ], resources = *( LF "- " URI )
	if p.more() && p.lines[p.i] == resourcesLine {
		p.i++
		for p.more() {
			line, idx := p.lines[p.i], p.i
			r, ok := strings.CutPrefix(line, resourcePrefix)
			if !ok {
				return m, p.errAt(idx, "want a resource line %q, got %s", resourcePrefix+"<uri>", quote(line))
			}
			if err := checkURIField(fmt.Sprintf("resource %d", len(m.Resources)+1), r); err != nil {
				return m, p.fieldErr(idx, err)
			}
			m.Resources = append(m.Resources, r)
			p.i++
		}
	}

	if p.more() {
		line := p.lines[p.i]
		if line == "" && p.i == len(p.lines)-1 {
			return m, p.errAt(p.i, "unexpected newline at the end of the message; EIP-4361 messages do not end with \"\\n\"")
		}
		return m, p.errAt(p.i, "unexpected %s; after \"Issued At\" only \"Expiration Time\", \"Not Before\", \"Request ID\" and \"Resources\" may follow, in that order, each at most once",
			quote(line))
	}
	return m, nil
}

// parseChainID enforces chain-id = 1*DIGIT and that it fits an int64.
func parseChainID(v string) (int64, error) {
	if v == "" {
		return 0, fmt.Errorf("chain ID is empty, want decimal digits")
	}
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return 0, fmt.Errorf("chain ID %s is not a decimal number", quote(v))
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("chain ID %s is too large", quote(v))
	}
	return n, nil
}
