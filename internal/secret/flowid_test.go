package secret

import (
	"strings"
	"testing"
	"time"
)

// TestFlowIDBindsBrowserAndExpiry shows what CheckFlowID refuses: another
// browser, an expired id, a tampered id, another system secret, and
// anything not made by NewFlowID.
func TestFlowIDBindsBrowserAndExpiry(t *testing.T) {
	k := mustDerive(t, strings.Repeat("a", 32))
	other := mustDerive(t, strings.Repeat("b", 32))
	now := time.Unix(1_800_000_000, 0)
	browser, stranger := k.HashBrowser("browser-1"), k.HashBrowser("browser-2")
	id := k.NewFlowID(browser, now.Add(30*time.Minute))

	if len(id) != FlowIDLen {
		t.Fatalf("id %q is %d characters, want %d", id, len(id), FlowIDLen)
	}
	if !k.CheckFlowID(id, browser, now) || !k.CheckFlowID(id, browser, now.Add(30*time.Minute-time.Second)) {
		t.Fatal("a fresh id of this browser is refused")
	}
	if first, second := k.NewFlowID(browser, now), k.NewFlowID(browser, now); first == second {
		t.Fatal("two flow ids are equal")
	}
	tampered := []byte(id)
	tampered[3] ^= 1
	if tampered[3] == '-' || tampered[3] == '_' { // keep it base64url
		tampered[3] = 'A'
	}
	for name, ok := range map[string]bool{
		"another browser":       k.CheckFlowID(id, stranger, now),
		"no browser cookie":     k.CheckFlowID(id, nil, now),
		"expired":               k.CheckFlowID(id, browser, now.Add(30*time.Minute)),
		"tampered":              k.CheckFlowID(string(tampered), browser, now),
		"another system secret": other.CheckFlowID(id, browser, now),
		"legacy random id":      k.CheckFlowID(RandomString(24), browser, now),
		"empty":                 k.CheckFlowID("", browser, now),
		"not base64url":         k.CheckFlowID(strings.Repeat("*", FlowIDLen), browser, now),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func mustDerive(t *testing.T, s string) *Keys {
	t.Helper()
	k, err := Derive([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
