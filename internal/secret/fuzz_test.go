package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzOpen feeds Open what a browser can send back in a sealed cookie or a
// form_post link: any text, for any purpose, at any time. Open must never
// panic, must fail only with ErrUnsealable, and must accept nothing but a
// value this process sealed, for the same purpose, before it expired, and
// then return exactly that value.
func FuzzOpen(f *testing.F) {
	k, err := Derive(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	type payload struct {
		S string `json:"s"`
		N int    `json:"n"`
	}
	now := time.Unix(1_800_000_000, 0)
	type sealed struct {
		purpose string
		value   payload
		exp     int64
	}
	// The seeds are sealed anew in every fuzzing process (the nonce is
	// random), so an accepted value is recognised by its purpose, which
	// each seed has its own of.
	known := map[string]sealed{}
	for _, s := range []sealed{
		{"session", payload{"alice.crypto", 1}, 0},
		{"challenge", payload{strings.Repeat("x", 4096), -1}, 0},
		{"form_post", payload{"\xff\xfe not UTF-8 \u2028", 0}, 0},
	} {
		v, err := k.Seal(s.purpose, s.value, time.Minute, now)
		if err != nil {
			f.Fatal(err)
		}
		s.exp = now.Add(time.Minute).Unix()
		// JSON carries text as UTF-8: invalid bytes come back as U+FFFD.
		j, _ := json.Marshal(s.value)
		_ = json.Unmarshal(j, &s.value)
		known[s.purpose] = s
		f.Add(s.purpose, v, int64(0))
		f.Add(s.purpose, v, int64(61))           // expired
		f.Add("session2", v, int64(0))           // another purpose
		f.Add(s.purpose, v[:len(v)-1], int64(0)) // truncated
		f.Add(s.purpose, v+"A", int64(0))
		f.Add(s.purpose, strings.ToUpper(v), int64(0))
	}
	f.Add("session", "", int64(0))
	f.Add("session", "AAAA", int64(0))
	f.Add("session", "eyJhbGciOiJub25lIn0.e30.", int64(0))
	f.Add("session", strings.Repeat("A", 100000), int64(0))
	f.Add("", "\xff\x00%%==", int64(-1<<62))

	f.Fuzz(func(t *testing.T, purpose, text string, offset int64) {
		var got payload
		at := now.Add(time.Duration(offset) * time.Second)
		err := k.Open(purpose, text, &got, at)
		if err != nil {
			if !errors.Is(err, ErrUnsealable) {
				t.Fatalf("Open error %v is not ErrUnsealable", err)
			}
			return
		}
		s, ok := known[purpose]
		switch {
		case !ok:
			t.Fatalf("Open accepted %q for purpose %q, for which nothing was sealed", text, purpose)
		case at.Unix() > s.exp:
			t.Fatalf("Open accepted a value %d s after it expired", at.Unix()-s.exp)
		case got != s.value:
			t.Fatalf("Open returned %+v for %q, sealed %+v", got, purpose, s.value)
		}
	})
}
