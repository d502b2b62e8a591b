package domains

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	good := map[string]string{
		"alice.crypto":                      "alice.crypto",
		"  Alice.CRYPTO\t":                  "alice.crypto",
		"sub.alice-1.x":                     "sub.alice-1.x",
		"a.b":                               "a.b",
		"0x1.eth":                           "0x1.eth",
		strings.Repeat("a", 63) + ".crypto": strings.Repeat("a", 63) + ".crypto",
	}
	for in, want := range good {
		got, err := NormalizeName(in)
		if err != nil || got != want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}

	long := strings.Repeat(strings.Repeat("a", 62)+".", 3) + strings.Repeat("a", 60) + ".crypto" // 189 + 60 + 7 = 256
	bad := map[string]string{
		"":                                  "empty",
		"   ":                               "empty",
		"alice":                             "needs a top-level label such as .crypto",
		"alice.":                            "empty label",
		".alice.crypto":                     "empty label",
		"alice..crypto":                     "empty label",
		"-alice.crypto":                     `"-alice"`,
		"alice-.crypto":                     `"alice-"`,
		"al_ice.crypto":                     `'_'`,
		"al ice.crypto":                     `' '`,
		"alice.crypto/x":                    `'/'`,
		"\u212Aelvin.crypto":                `'\u212a'`, // Kelvin sign, lowercases to 'k'
		"ali\u00e7e.crypto":                 `'\u00e7'`,
		strings.Repeat("a", 64) + ".crypto": "limit is 63",
		long:                                "limit is 253",
	}
	for in, want := range bad {
		got, err := NormalizeName(in)
		if err == nil {
			t.Errorf("NormalizeName(%q) = %q, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizeName(%q) error %q does not contain %q", in, err, want)
		}
	}
}

func TestNormalizeAddress(t *testing.T) {
	const checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" // from EIP-55
	for _, in := range []string{
		checksummed,
		strings.ToLower(checksummed),
		"0x" + strings.ToUpper(checksummed[2:]),
		"  " + checksummed + " ",
		checksummed[2:],
	} {
		got, err := NormalizeAddress(in)
		if err != nil || got != checksummed {
			t.Errorf("NormalizeAddress(%q) = %q, %v; want %q", in, got, err, checksummed)
		}
	}

	bad := map[string]string{
		"":   "empty",
		"0x": "not an Ethereum address",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe":   "not an Ethereum address", // 39 digits
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd": "not an Ethereum address", // 41 digits
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg":  "not an Ethereum address",
		"alice.crypto": "not an Ethereum address",
		"0x0000000000000000000000000000000000000000": "zero address",
		"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed": "checksum", // one letter's case flipped
	}
	for in, want := range bad {
		got, err := NormalizeAddress(in)
		if err == nil {
			t.Errorf("NormalizeAddress(%q) = %q, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizeAddress(%q) error %q does not contain %q", in, err, want)
		}
	}
}
