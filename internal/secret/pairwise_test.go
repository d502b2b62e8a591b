package secret

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"regexp"
	"testing"
)

// TestPairwiseKeyIsHKDFExpand: the key is RFC 5869's HKDF-Expand, written
// out for its one block.
func TestPairwiseKeyIsHKDFExpand(t *testing.T) {
	prk := bytes.Repeat([]byte{7}, 32)
	want, err := hkdf.Expand(sha256.New, prk, pairwiseInfo, 32)
	if err != nil {
		t.Fatal(err)
	}
	if got := pairwiseKey(prk); !bytes.Equal(got, want) {
		t.Fatalf("pairwiseKey = %x, want HKDF-Expand %x", got, want)
	}
}

// TestPairwiseSubject: a pairwise subject is stable for its inputs, differs
// when any of them differs (a new owner of the same domain included), is
// keyed by the system secret, and is 43 base64url characters.
func TestPairwiseSubject(t *testing.T) {
	k := testKeys(t, 1)
	const (
		alice = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
		bob   = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
	)
	sub := k.PairwiseSubject("client-a", "alice.crypto", alice)
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(sub) {
		t.Fatalf("subject %q is not 43 base64url characters", sub)
	}
	if again := k.PairwiseSubject("client-a", "alice.crypto", alice); again != sub {
		t.Errorf("same inputs gave %q then %q", sub, again)
	}
	if lower := k.PairwiseSubject("client-a", "alice.crypto", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"); lower != sub {
		t.Errorf("the address in lowercase gave another subject: %q, want %q", lower, sub)
	}
	for name, other := range map[string]string{
		"another client":          k.PairwiseSubject("client-b", "alice.crypto", alice),
		"another owner":           k.PairwiseSubject("client-a", "alice.crypto", bob),
		"another domain":          k.PairwiseSubject("client-a", "bob.crypto", alice),
		"another system secret":   testKeys(t, 2).PairwiseSubject("client-a", "alice.crypto", alice),
		"inputs shifted together": k.PairwiseSubject("client-aalice", ".crypto", alice),
	} {
		if other == sub {
			t.Errorf("%s gave the same subject %q", name, sub)
		}
	}
}
