package siwe

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testAddress is the address of the EIP-4361 examples; it is EIP-55
// checksummed (TestValidate would fail otherwise).
const testAddress = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"

const testNonce = "0x" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return tm.UTC()
}

// lwuMessage is the Login with Unstoppable layout Sigil produces.
func lwuMessage(t *testing.T) Message {
	t.Helper()
	return Message{
		Domain:         "auth.sigil.example",
		Address:        testAddress,
		Statement:      "I consent to giving access to: openid wallet email",
		URI:            "uns:alice.crypto",
		Version:        "1",
		ChainID:        1,
		Nonce:          testNonce,
		IssuedAt:       mustTime(t, "2024-05-01T12:00:00Z"),
		ExpirationTime: mustTime(t, "2024-05-01T12:05:00Z"),
		RequestID:      "3c1d0b6e-8f0a-4d8e-9a53-2f1c6b7d9e10",
	}
}

const lwuText = `auth.sigil.example wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I consent to giving access to: openid wallet email

URI: uns:alice.crypto
Version: 1
Chain ID: 1
Nonce: 0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
Issued At: 2024-05-01T12:00:00Z
Expiration Time: 2024-05-01T12:05:00Z
Request ID: 3c1d0b6e-8f0a-4d8e-9a53-2f1c6b7d9e10`

// eipExample is the first example of EIP-4361 "Examples", verbatim.
const eipExample = `example.com wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ExampleOrg Terms of Service: https://example.com/tos

URI: https://example.com/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json`

func TestStringLwULayout(t *testing.T) {
	got := lwuMessage(t).String()
	if got != lwuText {
		t.Fatalf("String() =\n%s\n\nwant\n%s", got, lwuText)
	}
}

func TestStringNoStatementLayout(t *testing.T) {
	m := lwuMessage(t)
	m.Statement = ""
	m.ExpirationTime = time.Time{}
	m.RequestID = ""
	want := "auth.sigil.example wants you to sign in with your Ethereum account:\n" +
		testAddress + "\n" +
		"\n" +
		"\n" + // EIP-4361 ABNF: address LF LF [ statement LF ] LF "URI: "
		"URI: uns:alice.crypto\n" +
		"Version: 1\n" +
		"Chain ID: 1\n" +
		"Nonce: " + testNonce + "\n" +
		"Issued At: 2024-05-01T12:00:00Z"
	if got := m.String(); got != want {
		t.Fatalf("String() =\n%q\nwant\n%q", got, want)
	}
}

func TestStringAllFields(t *testing.T) {
	m := Message{
		Scheme:         "https",
		Domain:         "example.com:3388",
		Address:        testAddress,
		Statement:      "Sign in",
		URI:            "https://example.com/login",
		Version:        "1",
		ChainID:        137,
		Nonce:          "abcdEFGH1234",
		IssuedAt:       time.Date(2021, 9, 30, 18, 25, 24, 0, time.FixedZone("CEST", 2*3600)),
		ExpirationTime: time.Date(2021, 10, 1, 16, 25, 24, 0, time.UTC),
		NotBefore:      time.Date(2021, 9, 30, 16, 30, 0, 0, time.UTC),
		RequestID:      "req-1",
		Resources:      []string{"ipfs://bafy/", "https://example.com/a.json"},
	}
	want := `https://example.com:3388 wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

Sign in

URI: https://example.com/login
Version: 1
Chain ID: 137
Nonce: abcdEFGH1234
Issued At: 2021-09-30T16:25:24Z
Expiration Time: 2021-10-01T16:25:24Z
Not Before: 2021-09-30T16:30:00Z
Request ID: req-1
Resources:
- ipfs://bafy/
- https://example.com/a.json`
	if got := m.String(); got != want {
		t.Fatalf("String() =\n%s\n\nwant\n%s", got, want)
	}
}

