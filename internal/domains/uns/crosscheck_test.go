package uns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/chaintest"
	"github.com/sigil-oidc/sigil/internal/domains"
)

// crossCheckOutput is what testdata/crosscheck.js prints.
type crossCheckOutput struct {
	Names map[string]struct {
		Namehash     string            `json:"namehash"`
		NamehashErr  string            `json:"namehashError"`
		Owner        string            `json:"owner"`
		OwnerErr     string            `json:"ownerError"`
		Records      map[string]string `json:"records"`
		RecordsError string            `json:"recordsError"`
	} `json:"names"`
	Reverse     map[string]json.RawMessage `json:"reverse"`
	Connections []string                   `json:"connections"`
	Refused     []string                   `json:"refused"`
	TLDRequests []string                   `json:"tldRequests"`
}

// TestCrossCheckResolutionLibrary asks the official resolution library
// (@unstoppabledomains/resolution 9.3.3, run by node) and the Resolver the
// same questions about the same chain, and requires the same answers:
// namehash, owner (including "not registered"), records and reverse
// records. The library talks to the chain over HTTP on 127.0.0.1 only; its
// one other request, the list of supported TLDs, is answered inside the
// node process (see testdata/crosscheck.js).
func TestCrossCheckResolutionLibrary(t *testing.T) {
	t.Parallel()
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the cross-check with @unstoppabledomains/resolution: %v", err)
	}
	f := newFixture(t)
	aliceKey, alice := f.chain.NewAccount(t)
	bobKey, bob := f.chain.NewAccount(t)
	carolKey, carol := f.chain.NewAccount(t)

	f.l1.Mint(t, "alice.crypto", alice, map[string]string{"crypto.ETH.address": alice.Hex(), "profile.name": "Alice"})
	f.l1.SetReverse(t, aliceKey, "alice.crypto")
	f.l2.Mint(t, "bob.wallet", bob, map[string]string{"crypto.ETH.address": bob.Hex()})
	f.l2.SetReverse(t, bobKey, "bob.wallet")
	f.l1.Mint(t, "both.crypto", alice, map[string]string{"profile.name": "on L1"})
	f.l2.Mint(t, "both.crypto", bob, map[string]string{"profile.name": "on L2"})
	f.l2.Mint(t, "sub.bob.wallet", bob, nil)
	f.l1.Mint(t, "carol1.crypto", carol, nil)
	f.l1.SetReverse(t, carolKey, "carol1.crypto")
	f.l2.Mint(t, "carol2.x", carol, nil)
	f.l2.SetReverse(t, carolKey, "carol2.x")
	f.l2.Mint(t, "gone.nft", alice, nil)
	f.l2.Expire(t, "gone.nft")

	names := []string{
		"alice.crypto", "Alice.CRYPTO", "bob.wallet", "both.crypto", "sub.bob.wallet",
		"carol1.crypto", "carol2.x", "gone.nft", "nobody.crypto", "nobody.dao",
	}
	addresses := []string{alice.Hex(), bob.Hex(), carol.Hex()}

	in := map[string]any{
		"nodeModules": chaintest.NodeModules(t),
		"l1":          map[string]string{"url": f.chain.RPCURL, "proxyReader": f.l1.ProxyReader.Hex()},
		"l2":          map[string]string{"url": f.chain.RPCURL, "proxyReader": f.l2.ProxyReader.Hex()},
		"names":       names,
		"recordKeys":  testKeys,
		"addresses":   addresses,
		"tlds":        chaintest.DefaultTLDs,
	}
	inPath := filepath.Join(t.TempDir(), "input.json")
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, filepath.Join("testdata", "crosscheck.js"), inPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node crosscheck.js: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	t.Logf("library answers: %s", stdout.String())
	var lib crossCheckOutput
	if err := json.Unmarshal(stdout.Bytes(), &lib); err != nil {
		t.Fatalf("crosscheck.js output: %v\n%s", err, stdout.String())
	}

	// The library stayed on 127.0.0.1, and it did need the TLD list.
	if len(lib.Refused) > 0 {
		t.Errorf("the library tried to reach %q", lib.Refused)
	}
	for _, c := range lib.Connections {
		if !strings.HasPrefix(c, "127.0.0.1:") {
			t.Errorf("the library connected to %s", c)
		}
	}
	if len(lib.TLDRequests) == 0 {
		t.Error("the library never asked for its TLD list: the script's stub is stale")
	}

	r := f.resolver(t)
	for _, name := range names {
		got, ok := lib.Names[name]
		if !ok {
			t.Errorf("%s: no answer from the library", name)
			continue
		}
		norm, err := domains.NormalizeName(name)
		if err != nil {
			t.Fatal(err)
		}
		h := Namehash(norm)
		if want := fmt.Sprintf("%#x", h); got.Namehash != want {
			t.Errorf("%s: library namehash %s (%s), Namehash %s", name, got.Namehash, got.NamehashErr, want)
		}

		d, err := r.Resolve(context.Background(), name)
		switch {
		case errors.Is(err, sigil.ErrDomainNotFound):
			if got.OwnerErr != "UnregisteredDomain" {
				t.Errorf("%s: Resolve says not found, the library says owner %q (%s)", name, got.Owner, got.OwnerErr)
			}
			continue
		case err != nil:
			t.Fatalf("%s: Resolve: %v", name, err)
		}
		if got.Owner != d.Owner {
			t.Errorf("%s: library owner %q (%s), Resolve %s", name, got.Owner, got.OwnerErr, d.Owner)
		}
		if got.RecordsError != "" {
			t.Errorf("%s: library records: %s", name, got.RecordsError)
		}
		for _, k := range testKeys {
			// The library reports a missing record as "", Resolve
			// leaves it out.
			if got.Records[k] != d.Records[k] {
				t.Errorf("%s: record %s: library %q, Resolve %q", name, k, got.Records[k], d.Records[k])
			}
		}
	}

	// Reverse: the library's reverseTokenId gives one token id, Reverse
	// a list. For an address with one reverse record they agree.
	for _, addr := range []string{alice.Hex(), bob.Hex()} {
		names, err := r.Reverse(context.Background(), addr)
		if err != nil {
			t.Fatal(err)
		}
		if want := libReverseName(t, lib, addr, names); len(names) != 1 || names[0] != want {
			t.Errorf("Reverse(%s) = %q, the library's reverse record is %s", addr, names, want)
		}
	}
	// With a reverse record on each network the library prefers L1's
	// (Uns.reverseOf), while Reverse lists L2's first, as Resolve prefers
	// L2's owner. Both list only names the address owns; this documents
	// the difference in order.
	names, err = r.Reverse(context.Background(), carol.Hex())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"carol2.x", "carol1.crypto"}; !slices.Equal(names, want) {
		t.Errorf("Reverse(carol) = %q, want %q", names, want)
	}
	if got := libReverseName(t, lib, carol.Hex(), names); got != "carol1.crypto" {
		t.Errorf("the library's reverse record for carol is %s, want the L1 one, carol1.crypto", got)
	}
}

// libReverseName maps the library's reverse token id for addr (a decimal
// string) back to whichever of candidates has that namehash.
func libReverseName(t *testing.T, lib crossCheckOutput, addr string, candidates []string) string {
	t.Helper()
	raw, ok := lib.Reverse[addr]
	if !ok {
		t.Fatalf("no reverse answer from the library for %s", addr)
	}
	var dec string
	if err := json.Unmarshal(raw, &dec); err != nil {
		t.Fatalf("library reverse answer for %s: %s", addr, raw)
	}
	id, ok := new(big.Int).SetString(dec, 10)
	if !ok {
		t.Fatalf("library reverse token id %q is not a number", dec)
	}
	for _, c := range candidates {
		h := Namehash(c)
		if new(big.Int).SetBytes(h[:]).Cmp(id) == 0 {
			return c
		}
	}
	return "token " + dec
}
