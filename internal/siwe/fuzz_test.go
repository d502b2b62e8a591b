package siwe

import (
	"errors"
	"reflect"
	"strings"
	"testing"
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