// assertRoundTrip checks String -> Parse -> String and that Parse gives m back.
func assertRoundTrip(t *testing.T, m Message) {
	t.Helper()
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	text := m.String()
	got, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(String()): %v\ntext:\n%s", err, text)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("Parse(String()) = %#v\nwant %#v", got, m)
	}
	if again := got.String(); again != text {
		t.Fatalf("String(Parse(String())) =\n%s\n\nwant\n%s", again, text)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Message)
	}{
		{"lwu layout", func(*Message) {}},
		{"without statement", func(m *Message) { m.Statement = "" }},
		{"minimal", func(m *Message) {
			m.Statement, m.ExpirationTime, m.RequestID = "", time.Time{}, ""
		}},
		{"with resources", func(m *Message) {
			m.Resources = []string{"ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/", "https://example.com/my-web2-claim.json"}
		}},
		{"resources without statement", func(m *Message) {
			m.Statement = ""
			m.Resources = []string{"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"}
		}},
		{"with not before", func(m *Message) { m.NotBefore = m.IssuedAt.Add(time.Minute) }},
		{"not before only", func(m *Message) {
			m.ExpirationTime = time.Time{}
			m.NotBefore = m.IssuedAt.Add(-time.Minute)
		}},
		{"explicit scheme and port", func(m *Message) { m.Scheme, m.Domain = "https", "localhost:8080" }},
		{"ipv6 domain", func(m *Message) { m.Domain = "[::1]:8443" }},
		{"statement looking like a field", func(m *Message) { m.Statement = "URI: https://example.com/#x" }},
		{"statement of reserved characters", func(m *Message) { m.Statement = ":/?#[]@!$&'()*+,;= -._~" }},
		{"sub-second times", func(m *Message) {
			m.IssuedAt = m.IssuedAt.Add(123 * time.Millisecond)
			m.ExpirationTime = m.ExpirationTime.Add(time.Nanosecond)
		}},
		{"big chain id", func(m *Message) { m.ChainID = 1<<63 - 1 }},
		{"all-digit address", func(m *Message) { m.Address = "0x1234567890123456789012345678901234567890" }},
		{"everything", func(m *Message) {
			m.Scheme = "https"
			m.NotBefore = m.IssuedAt
			m.Resources = []string{"https://example.com/a?b=c#d", "mailto:a@example.com"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := lwuMessage(t)
			tt.mutate(&m)
			assertRoundTrip(t, m)
		})
	}
}

func TestParseLwU(t *testing.T) {
	got, err := Parse(lwuText)
	if err != nil {
		t.Fatal(err)
	}
	if want := lwuMessage(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse = %#v\nwant %#v", got, want)
	}
}

func TestParseEIPExamples(t *testing.T) {
	port := strings.Replace(eipExample, "example.com wants", "example.com:3388 wants", 1)
	scheme := strings.Replace(eipExample, "example.com wants", "https://example.com wants", 1)
	tests := []struct {
		name, text, scheme, domain string
	}{
		{"implicit scheme", eipExample, "", "example.com"},
		{"explicit port", port, "", "example.com:3388"},
		{"explicit scheme", scheme, "https", "example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			want := Message{
				Scheme:    tt.scheme,
				Domain:    tt.domain,
				Address:   testAddress,
				Statement: "I accept the ExampleOrg Terms of Service: https://example.com/tos",
				URI:       "https://example.com/login",
				Version:   "1",
				ChainID:   1,
				Nonce:     "32891756",
				IssuedAt:  mustTime(t, "2021-09-30T16:25:24Z"),
				Resources: []string{
					"ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
					"https://example.com/my-web2-claim.json",
				},
			}
			if !reflect.DeepEqual(m, want) {
				t.Fatalf("Parse = %#v\nwant %#v", m, want)
			}
			if got := m.String(); got != tt.text {
				t.Fatalf("String() =\n%s\nwant\n%s", got, tt.text)
			}
		})
	}
}

