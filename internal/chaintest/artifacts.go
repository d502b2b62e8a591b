package chaintest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// Artifact is a compiled contract as Hardhat writes it into the npm package:
// the ABI and the creation bytecode. Using the published artifacts, rather
// than recompiling the Solidity, means the tests run the exact bytecode that
// @unstoppabledomains/uns 1.0.17 describes.
type Artifact struct {
	// Name is the contract name ("UNSRegistry").
	Name string
	// ABI is the parsed contract ABI.
	ABI abi.ABI
	// Bytecode is the creation code (constructor included).
	Bytecode []byte
}

var (
	artifactsMu    sync.Mutex
	artifactsCache = map[string]*Artifact{}
)

// RepoRoot returns the repository root: the nearest directory at or above
// the working directory (a package directory, under go test) holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("chaintest: working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("chaintest: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// NodeModules returns testdata/npm/node_modules of the repository, failing
// the test with instructions when the packages are not installed.
func NodeModules(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "testdata", "npm", "node_modules")
	if _, err := os.Stat(filepath.Join(dir, "@unstoppabledomains", "uns", "package.json")); err != nil {
		t.Fatalf("chaintest: %v (%v)", errNoModules, err)
	}
	return dir
}

// LoadArtifact reads the named contract ("UNSRegistry", "ProxyReader", ...)
// from @unstoppabledomains/uns/artifacts. Artifacts are read once per test
// binary.
func LoadArtifact(t testing.TB, name string) *Artifact {
	t.Helper()
	artifactsMu.Lock()
	defer artifactsMu.Unlock()
	if a, ok := artifactsCache[name]; ok {
		return a
	}
	path := filepath.Join(NodeModules(t), "@unstoppabledomains", "uns", "artifacts", name+".json")
	a, err := readArtifact(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("chaintest: artifact %s: %v (%v)", name, err, errNoModules)
		}
		t.Fatalf("chaintest: artifact %s: %v", name, err)
	}
	artifactsCache[name] = a
	return a
}

// readArtifact parses one Hardhat artifact file.
func readArtifact(path string) (*Artifact, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		ContractName   string          `json:"contractName"`
		ABI            json.RawMessage `json:"abi"`
		Bytecode       string          `json:"bytecode"`
		LinkReferences map[string]any  `json:"linkReferences"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw.LinkReferences) > 0 {
		// Library linking would need placeholders replaced; none of the
		// contracts used here link libraries.
		return nil, fmt.Errorf("%s: contract needs library linking, which chaintest does not do", path)
	}
	parsed, err := abi.JSON(strings.NewReader(string(raw.ABI)))
	if err != nil {
		return nil, fmt.Errorf("%s: abi: %w", path, err)
	}
	code, err := hexutil.Decode(raw.Bytecode)
	if err != nil {
		return nil, fmt.Errorf("%s: bytecode: %w", path, err)
	}
	if len(code) == 0 {
		return nil, fmt.Errorf("%s: no bytecode (an interface or abstract contract?)", path)
	}
	return &Artifact{Name: raw.ContractName, ABI: parsed, Bytecode: code}, nil
}
