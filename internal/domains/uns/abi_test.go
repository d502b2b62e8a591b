package uns

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/sigil-oidc/sigil/internal/chaintest"
)

// TestBindingsMatchPackage guards the generated bindings against drift: the
// committed ABI must be the one @unstoppabledomains/uns ships, and the
// generated code must embed that ABI (regenerate with go generate).
func TestBindingsMatchPackage(t *testing.T) {
	t.Parallel()
	var artifact struct {
		ABI any `json:"abi"`
	}
	readJSON(t, filepath.Join(chaintest.NodeModules(t), "@unstoppabledomains", "uns", "artifacts", "ProxyReader.json"), &artifact)
	var committed any
	readJSON(t, "proxyreader.abi.json", &committed)
	if !reflect.DeepEqual(committed, artifact.ABI) {
		t.Error("proxyreader.abi.json differs from the ProxyReader ABI of @unstoppabledomains/uns; run go generate")
	}

	for _, tc := range []struct {
		file      string
		generated string
	}{
		{"proxyreader.abi.json", ProxyReaderMetaData.ABI},
		{"ierc1271.abi.json", IERC1271MetaData.ABI},
	} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		fromFile, err := abi.JSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		fromCode, err := abi.JSON(strings.NewReader(tc.generated))
		if err != nil {
			t.Fatalf("generated ABI of %s: %v", tc.file, err)
		}
		if len(fromFile.Methods) != len(fromCode.Methods) {
			t.Errorf("%s has %d methods, the generated binding %d; run go generate", tc.file, len(fromFile.Methods), len(fromCode.Methods))
		}
		for name, m := range fromFile.Methods {
			if g, ok := fromCode.Methods[name]; !ok || g.Sig != m.Sig || !reflect.DeepEqual(g.Outputs, m.Outputs) {
				t.Errorf("%s: method %s differs from the generated binding; run go generate", tc.file, m.Sig)
			}
		}
	}

	// EIP-1271: the selector of isValidSignature(bytes32,bytes) is the
	// magic value.
	if got := NewIERC1271().GetABI().Methods["isValidSignature"].ID; !reflect.DeepEqual(got, erc1271MagicValue[:]) {
		t.Errorf("isValidSignature selector = %x, want %x", got, erc1271MagicValue)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
