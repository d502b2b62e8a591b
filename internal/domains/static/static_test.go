package static

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sigil-oidc/sigil"
)

const (
	alice = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" // EIP-55 test vectors
	bob   = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
)

func TestLoadValidFile(t *testing.T) {
	r, err := Load("testdata/registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Names(), []string{"alice.crypto", "bob.x"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	d, err := r.Resolve(context.Background(), "  ALICE.crypto ")
	if err != nil {
		t.Fatal(err)
	}
	want := sigil.Domain{
		Name:  "alice.crypto",
		Owner: alice,
		Records: map[string]string{
			"crypto.ETH.address": alice,
			"profile.name":       "Alice",
		},
		ChainID: DefaultChainID, // the file names none
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Resolve = %+v, want %+v", d, want)
	}
	d, err = r.Resolve(context.Background(), "bob.x")
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner != bob || d.Records == nil || len(d.Records) != 0 {
		t.Errorf("bob.x = %+v, want owner %s and no records", d, bob)
	}
}

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error, besides the file name
	}{
		{"bad address", `
domains:
  alice.crypto:
    owner: "0x1234"
`, []string{":3:", `"alice.crypto"`, "owner", `"0x1234"`}},
		{"zero address", `
domains:
  alice.crypto:
    owner: "0x0000000000000000000000000000000000000000"
`, []string{`"alice.crypto"`, "owner", "zero address"}},
		{"bad checksum", `
domains:
  alice.crypto:
    owner: "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
`, []string{`"alice.crypto"`, "owner", "checksum"}},
		{"bad name", `
domains:
  alice.crypto:
    owner: "` + alice + `"
  alice:
    owner: "` + alice + `"
`, []string{":5:", `"alice"`, "top-level label"}},
		{"name with underscore", `
domains:
  al_ice.crypto:
    owner: "` + alice + `"
`, []string{`"al_ice.crypto"`, `'_'`}},
		{"duplicate after lowercasing", `
domains:
  alice.crypto:
    owner: "` + alice + `"
  ALICE.Crypto:
    owner: "` + bob + `"
`, []string{":5:", `"ALICE.Crypto"`, `"alice.crypto" (line 3)`, "case-insensitive"}},
		{"exact duplicate", `
domains:
  alice.crypto:
    owner: "` + alice + `"
  alice.crypto:
    owner: "` + bob + `"
`, []string{`"alice.crypto"`, "already defined"}},
		{"unknown top-level field", `
domain:
  alice.crypto:
    owner: "` + alice + `"
`, []string{"line 2", `unknown top-level key "domain"`}},
		{"unknown domain field", `
domains:
  alice.crypto:
    onwer: "` + alice + `"
`, []string{"line 4", `unknown key "onwer"`}},
		{"missing owner", `
domains:
  alice.crypto:
    records:
      profile.name: Alice
`, []string{":3:", `"alice.crypto"`, "owner is missing"}},
		{"records not a mapping", `
domains:
  alice.crypto:
    owner: "` + alice + `"
    records: [a, b]
`, []string{"line 5"}},
		{"empty file", ``, []string{"empty", "domains"}},
		{"two documents", `
domains: {}
---
domains: {}
`, []string{"more than one YAML document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "registry.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded with names %v", r.Names())
			}
			for _, w := range append([]string{path}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load(missing) error = %v", err)
	}
}

func TestResolveNotFound(t *testing.T) {
	r, err := New(map[string]sigil.Domain{"alice.crypto": {Owner: alice}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bob.crypto", "alice", "", "al ice.crypto"} {
		_, err := r.Resolve(context.Background(), name)
		if !errors.Is(err, sigil.ErrDomainNotFound) {
			t.Errorf("Resolve(%q) error = %v, want ErrDomainNotFound", name, err)
		}
	}
}

func TestResolveReturnsCopy(t *testing.T) {
	in := map[string]sigil.Domain{
		"alice.crypto": {Owner: alice, Records: map[string]string{"profile.name": "Alice"}},
		"bob.x":        {Owner: bob},
	}
	r, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	// Changing the input after New does not reach the registry.
	in["alice.crypto"].Records["profile.name"] = "changed by caller"

	d, err := r.Resolve(context.Background(), "alice.crypto")
	if err != nil {
		t.Fatal(err)
	}
	if d.Records["profile.name"] != "Alice" {
		t.Fatalf("registry shares the caller's records map: %v", d.Records)
	}
	d.Records["profile.name"] = "Mallory"
	d.Records["extra"] = "x"
	again, _ := r.Resolve(context.Background(), "alice.crypto")
	if !maps.Equal(again.Records, map[string]string{"profile.name": "Alice"}) {
		t.Errorf("mutating a resolved Records map changed the registry: %v", again.Records)
	}

	// A domain without records resolves to an empty map that can be written.
	b, _ := r.Resolve(context.Background(), "bob.x")
	b.Records["x"] = "y"

	names := r.Names()
	names[0] = "changed"
	if r.Names()[0] != "alice.crypto" {
		t.Error("mutating Names() changed the registry")
	}
}

func TestNew(t *testing.T) {
	r, err := New(map[string]sigil.Domain{
		"Alice.CRYPTO": {Name: "alice.crypto", Owner: strings.ToLower(alice)},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.Resolve(context.Background(), "alice.crypto")
	if err != nil || d.Name != "alice.crypto" || d.Owner != alice {
		t.Errorf("Resolve = %+v, %v", d, err)
	}

	bad := []struct {
		name string
		in   map[string]sigil.Domain
		want string
	}{
		{"duplicate", map[string]sigil.Domain{"alice.crypto": {Owner: alice}, "ALICE.crypto": {Owner: bob}}, "case-insensitive"},
		{"name mismatch", map[string]sigil.Domain{"alice.crypto": {Name: "bob.crypto", Owner: alice}}, `"bob.crypto"`},
		{"missing owner", map[string]sigil.Domain{"alice.crypto": {}}, "owner is missing"},
		{"bad owner", map[string]sigil.Domain{"alice.crypto": {Owner: "alice"}}, "not an Ethereum address"},
		{"bad name", map[string]sigil.Domain{"-alice.crypto": {Owner: alice}}, `"-alice"`},
	}
	for _, tt := range bad {
		if _, err := New(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	in := map[string]sigil.Domain{
		"Alice.Crypto": {Owner: strings.ToLower(alice), Records: map[string]string{
			"crypto.ETH.address": alice,
			"profile.name":       "Alice: the first",
			"profile.number":     "0123",
		}},
		"bob.x": {Owner: bob},
	}
	path := filepath.Join(t.TempDir(), "registry.yaml")
	// A file that already exists with a wider mode ends up 0600 too.
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, in); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("file mode = %o, want 600", mode)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("Write left %d files in the directory, want 1", len(entries))
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `owner: "`+alice+`"`) {
		t.Errorf("owner is not written as a quoted string:\n%s", raw)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load after Write: %v\n%s", err, raw)
	}
	want, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}

	if err := Write(path, map[string]sigil.Domain{"alice": {Owner: alice}}); err == nil {
		t.Error("Write of an invalid registry succeeded")
	}
	if _, err := Load(path); err != nil {
		t.Errorf("failed Write damaged the existing file: %v", err)
	}
}

func TestConcurrentResolve(t *testing.T) {
	r, err := Load("testdata/registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := r.Resolve(context.Background(), "alice.crypto")
			if err != nil {
				t.Error(err)
				return
			}
			d.Records["k"] = "v"
			_ = r.Names()
		}()
	}
	wg.Wait()
}

func TestReverseListsOwnedDomains(t *testing.T) {
	owner := "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
	r, err := New(map[string]sigil.Domain{
		"b.crypto": {Owner: owner}, "a.crypto": {Owner: owner},
		"c.crypto": {Owner: "0x000000000000000000000000000000000000dEaD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Reverse(context.Background(), strings.ToLower(owner))
	if err != nil || strings.Join(got, ",") != "a.crypto,b.crypto" {
		t.Fatalf("Reverse = %v, %v", got, err)
	}
	if got, _ := r.Reverse(context.Background(), "0x0000000000000000000000000000000000000001"); len(got) != 0 {
		t.Fatalf("an address owning nothing: %v", got)
	}
	if _, err := r.Reverse(context.Background(), "nope"); err == nil {
		t.Fatal("a malformed address must fail")
	}
}

// TestOwnerAndResolveFresh: the registry answers the owner alone and a
// "fresh" look-up exactly as Resolve does, for any spelling of the name.
func TestOwnerAndResolveFresh(t *testing.T) {
	r, err := Load("testdata/registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"alice.crypto", " Alice.Crypto "} {
		if o, err := r.Owner(ctx, name); err != nil || o != alice {
			t.Errorf("Owner(%q) = %s, %v; want %s", name, o, err, alice)
		}
		d, err := r.ResolveFresh(ctx, name)
		if err != nil || d.Owner != alice || d.Name != "alice.crypto" {
			t.Errorf("ResolveFresh(%q) = %+v, %v", name, d, err)
		}
	}
	if _, err := r.Owner(ctx, "nobody.crypto"); !errors.Is(err, sigil.ErrDomainNotFound) {
		t.Errorf("Owner of an unknown name: %v, want ErrDomainNotFound", err)
	}
	if _, err := r.ResolveFresh(ctx, "nobody.crypto"); !errors.Is(err, sigil.ErrDomainNotFound) {
		t.Errorf("ResolveFresh of an unknown name: %v, want ErrDomainNotFound", err)
	}
}

// TestChainID: an entry's optional chain_id names the chain where its owner
// lives (EIP-4361's Chain ID); left out it is 1, and a negative one is
// refused with the file and line. Write keeps it, and leaves the default
// out.
func TestChainID(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "domains.yaml")
	yaml := "domains:\n  alice.crypto:\n    owner: \"" + alice + "\"\n  bob.polygon:\n    owner: \"" + bob + "\"\n    chain_id: 137\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"alice.crypto": 1, "bob.polygon": 137} {
		if d, err := r.Resolve(context.Background(), name); err != nil || d.ChainID != want {
			t.Errorf("Resolve(%s) = %+v, %v; want chain id %d", name, d, err, want)
		}
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("domains:\n  alice.crypto:\n    owner: \""+alice+"\"\n    chain_id: -5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "chain_id -5") || !strings.Contains(err.Error(), "bad.yaml:2") {
		t.Errorf("negative chain_id: %v, want an error naming it and the line", err)
	}

	out := filepath.Join(dir, "out.yaml")
	if err := Write(out, map[string]sigil.Domain{"alice.crypto": {Owner: alice}, "bob.polygon": {Owner: bob, ChainID: 137}}); err != nil {
		t.Fatal(err)
	}
	written, _ := os.ReadFile(out)
	if n := strings.Count(string(written), "chain_id"); n != 1 {
		t.Errorf("the written file has %d chain_id keys, want 1 (the default left out):\n%s", n, written)
	}
	again, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := again.Resolve(context.Background(), "bob.polygon"); d.ChainID != 137 {
		t.Errorf("chain id after Write and Load: %d, want 137", d.ChainID)
	}
}