// TestParseNormalises covers ABNF-valid spellings that Parse accepts but
// String writes canonically; Parse(String()) must still equal the first
// result.
func TestParseNormalises(t *testing.T) {
	base := lwuMessage(t)
	tests := []struct {
		name string
		text string
		want func(*Message)
	}{
		{
			"time offset converted to UTC",
			strings.Replace(lwuText, "Issued At: 2024-05-01T12:00:00Z", "Issued At: 2024-05-01T14:00:00+02:00", 1),
			func(*Message) {},
		},
		{
			"lower-case t and z (RFC 3339 5.6)",
			strings.Replace(lwuText, "Issued At: 2024-05-01T12:00:00Z", "Issued At: 2024-05-01t12:00:00z", 1),
			func(*Message) {},
		},
		{
			"fractional seconds kept",
			strings.Replace(lwuText, "Issued At: 2024-05-01T12:00:00Z", "Issued At: 2024-05-01T12:00:00.250Z", 1),
			func(m *Message) { m.IssuedAt = m.IssuedAt.Add(250 * time.Millisecond) },
		},
		{
			"chain id with leading zeros",
			strings.Replace(lwuText, "Chain ID: 1\n", "Chain ID: 0001\n", 1),
			func(*Message) {},
		},
		{
			"present but empty statement",
			strings.Replace(lwuText, "\nI consent to giving access to: openid wallet email\n", "\n\n", 1),
			func(m *Message) { m.Statement = "" },
		},
		{
			"empty request id",
			strings.Replace(lwuText, "Request ID: 3c1d0b6e-8f0a-4d8e-9a53-2f1c6b7d9e10", "Request ID: ", 1),
			func(m *Message) { m.RequestID = "" },
		},
		{
			"empty resources list",
			lwuText + "\nResources:",
			func(*Message) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			tt.want(&want)
			got, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse: %v\ntext:\n%s", err, tt.text)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Parse = %#v\nwant %#v", got, want)
			}
			assertRoundTrip(t, got)
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Message)
		wantErr string // "" means valid
	}{
		{"lwu", func(*Message) {}, ""},
		{"empty domain", func(m *Message) { m.Domain = "" }, "domain is empty"},
		{"domain with path", func(m *Message) { m.Domain = "example.com/login" }, "not an RFC 3986 authority"},
		{"domain with space", func(m *Message) { m.Domain = "exa mple.com" }, "not an RFC 3986 authority"},
		{"domain with bad port", func(m *Message) { m.Domain = "example.com:80a" }, "port"},
		{"domain with userinfo", func(m *Message) { m.Domain = "user:pw@example.com" }, ""},
		{"bad scheme", func(m *Message) { m.Scheme = "1https" }, "scheme"},
		{"lowercase address", func(m *Message) { m.Address = strings.ToLower(testAddress) }, "not EIP-55 checksummed (want " + testAddress + ")"},
		{"uppercase address", func(m *Message) { m.Address = "0x" + strings.ToUpper(testAddress[2:]) }, "not EIP-55 checksummed"},
		{"address with one case flipped", func(m *Message) { m.Address = "0xc02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2" }, "not EIP-55 checksummed"},
		{"short address", func(m *Message) { m.Address = testAddress[:41] }, "has 39 hex digits, want 40"},
		{"address without 0x", func(m *Message) { m.Address = testAddress[2:] }, "does not start with \"0x\""},
		{"address not hex", func(m *Message) { m.Address = "0xG02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2" }, "non-hex character"},
		{"statement with newline", func(m *Message) { m.Statement = "a\nb" }, "line break"},
		{"statement with percent", func(m *Message) { m.Statement = "100% sure" }, "statement has character '%'"},
		{"statement non-ascii", func(m *Message) { m.Statement = "héllo" }, "statement has character"},
		{"empty uri", func(m *Message) { m.URI = "" }, "uri is empty"},
		{"uri without scheme", func(m *Message) { m.URI = "alice.crypto" }, "no scheme"},
		{"uri with space", func(m *Message) { m.URI = "https://example.com/a b" }, "not an RFC 3986 URI"},
		{"uri with bad percent", func(m *Message) { m.URI = "https://example.com/%zz" }, "two hex digits"},
		{"version 2", func(m *Message) { m.Version = "2" }, "version is \"2\", want \"1\""},
		{"version empty", func(m *Message) { m.Version = "" }, "version is \"\", want \"1\""},
		{"negative chain id", func(m *Message) { m.ChainID = -1 }, "chain ID is -1"},
		{"short nonce", func(m *Message) { m.Nonce = "abc1234" }, "nonce is 7 characters, want at least 8"},
		{"nonce with dash", func(m *Message) { m.Nonce = "abcd-1234" }, "nonce has character '-'"},
		{"missing issued at", func(m *Message) { m.IssuedAt = time.Time{} }, "issued at is required"},
		{"expiration before issued at", func(m *Message) { m.ExpirationTime = m.IssuedAt.Add(-time.Second) }, "is not after issued at"},
		{"expiration equal to issued at", func(m *Message) { m.ExpirationTime = m.IssuedAt }, "is not after issued at"},
		{"expiration before not before", func(m *Message) { m.NotBefore = m.ExpirationTime.Add(time.Second) }, "is not after not before"},
		{"not before before issued at is fine", func(m *Message) { m.NotBefore = m.IssuedAt.Add(-time.Hour) }, ""},
		{"year 10000", func(m *Message) {
			m.IssuedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
			m.ExpirationTime = time.Time{}
		}, "year 10000"},
		{"request id with space", func(m *Message) { m.RequestID = "a b" }, "request ID"},
		{"resource without scheme", func(m *Message) { m.Resources = []string{"https://ok.example", "/relative"} }, "resource 2"},
		{"empty resource", func(m *Message) { m.Resources = []string{""} }, "resource 1 is empty"},
		{"too long", func(m *Message) {
			m.Resources = []string{"https://example.com/" + strings.Repeat("a", MaxMessageLength)}
		}, "more than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := lwuMessage(t)
			tt.mutate(&m)
			assertErr(t, m.Validate(), ErrMalformedMessage, tt.wantErr)
		})
	}
}

// assertErr checks that err is nil when want is "", and otherwise wraps
// target and contains want.
func assertErr(t *testing.T, err, target error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	if !errors.Is(err, target) {
		t.Errorf("error %q does not wrap %v", err, target)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}
