package static

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains"
)

// FuzzLoad reads arbitrary registry files. Load must never panic; a
// registry it accepts holds only canonical names and owners, resolves each
// of its names to itself, and survives Write and Load again unchanged
// (records included), so what an operator writes with `sigil domains` is
// what serves.
func FuzzLoad(f *testing.F) {
	valid, err := os.ReadFile("testdata/registry.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		string(valid),
		"domains: {}\n",
		"domains:\n  a.b:\n    owner: \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"\n",
		"domains:\n  a.b:\n    owner: 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\n    records: {\"k\": \"v\\u0000\\xff\\U0001F600\", \"\": x}\n",
		"domains:\n  A.B:\n    owner: \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"\n  a.b:\n    owner: \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"\n",
		"domains:\n  a.b: &x\n    owner: \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"\n  c.d: *x\n  <<: {e.f: *x}\n",
		"domains:\n  a.b:\n    onwer: x\n",
		"domains:\n  a.b:\n    owner: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAee\n",
		"domains:\n  a.b:\n    owner: 0x0000000000000000000000000000000000000000\n",
		"domains:\n  \"a\\u212Ab\":\n    owner: \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"\n",
		"---\ndomains: {}\n---\ndomains: {}\n",
		"domains: [1, 2]\n",
		"domains:\n  ? [a, b]\n  : {owner: x}\n",
		"domains:\n  " + strings.Repeat("a", 64) + ".b:\n    owner: x\n",
		"",
		"\xff\xfe\x00",
		"a: &a [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
		"domains:\n  a.b:\n    owner: \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"\n    records:\n      big: \"" + strings.Repeat("z", 60000) + "\"\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	in, out := filepath.Join(dir, "in.yaml"), filepath.Join(dir, "out.yaml")
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(in, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Load(in)
		if err != nil {
			if !strings.Contains(err.Error(), in) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		ctx := context.Background()
		all := map[string]sigil.Domain{}
		for _, name := range r.Names() {
			if n, err := domains.NormalizeName(name); err != nil || n != name {
				t.Fatalf("accepted name %q is not canonical (%q, %v)", name, n, err)
			}
			d, err := r.Resolve(ctx, name)
			if err != nil || d.Name != name {
				t.Fatalf("Resolve(%q) = %+v, %v", name, d, err)
			}
			if o, err := domains.NormalizeAddress(d.Owner); err != nil || o != d.Owner {
				t.Fatalf("accepted owner %q of %s is not canonical", d.Owner, name)
			}
			if got, _ := r.Reverse(ctx, d.Owner); !slices.Contains(got, name) {
				t.Fatalf("Reverse(%s) = %v misses %s", d.Owner, got, name)
			}
			all[name] = d
		}
		if !slices.IsSorted(r.Names()) {
			t.Fatalf("Names() %v is not sorted", r.Names())
		}
		if err := Write(out, all); err != nil {
			t.Fatalf("Write of an accepted registry failed: %v", err)
		}
		r2, err := Load(out)
		if err != nil {
			written, _ := os.ReadFile(out)
			t.Fatalf("Load of what Write wrote failed: %v\n%s", err, written)
		}
		if !slices.Equal(r2.Names(), r.Names()) {
			t.Fatalf("names changed in a Write/Load round trip: %v -> %v", r.Names(), r2.Names())
		}
		for _, name := range r.Names() {
			d2, _ := r2.Resolve(ctx, name)
			d := all[name]
			if d2.Owner != d.Owner || !maps.Equal(d2.Records, d.Records) {
				t.Fatalf("%s changed in a Write/Load round trip:\n%+v\n%+v", name, d, d2)
			}
		}
	})
}
