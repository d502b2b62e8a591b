package siwe

import (
	"strings"
	"testing"
)

// lwuLines returns the lines of lwuText so a test can break one of them.
//
//	0 header, 1 address, 2 "", 3 statement, 4 "", 5 URI, 6 Version,
//	7 Chain ID, 8 Nonce, 9 Issued At, 10 Expiration Time, 11 Request ID
func lwuLines() []string { return strings.Split(lwuText, "\n") }

func withLine(i int, s string) string {
	l := lwuLines()
	l[i] = s
	return strings.Join(l, "\n")
}

func withoutLine(i int) string {
	l := lwuLines()
	l = append(l[:i], l[i+1:]...)
	return strings.Join(l, "\n")
}

func withLineInserted(i int, s string) string {
	l := lwuLines()
	l = append(l[:i], append([]string{s}, l[i:]...)...)
	return strings.Join(l, "\n")
}

func TestParseErrors(t *testing.T) {
	// The layout some libraries emit without a statement: one empty line.
	noStatement := strings.Replace(lwuText, "I consent to giving access to: openid wallet email\n\n", "", 1)
	tests := []struct {
		name string
		text string
		want string
	}{
		{"empty input", "", `line 1: want "<domain> wants you to sign in with your Ethereum account:", got ""`},
		{"header only", strings.Join(lwuLines()[:1], "\n"), "line 2: message ends early; want the address line"},
		{"bad header", withLine(0, "auth.sigil.example wants you to sign in with Ethereum:"), `line 1: want "<domain> wants you to sign in`},
		{"header case", withLine(0, "auth.sigil.example Wants you to sign in with your Ethereum account:"), "line 1: want"},
		{"empty domain", withLine(0, headerSuffix), "line 1: domain is empty"},
		{"domain with path", withLine(0, "auth.sigil.example/x"+headerSuffix), "line 1: domain \"auth.sigil.example/x\" is not an RFC 3986 authority"},
		{"bad scheme", withLine(0, "1x://auth.sigil.example"+headerSuffix), "line 1: scheme \"1x\""},
		{"empty scheme", withLine(0, "://auth.sigil.example"+headerSuffix), "line 1: scheme \"\""},
		{"missing address", withoutLine(1), `line 2: address "" does not start with "0x"`},
		{"lowercase address", withLine(1, strings.ToLower(testAddress)), "line 2: address " + strings.ToLower(testAddress) + " is not EIP-55 checksummed (want " + testAddress + ")"},
		{"bad checksum", withLine(1, "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756CC2"), "line 2: address 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756CC2 is not EIP-55 checksummed"},
		{"short address", withLine(1, testAddress[:40]), "line 2: address \"" + testAddress[:40] + "\" has 38 hex digits, want 40"},
		{"address with trailing space", withLine(1, testAddress+" "), "line 2: address"},
		{"no blank after address", withoutLine(2), `line 3: want an empty line after the address, got "I consent`},
		{"no blank after statement", withoutLine(4), `line 5: want an empty line after the statement, got "URI: uns:alice.crypto"`},
		{"single blank without statement", noStatement, "line 4: got \"URI: uns:alice.crypto\" after a single empty line; without a statement EIP-4361 has two empty lines"},
		{"statement with percent", withLine(3, "100% sure"), "line 4: statement has character '%'"},
		{"statement with tab", withLine(3, "a\tb"), `line 4: statement has character '\t'`},
		{"missing uri", withoutLine(5), `line 6: want "URI: <uri>", got "Version: 1"`},
		{"uri label case", withLine(5, "Uri: uns:alice.crypto"), `line 6: want "URI: <uri>", got "Uri: uns:alice.crypto"`},
		{"bad uri", withLine(5, "URI: alice.crypto"), "line 6: uri \"alice.crypto\" is not an RFC 3986 URI: no scheme"},
		{"empty uri", withLine(5, "URI: "), "line 6: uri is empty"},
		{"missing version", withoutLine(6), `line 7: want "Version: 1", got "Chain ID: 1"`},
		{"wrong version", withLine(6, "Version: 2"), `line 7: version is "2", want "1"`},
		{"missing chain id", withoutLine(7), `line 8: want "Chain ID: <chain id>", got "Nonce: `},
		{"chain id not a number", withLine(7, "Chain ID: one"), `line 8: chain ID "one" is not a decimal number`},
		{"chain id signed", withLine(7, "Chain ID: +1"), `line 8: chain ID "+1" is not a decimal number`},
		{"chain id empty", withLine(7, "Chain ID: "), "line 8: chain ID is empty"},
		{"chain id overflow", withLine(7, "Chain ID: 9223372036854775808"), "line 8: chain ID \"9223372036854775808\" is too large"},
		{"missing nonce", withoutLine(8), `line 9: want "Nonce: <nonce>", got "Issued At: `},
		{"short nonce", withLine(8, "Nonce: abc1234"), "line 9: nonce is 7 characters, want at least 8"},
		{"nonce with symbol", withLine(8, "Nonce: abcd_1234"), "line 9: nonce has character '_'"},
		{"missing issued at", withoutLine(9), `line 10: want "Issued At: <RFC 3339 time>", got "Expiration Time: `},
		{"bad time", withLine(9, "Issued At: 2024-05-01 12:00:00Z"), `line 10: issued at: "2024-05-01 12:00:00Z" is not an RFC 3339 date-time`},
		{"time without offset", withLine(9, "Issued At: 2024-05-01T12:00:00"), "line 10: issued at: \"2024-05-01T12:00:00\" is not an RFC 3339 date-time"},
		{"time with comma fraction", withLine(9, "Issued At: 2024-05-01T12:00:00,5Z"), "want \"Z\" or a +hh:mm/-hh:mm offset"},
		{"time with 24h offset", withLine(9, "Issued At: 2024-05-01T12:00:00+24:00"), "offset out of range"},
		{"time with bad day", withLine(9, "Issued At: 2024-02-30T12:00:00Z"), "day out of range"},
		{"time hour 24", withLine(9, "Issued At: 2024-05-01T24:00:00Z"), "hour out of range"},
		{"leap second", withLine(9, "Issued At: 2016-12-31T23:59:60Z"), "leap seconds are not supported"},
		{"zero time", withLine(10, "Expiration Time: 0001-01-01T00:00:00Z"), "line 11: expiration time: \"0001-01-01T00:00:00Z\" is the zero time"},
		{"bad expiration", withLine(10, "Expiration Time: tomorrow"), "line 11: expiration time:"},
		{"expiration before issued at", withLine(10, "Expiration Time: 2024-05-01T11:00:00Z"), "expiration time 2024-05-01T11:00:00Z is not after issued at 2024-05-01T12:00:00Z"},
		{"bad not before", withLineInserted(11, "Not Before: soon"), "line 12: not before:"},
		{"fields out of order", withLineInserted(10, "Request ID: x"), `line 12: unexpected "Expiration Time: 2024-05-01T12:05:00Z"; after "Issued At" only`},
		{"duplicate field", withLineInserted(10, "Expiration Time: 2024-05-01T12:05:00Z"), `line 12: unexpected "Expiration Time: `},
		{"unknown field", withLineInserted(12, "Foo: bar"), `line 13: unexpected "Foo: bar"`},
		{"bad request id", withLine(11, "Request ID: a b"), "line 12: request ID \"a b\": character ' ' not allowed at offset 1"},
		{"trailing newline", lwuText + "\n", `line 13: unexpected newline at the end of the message`},
		{"trailing garbage", lwuText + "\nthanks!", `line 13: unexpected "thanks!"`},
		{"trailing blank lines", lwuText + "\n\n", `line 13: unexpected ""`},
		{"resource without dash", lwuText + "\nResources:\nhttps://example.com", `line 14: want a resource line "- <uri>", got "https://example.com"`},
		{"bad resource", lwuText + "\nResources:\n- https://example.com\n- not a uri", `line 15: resource 2 "not a uri" is not an RFC 3986 URI`},
		{"crlf", strings.ReplaceAll(lwuText, "\n", "\r\n"), "line 1: carriage return (CR) found; EIP-4361 lines end with LF"},
		{"cr in last line", lwuText + "\r", "line 12: carriage return (CR) found"},
		{"too long", lwuText + "\nResources:\n- https://example.com/" + strings.Repeat("a", MaxMessageLength), "more than the limit of 16384"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.text)
			assertErr(t, err, ErrMalformedMessage, tt.want)
			if err != nil && m.Domain != "" {
				t.Errorf("Parse returned a partial Message %#v with the error", m)
			}
		})
	}
}
