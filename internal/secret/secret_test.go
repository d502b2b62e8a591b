package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func testKeys(t *testing.T, fill byte) *Keys {
	t.Helper()
	k, err := Derive(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDeriveRejectsShortSecret(t *testing.T) {
	if _, err := Derive([]byte("short")); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Fatalf("err = %v", err)
	}
}

func TestHashesAreKeyedAndSeparated(t *testing.T) {
	a, b := testKeys(t, 1), testKeys(t, 2)
	if bytes.Equal(a.HashToken("x"), b.HashToken("x")) {
		t.Fatal("token hash does not depend on the system secret")
	}
	if bytes.Equal(a.HashToken("x"), a.HashBrowser("x")) {
		t.Fatal("token and browser hashes share a key")
	}
	if !bytes.Equal(a.HashToken("x"), a.HashToken("x")) {
		t.Fatal("hash not deterministic")
	}
}

func TestNewToken(t *testing.T) {
	tok := NewToken("sigil_at_")
	if !strings.HasPrefix(tok, "sigil_at_") || len(tok) != len("sigil_at_")+43 {
		t.Fatalf("token %q", tok)
	}
	if a, b := NewToken("p"), NewToken("p"); a == b {
		t.Fatal("tokens repeat")
	}
}

func TestSealOpen(t *testing.T) {
	k := testKeys(t, 1)
	now := time.Unix(1_800_000_000, 0)
	type payload struct{ A string }
	s, err := k.Seal("session", payload{"hello"}, time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	var got payload
	if err := k.Open("session", s, &got, now.Add(30*time.Second)); err != nil || got.A != "hello" {
		t.Fatalf("open: %v %+v", err, got)
	}
	cases := map[string]func() error{
		"expired":       func() error { return k.Open("session", s, &got, now.Add(2*time.Minute)) },
		"other purpose": func() error { return k.Open("form_post", s, &got, now) },
		"other secret":  func() error { return testKeys(t, 2).Open("session", s, &got, now) },
		"tampered":      func() error { return k.Open("session", s[:len(s)-2]+"AA", &got, now) },
		"garbage":       func() error { return k.Open("session", "!!", &got, now) },
		"empty":         func() error { return k.Open("session", "", &got, now) },
	}
	for name, open := range cases {
		if err := open(); !errors.Is(err, ErrUnsealable) {
			t.Errorf("%s: err = %v, want ErrUnsealable", name, err)
		}
	}
}

// TestNewSortableID checks that ids sort by their time, are unique within
// one millisecond, and have the documented shape.
func TestNewSortableID(t *testing.T) {
	t0 := time.UnixMilli(1_796_000_000_000)
	var prev string
	seen := map[string]bool{}
	for i := range 2000 {
		now := t0.Add(time.Duration(i/10) * time.Millisecond) // ten ids per millisecond
		id := NewSortableID(now)
		if len(id) != 34 || id[:12] != fmt.Sprintf("%012x", now.UnixMilli()) {
			t.Fatalf("id %q for %v: want 12 hex digits of Unix ms then 22 base64url characters", id, now)
		}
		if _, err := base64.RawURLEncoding.DecodeString(id[12:]); err != nil {
			t.Fatalf("id %q: random part is not base64url: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if i%10 == 0 && prev != "" && id <= prev {
			t.Fatalf("id %q of a later millisecond sorts before %q", id, prev)
		}
		prev = id
	}
}
